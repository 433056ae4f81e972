"""A model's data: the batch size the shapes of X and Y say."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck.models.data import infer_batch_size


@pytest.mark.parametrize(
    ("X_shape", "Y_shape", "expected"),
    [
        ((3, 9), (1, 9), 9),  # course layout, examples in columns
        ((9, 3), (9,), 9),  # rows, integer labels
        ((9, 3), (9, 2), 9),  # rows, one-hot
        ((3, 9), (2, 9), 9),  # columns, one-hot
        ((4, 4), (4, 4), None),  # no way to tell
        ((3, 1), (1, 1), 1),
    ],
)
def test_the_batch_size_is_read_from_shapes(
    X_shape: tuple[int, ...], Y_shape: tuple[int, ...], expected: int | None
) -> None:
    assert infer_batch_size(np.zeros(X_shape), np.zeros(Y_shape)) == expected
