"""Guards on the user's arrays: the engine perturbs them in place, so they must be separate arrays
(no two names sharing memory) and come back bit for bit as they were (identity and content hash).

Used by the engine around every call into user code and by the adapters when they build a model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gradcheck.errors import GradcheckError


def check_no_shared_memory(params: Mapping[str, np.ndarray]) -> None:
    """Two names for one array (or overlapping views) cannot be perturbed independently."""
    names = list(params)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if np.shares_memory(params[first], params[second]):
                same = params[first] is params[second]
                raise GradcheckError(
                    f"parameters {first!r} and {second!r} "
                    + (
                        "are the same array"
                        if same
                        else "share memory (one is a view of the other)"
                    )
                    + ": moving one moves the other, so their gradients cannot be checked apart. "
                    "List the array once (tied weights: give the sum of both gradients under one name)"
                )


@dataclass(frozen=True)
class Fingerprint:
    """Identity and a content hash of every parameter array, to catch user code that changes them."""

    ids: Mapping[str, int]
    digests: Mapping[str, bytes]

    @staticmethod
    def digest(arr: np.ndarray) -> bytes:
        # memoryview of a contiguous array hashes without a copy; a strided view is copied once.
        # Flat, because memoryview cannot cast a shape with a zero in it, such as (0, 3).
        flat = np.ascontiguousarray(arr).reshape(-1)
        return hashlib.blake2b(flat.data.cast("B"), digest_size=16).digest()

    @classmethod
    def of(cls, params: Mapping[str, np.ndarray]) -> Fingerprint:
        return cls(
            ids={k: id(v) for k, v in params.items()},
            digests={k: cls.digest(v) for k, v in params.items()},
        )

    def check_unchanged(self, params: Mapping[str, np.ndarray], who: str) -> None:
        for name, arr in params.items():
            if id(arr) != self.ids.get(name):
                raise GradcheckError(
                    f"{who} replaced parameter {name!r} with a new array; gradcheck perturbs the arrays "
                    "your code reads, so it must keep using the same ones (update in place, or keep "
                    "parameters out of the function)"
                )
            if self.digest(arr) != self.digests[name]:
                raise GradcheckError(
                    f"{who} changed parameter {name!r} in place when called; a loss or gradient "
                    "function must not modify the parameters (does it also apply an update step?)"
                )

    def check_data_unchanged(self, data: Mapping[str, np.ndarray], who: str) -> None:
        """The same for inputs and labels (`data_arrays`): by content only, caches may come and go."""
        for name, arr in data.items():
            if self.digest(arr) != self.digests[name]:
                raise GradcheckError(
                    f"{who} changed the input {name!r} in place when called; finite differences "
                    "compare evaluations on the same data, so the code must leave its inputs as it "
                    f"found them (normalise a copy, {name} = {name} / s, not {name} /= s)"
                )
