"""Dead units rising, however the activation is written: a whole layer of ReLUs dies in a run with no
NaN at all, and the watch says so (the truth is counted by hand on the trained network)."""

from __future__ import annotations

import ast

import numpy as np

import gradcheck
from gradcheck.health.kinds import RELU, SIGMOID, TANH, _classify
from gradcheck.train.runner import train
from tests.train.story_models import DeepNet


def kind_of(source: str) -> str | None:
    return _classify(ast.parse(source, mode="eval").body)


def test_a_conditional_expression_of_a_relu_and_a_sigmoid_reads_as_a_relu() -> None:
    assert kind_of("sigmoid(Z) if l == L else np.maximum(0, Z)") == RELU
    assert kind_of("np.maximum(0, Z) if l < L else 1 / (1 + np.exp(-Z))") == RELU
    assert kind_of("np.tanh(Z) if l < L else np.tanh(Z)") == TANH
    assert kind_of("sigmoid(Z) if last else sigmoid(Z)") == SIGMOID
    assert kind_of("np.tanh(Z) if l < L else np.maximum(0, Z)") is None  # tanh can be < 0


def test_a_whole_layer_of_relus_dying_is_named_without_any_nan() -> None:
    net = DeepNet(seed=1)
    net.learning_rate = 10.0
    summary = train(gradcheck.from_object(net), steps=300, step=net.train_step, state=net)
    # The truth by hand: layer 2 has 16 units and none of them fires for any example.
    net.forward()
    dead_layer2 = int(np.sum(~(net.caches["A2"] > 0).any(axis=1)))
    assert dead_layer2 == 16
    assert summary.first_nonfinite is None
    dead = [w for w in summary.warnings if w.kind == "dead_units_rising"]
    assert [w.where for w in dead] == ["self.caches['A2']"]
    assert "went from 0 of 16 at step 0 to 16 of 16 at step 300" in dead[0].message
    assert "The whole layer is dead" in dead[0].message


def test_the_same_net_at_a_sane_learning_rate_has_no_dead_units_warning() -> None:
    net = DeepNet(seed=1)
    summary = train(gradcheck.from_object(net), steps=300, step=net.train_step, state=net)
    assert net.dead_hidden_units() <= 2
    assert [w.kind for w in summary.warnings] == []


def test_tanh_units_that_saturate_as_the_weights_grow_are_named_and_a_sane_run_is_quiet() -> None:
    from tests.train.story_models import TanhNet

    before = TanhNet().saturated_share()
    net = TanhNet()
    net.learning_rate = 5.0
    summary = train(gradcheck.from_object(net), steps=500, step=net.train_step, state=net)
    after = net.saturated_share()  # the truth by hand, on the trained net
    assert after - before > 0.3
    rising = [w for w in summary.warnings if w.kind == "saturation_rising"]
    assert "self.A1" in [w.where for w in rising]
    sane = TanhNet()
    quiet = train(gradcheck.from_object(sane), steps=500, step=sane.train_step, state=sane)
    assert sane.saturated_share() < 0.1 and [w.kind for w in quiet.warnings] == []
