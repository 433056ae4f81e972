"""Helpers shared by the engine tests: a check of a (params, loss, grads) triple, and snapshots."""

from __future__ import annotations

import numpy as np

import gradcheck


def check(model: tuple, **options) -> gradcheck.Report:  # type: ignore[type-arg]
    params, loss, grads = model
    return gradcheck.check(loss=loss, grads=grads, params=params, **options)


def snapshot(params: dict[str, np.ndarray]) -> dict[str, bytes]:
    return {k: v.tobytes() for k, v in params.items()}


def statuses(report: gradcheck.Report) -> dict[str, str]:
    return {t.name: t.status for t in report.tensors}
