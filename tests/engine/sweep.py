"""The false-alarm sweep of issue 13: correct learner models over seeds, shapes and init scales.

    PYTHONPATH=. python -m tests.engine.sweep [--per 40]

Prints, per family, how many correct models were checked and how many got a FAIL or a warn, then
how many planted bugs were caught. The tests in test_learner_models.py assert the same on fewer draws.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

import numpy as np

import gradcheck
from tests.engine.learner_models import (
    make_abs_clip,
    make_bn_net,
    make_course_relu,
    make_maxpool_ties,
    make_svm,
)
from tests.nets import LooseModel

INITS = ("0.01", "xavier", "he", "1.0")


def course_dims(rng: np.random.Generator) -> list[int]:
    layers = int(rng.integers(2, 5))
    return [int(rng.integers(2, 9)) for _ in range(layers)] + [1]


def families(per: int) -> dict[str, Callable[[], Iterator[LooseModel]]]:
    def course() -> Iterator[LooseModel]:
        rng = np.random.default_rng(13)
        for k in range(per):
            m = int(rng.choice([1, 3, 5, 10]))
            yield make_course_relu(course_dims(rng), m, seed=k, init=INITS[k % 4])

    def maxpool() -> Iterator[LooseModel]:
        for k in range(per):
            yield make_maxpool_ties(seed=k, n=2 + k % 5, units=1 + k % 4)

    def hinge() -> Iterator[LooseModel]:
        for k in range(per):
            yield make_svm(seed=k, n=2 + k % 7) if k % 4 else make_abs_clip(seed=k)

    def bn32() -> Iterator[LooseModel]:
        for k in range(per):
            yield make_bn_net(seed=k, n=4 if k % 2 == 0 else 8)

    return {
        "course ReLU nets": course,
        "max-pool ties": maxpool,
        "hinge/abs/clip": hinge,
        "float32 batch norm": bn32,
    }


PLANTED: dict[str, Callable[[int], LooseModel]] = {
    "course db_sum": lambda k: make_course_relu([5, 4, 3, 1], 5, seed=k, bug="db_sum"),
    "course dZ_mask": lambda k: make_course_relu([5, 4, 3, 1], 5, seed=k, bug="dZ_mask"),
    "maxpool route_both": lambda k: make_maxpool_ties(seed=k, bug="route_both"),
    "svm no_reg": lambda k: make_svm(seed=k, bug="no_reg"),
    "abs_sign": lambda k: make_abs_clip(seed=k, bug="abs_sign"),
    "bn32 dgamma_scale": lambda k: make_bn_net(seed=k, bug="dgamma_scale"),
    "bn32 dW1_percent": lambda k: make_bn_net(seed=k, bug="dW1_percent"),
}


def check(model: LooseModel) -> gradcheck.Report:
    params, loss, grads = model
    return gradcheck.check(loss=loss, grads=grads, params=params)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per", type=int, default=40)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    for family, make in families(args.per).items():
        counts = {"models": 0, "fail": 0, "warn": 0}
        for model in make():
            report = check(model)
            counts["models"] += 1
            statuses = {t.status for t in report.tensors}
            for bad in ("fail", "warn"):
                if bad in statuses:
                    counts[bad] += 1
                    if args.verbose:
                        for t in report.tensors:
                            if t.status == bad:
                                print(f"  {family} {bad} {t.name}: {t.message}")
        print(
            f"{family:20s} correct models {counts['models']:4d}  FAIL {counts['fail']:3d}  warn {counts['warn']:3d}"
        )
    for name, make_bug in PLANTED.items():
        caught = sum(not check(make_bug(k)).ok for k in range(5))
        print(f"planted {name:22s} caught {caught}/5")


if __name__ == "__main__":
    main()
