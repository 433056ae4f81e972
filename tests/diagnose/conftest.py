"""The MLP of :mod:`tests.diagnose.planted` and its numeric gradients, shared by the tests."""

from __future__ import annotations

import pytest

from tests.diagnose.planted import MLP, Params


@pytest.fixture(scope="module")
def mlp() -> MLP:
    return MLP()


@pytest.fixture(scope="module")
def mlp_numeric(mlp: MLP) -> Params:
    return mlp.numeric()
