"""The decorator: its forms, its options, warn instead of raise, the summary at exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gradcheck
from gradcheck.errors import GradcheckError
from gradcheck.train.options import NonFiniteWarning


def test_bare_and_called_forms_return_what_the_function_returns() -> None:
    @gradcheck.watch
    def bare(x: float) -> float:
        return x * 2

    @gradcheck.watch()
    def called(x: float) -> float:
        return x * 3

    assert bare(2.0) == 4.0 and called(2.0) == 6.0
    assert bare.__name__ == "bare"  # functools.wraps
    assert bare.watch.step == 1  # type: ignore[attr-defined]
    bare.watch.stop()  # type: ignore[attr-defined]
    called.watch.stop()  # type: ignore[attr-defined]


def test_warn_instead_of_raise_returns_the_result_and_stops_watching() -> None:
    @gradcheck.watch(warn=True)
    def grads(x: np.ndarray) -> dict[str, np.ndarray]:
        return {"dx": np.sqrt(x)}

    grads(np.ones(2))
    with pytest.warns(NonFiniteWarning, match="invalid") as record:
        out = grads(np.array([-1.0, 1.0]))
    assert np.isnan(out["dx"][0])
    ours = [w.message for w in record if isinstance(w.message, NonFiniteWarning)]
    assert len(ours) == 1 and ours[0].error.step == 2
    assert grads.watch.done and not grads.watch.armed  # type: ignore[attr-defined]
    grads(np.array([-1.0]))  # unwatched now: no second warning
    assert grads.watch.step == 2  # type: ignore[attr-defined]


def test_bad_options_are_refused_naming_the_option() -> None:
    with pytest.raises(GradcheckError, match="every must be a positive"):
        gradcheck.watch(every=0)


def test_the_summary_is_printed_at_exit_and_numpy_settings_restored() -> None:
    script = textwrap.dedent(
        """
        import atexit
        import numpy as np
        import gradcheck

        # atexit runs last-registered first: this runs after the watch's own handler.
        atexit.register(lambda: print("settings", np.geterr(), flush=True))
        np.seterr(divide="warn", over="ignore", under="ignore", invalid="warn")

        @gradcheck.watch(summary=True, warn=True, keep_going=True)
        def grads(x):
            return {"dx": np.log(x)}

        for i in range(21):
            grads(np.full(3, 20.0 - i))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-W", "ignore::RuntimeWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "gradcheck watch - " in proc.stderr
    assert "NaN/Inf at step 21" in proc.stderr
    assert "NOT OK" in proc.stderr
    expected = {"divide": "warn", "over": "ignore", "under": "ignore", "invalid": "warn"}
    assert f"settings {expected}" in proc.stdout
