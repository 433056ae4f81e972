"""Origins wherever they are: a NaN made inside the program's own np.errstate(...='ignore') is found by
replaying the step from a saved copy of its state, and the watched run stays bit for bit the unwatched
one. The truth is the same training run unwatched."""

from __future__ import annotations

import numpy as np

import gradcheck
from gradcheck.train.runner import train
from tests.train.story_models import HERE, AdamLogistic, SilencedBackward, first_bad_step, line_of


def adam_model(net: AdamLogistic) -> gradcheck.Model:
    return gradcheck.make_model(
        loss=lambda p: net.loss(), grads=lambda p: net.gradients(), params=net.params
    )


def test_an_adam_second_moment_that_goes_negative_under_errstate_ignore_is_named_on_its_step() -> (
    None
):
    expected = AdamLogistic().first_bad_step(100)
    net = AdamLogistic()
    summary = train(adam_model(net), steps=100, step=net.train_step, state=net, check=False)
    nf = summary.first_nonfinite
    assert nf is not None and summary.first_nonfinite_step == expected
    assert (nf.file, nf.line) == (str(HERE), line_of("# <- origin: adam"))
    assert nf.kind == "invalid"
    assert "averages the gradient itself (g, not g ** 2)" in (nf.cause or "")
    assert "(1 - beta2) * g ** 2" in (nf.fix or "")


def test_the_replay_leaves_the_watched_adam_run_bit_for_bit_the_unwatched_one() -> None:
    plain, watched = AdamLogistic(), AdamLogistic()
    plain.train_step()  # the NaN comes at step 1: the watched run stops there
    train(adam_model(watched), steps=3, step=watched.train_step, state=watched, check=False)
    assert watched.t == plain.t == 1  # the replay did not count a step
    for name in ("m", "v"):
        ours, theirs = getattr(watched, name), getattr(plain, name)
        for k in ours:
            assert ours[k].tobytes() == theirs[k].tobytes()
    # The parameters are left at the last good state (the runner traces it): the initial ones.
    for k, v in AdamLogistic().params.items():
        assert watched.params[k].tobytes() == v.tobytes()


def test_a_healthy_adam_run_is_bit_for_bit_and_quiet() -> None:
    class Fixed(AdamLogistic):
        def train_step(self) -> float:
            cost = self.loss()
            g = self.gradients()
            self.t += 1
            for k in self.params:
                self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * g[k]
                self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * g[k] ** 2
                m_hat = self.m[k] / (1 - self.beta1**self.t)
                v_hat = self.v[k] / (1 - self.beta2**self.t)
                self.params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
            return float(cost)

    plain, watched = Fixed(), Fixed()
    for _ in range(300):
        plain.train_step()
    summary = train(adam_model(watched), steps=300, step=watched.train_step, state=watched)
    assert summary.first_nonfinite is None
    for k in plain.params:
        assert plain.params[k].tobytes() == watched.params[k].tobytes()
        assert plain.v[k].tobytes() == watched.v[k].tobytes()
    assert [w.kind for w in summary.warnings] == []


def test_a_divide_silenced_in_backward_is_named_at_its_step_with_the_dz_fix() -> None:
    truth = SilencedBackward()
    expected = first_bad_step(truth.loss, truth.grads, truth.params, 5.0, 3000)
    net = SilencedBackward()
    model = gradcheck.make_model(loss=net.loss, grads=net.grads, params=net.params)
    summary = train(model, steps=3000, lr=5.0, check=False)
    nf = summary.first_nonfinite
    assert nf is not None and summary.first_nonfinite_step == expected
    assert (nf.file, nf.line) == (str(HERE), line_of("# <- origin: silenced divide"))
    assert "saturated sigmoid output" in (nf.cause or "") and "dZ = A - Y" in (nf.fix or "")
