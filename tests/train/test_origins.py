"""The first NaN, where it was made: NumPy's report, the data, later origins (gradcheck.train.origins)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradcheck
from gradcheck.errors import NonFiniteError
from gradcheck.models.importer import import_file
from gradcheck.train.options import NonFiniteWarning
from tests.train.helpers import SAMPLES, source_line


def test_the_origin_is_named_even_when_it_ran_before_the_watched_call() -> None:
    def forward(x: np.ndarray) -> np.ndarray:
        z = np.log(x)  # the origin: log(0) at step 3
        return z

    @gradcheck.watch
    def backward(z: np.ndarray) -> dict[str, np.ndarray]:
        return {"dz": 2.0 * z}

    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(NonFiniteError) as info:
        for step in range(1, 6):
            if step == 3:
                x[0] = 0.0
            backward(forward(x))
    err = info.value
    assert err.step == 3
    assert err.kind == "divide"
    assert err.filename == __file__
    assert err.line == source_line(__file__, "z = np.log(x)  # the origin")
    assert err.variable == "z"
    assert err.function is not None and err.function.endswith("forward")
    assert "step 3" in str(err) and "Fix:" in str(err)
    assert isinstance(err.details, gradcheck.NonFinite)
    assert not backward.watch.armed  # type: ignore[attr-defined]


def test_seed001_as_a_decorated_method_names_the_divide_the_step_and_the_fix() -> None:
    module = import_file(SAMPLES / "seed001_nan_after_training.py")
    cls = module.BinaryClassifier
    cls.backward_propagation = gradcheck.watch(cls.backward_propagation)
    net = module.planar_network
    with pytest.raises(NonFiniteError) as info:
        for _ in range(2000):
            net.forward_propagation()
            net.backward_propagation()
            net.update_parameters()
    err = info.value
    # the exact step follows NumPy's rounding of exp: 1394 on NumPy 2.4, 1795 on 1.24
    assert 1300 <= (err.step or 0) <= 1900
    assert err.kind == "divide"
    assert err.variable == "self.dA[l]"
    assert err.line == source_line(module.__file__, "self.dA[l] = -(np.divide")
    assert "exactly 1.0" in str(err)
    assert "dZ = A - Y" in str(err)


def test_a_nan_in_the_data_is_reported_as_an_input_with_its_name() -> None:
    class Data:
        def __init__(self) -> None:
            self.X = np.ones((3, 4))
            self.W = np.ones((2, 3))
            self.dW = np.zeros((2, 3))

        @gradcheck.watch
        def backward(self) -> None:
            self.dW = self.W @ self.X @ self.X.T

    d = Data()
    d.backward()
    d.X[1, 2] = np.nan  # NumPy arithmetic on NaN is silent: no error callback fires
    with pytest.raises(NonFiniteError) as info:
        d.backward()
    assert info.value.step == 2
    assert info.value.kind == "input"
    assert info.value.variable == "X"


def test_keep_going_counts_the_nonfinite_steps_and_reports_later_origins() -> None:
    @gradcheck.watch(warn=True, keep_going=True)
    def grads(x: np.ndarray, how: str) -> np.ndarray:
        if how == "log":
            return np.log(x)
        return x / 0.0

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        grads(np.ones(2), "log")
        grads(np.zeros(2), "log")  # step 2: log(0)
        grads(np.ones(2), "divide")  # step 3: a new origin
        grads(np.ones(2), "log")  # step 4: healthy again
    summary = grads.watch.summary()  # type: ignore[attr-defined]
    grads.watch.stop()  # type: ignore[attr-defined]
    assert len([w for w in record if isinstance(w.message, NonFiniteWarning)]) == 2
    assert summary.nonfinite_steps == 2
    assert [step for step, _ in summary.origins] == [2, 3]
    assert summary.first_nonfinite_step == 2
    assert [nf.kind for _, nf in summary.origins] == ["divide", "divide"]
    assert summary.origins[1][1].line == source_line(__file__, "return x / 0.0")


def test_a_masked_infinity_that_never_reaches_the_result_is_not_an_origin() -> None:
    @gradcheck.watch
    def softmax_grad(z: np.ndarray) -> np.ndarray:
        masked = np.where(z > 0, z, -np.inf)
        e = np.exp(masked - masked.max())
        return e / e.sum()

    for _ in range(3):
        softmax_grad(np.array([1.0, -1.0, 2.0]))
    z = np.array([1.0, 2.0])
    with pytest.raises(NonFiniteError) as info:
        softmax_grad(z / 0.0)  # inf - inf: NaN made inside
    assert info.value.step == 4
