"""The train room's tests: every one must leave NumPy's error settings as it found them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def numpy_settings_untouched() -> Iterator[None]:
    """Every test must leave NumPy's error settings as it found them: that is the watch's promise."""
    before, call = np.geterr(), np.geterrcall()
    yield
    assert np.geterr() == before
    assert np.geterrcall() is call
