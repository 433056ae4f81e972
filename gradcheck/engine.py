"""The checking core: centered finite differences against the user's analytic gradients.

The whole algorithm, for one coordinate ``x`` of one parameter tensor::

    h      = step(x)                               # from the dtype and |x|, see `steps_for`
    x0     = p[i]                                   # remember the exact value
    p[i]   = x0 + h;  f_plus  = loss()
    p[i]   = x0 - h;  f_minus = loss()
    p[i]   = x0                                     # assign back: bit-for-bit, never "add h again"
    numeric = (f_plus - f_minus) / (realised step up + realised step down)

and the comparison knows how much numerical noise to expect: the round-off noise of one loss
evaluation is *measured* (`estimate_noise`), turned into an error bar per coordinate, and a
difference below that bar is noise, not a bug. Coordinates that still disagree are re-measured at
half the step (Richardson: truncation shrinks by 4, a real error does not) and, if the one-sided
slopes show a kink, at a point nudged off the kink, so neither truncation nor ReLU corners are
reported as bugs while a real error hiding there is still caught.

Nothing here prints; the result is a :class:`gradcheck.result.Report`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck import diagnose, health
from gradcheck.errors import CheckInterrupted, GradcheckError
from gradcheck.model import Model, data_arrays, gradient_key_candidates, validate_params
from gradcheck.result import (
    FAIL,
    PASS,
    WARN,
    Element,
    NonFinite,
    Report,
    ReportWarning,
    Stats,
    TensorResult,
)

MODES = ("auto", "full", "sampled", "directional")

# Thresholds on the relative error  ||a - n|| / max(||a|| + ||n||, floor)  (see `relative_error`),
# keyed by the working precision of the check: (pass at or below, fail above); between is "warn".
# float64: a correct model lands near 1e-9; a real bug with a relative error of 1e-4 fails.
# float32: the loss itself carries ~1e-7 relative noise, so 1e-3 is what a correct model reaches;
#          a 2% error in a gradient (relative error 1e-2) still fails.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-6, 1e-5),
    "float32": (1e-3, 5e-3),
    "float16": (1e-2, 5e-2),
}

# Step per coordinate: h = cbrt(eps) * max(|x|, 1). For a centered difference the truncation error
# grows like h^2 and the round-off error like eps/h; their sum is smallest near h = eps^(1/3).
# Scaling by |x| keeps x + h representable with many significant bits for large parameters.
STEP_FLOOR = 1.0

# The error bar of a centered difference is NOISE_SIGMAS standard deviations of its round-off:
# sd = sqrt(2) * sigma_f / (2h). Six keeps false alarms away over 10^5 coordinates.
NOISE_SIGMAS = 6.0

# auto mode checks every coordinate when that is cheap: at most this many coordinates always...
AUTO_FULL_ALWAYS = 1000
# ...and up to AUTO_FULL_MAX when the estimated time of the full check is below AUTO_FULL_SECONDS.
AUTO_FULL_MAX = 50_000
AUTO_FULL_SECONDS = 3.0
DEFAULT_SAMPLE = 20  # coordinates per tensor in sampled / auto mode
DEFAULT_DIRECTIONS = 2  # random directions per tensor in auto mode (4 in directional mode)
CONFIRM_BUGS_ENOUGH = 8  # stop re-measuring a tensor once this many coordinates are confirmed wrong
WORST_SHOWN = 5
BISECT_LEAF = 32  # directional localisation stops at slices this small, then checks each
# A relative error this large needs no evidence in the message that it is not numerical noise.
OBVIOUS = 1e-2


@dataclass(frozen=True)
class Options:
    """How to check. One record instead of many flags; every field is also a CLI option."""

    mode: str = "auto"
    sample: int | None = None
    seed: int = 0
    eps: float | None = None
    only: tuple[str, ...] = ()
    directions: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise GradcheckError(f"mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        if self.sample is not None and self.sample < 1:
            raise GradcheckError(
                f"sample must be a positive number of coordinates; got {self.sample}"
            )
        if self.eps is not None and not (self.eps > 0 and math.isfinite(self.eps)):
            raise GradcheckError(f"eps must be a positive finite step; got {self.eps}")
        if self.directions is not None and self.directions < 0:
            raise GradcheckError(f"directions must be >= 0; got {self.directions}")


# --------------------------------------------------------------------------------------------
# Small numerical helpers
# --------------------------------------------------------------------------------------------


def precision_of(*dtypes: Any) -> str:
    """The lowest floating precision among ``dtypes``: the precision the check can trust.

    Wider floats (longdouble) count as float64; non-float dtypes are ignored.
    """
    found = {np.dtype(dt).itemsize for dt in dtypes if np.dtype(dt).kind == "f"}
    if 2 in found:
        return "float16"
    if 4 in found:
        return "float32"
    return "float64"


def machine_eps(precision: str) -> float:
    return float(np.finfo(np.dtype(precision)).eps)


def steps_for(values: np.ndarray, precision: str, eps: float | None) -> np.ndarray:
    """Step per coordinate: ``eps`` when given, else cbrt(machine eps) * max(|x|, 1)."""
    if eps is not None:
        return np.full(values.shape, float(eps))
    scale = np.maximum(np.abs(values.astype(np.float64)), STEP_FLOOR)
    return np.asarray(machine_eps(precision) ** (1.0 / 3.0) * scale, dtype=np.float64)


def relative_error(
    analytic: np.ndarray, numeric: np.ndarray, bound: np.ndarray, rtol: float
) -> float:
    """||a - n|| / max(||a|| + ||n||, ||bound|| / rtol).

    The familiar course formula, with one honest change: the denominator never falls below the
    smallest gradient this finite difference can resolve to ``rtol`` (its error bar over ``rtol``).
    A gradient that is truly zero (a bias feeding batch norm) then scores ~0 instead of ~1, and the
    measure stays invariant when the loss is scaled by 1e7 or 1e-9.
    """
    if analytic.size == 0:
        return 0.0
    diff = float(np.linalg.norm(analytic - numeric))
    denom = max(
        float(np.linalg.norm(analytic) + np.linalg.norm(numeric)),
        float(np.linalg.norm(bound)) / rtol,
    )
    if denom == 0.0:
        return 0.0 if diff == 0.0 else math.inf
    return diff / denom


def elementwise_relative_error(
    a: np.ndarray, n: np.ndarray, bound: np.ndarray, rtol: float
) -> np.ndarray:
    denom = np.maximum(np.abs(a) + np.abs(n), bound / rtol)
    diff = np.abs(a - n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(
            denom > 0, diff / np.where(denom > 0, denom, 1.0), np.where(diff > 0, np.inf, 0.0)
        )
    return rel


def _rel1(a: float, n: float, b: float, rtol: float) -> float:
    return float(elementwise_relative_error(np.array([a]), np.array([n]), np.array([b]), rtol)[0])


def status_for(metric: float, precision: str) -> str:
    passing, failing = TOLERANCES[precision]
    if not metric <= failing:  # NaN fails too
        return FAIL
    return PASS if metric <= passing else WARN


# --------------------------------------------------------------------------------------------
# Evaluating the user's functions
# --------------------------------------------------------------------------------------------


class _Counter:
    """Calls the model's loss and grads, converting and counting."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.losses = 0
        self.grads = 0
        self.loss_dtype: np.dtype[Any] | None = None

    def loss(self) -> float:
        raw = self.model.loss()
        self.losses += 1
        return self.to_float(raw)

    def to_float(self, raw: Any) -> float:
        if isinstance(raw, (float, int)) and not isinstance(raw, bool):
            return float(raw)
        if raw is None:
            raise GradcheckError(
                "the loss returned None; it must return one number (a missing `return`?)"
            )
        if isinstance(raw, (str, bytes)):
            raise GradcheckError(
                f"the loss returned a string ({raw!r:.40}); it must return one number"
            )
        try:
            arr = np.asarray(raw)
        except Exception as exc:  # pragma: no cover - exotic objects
            raise GradcheckError(f"the loss returned {type(raw).__name__}, not a number") from exc
        if arr.dtype.kind not in "fiu" or arr.dtype == bool:
            raise GradcheckError(
                f"the loss returned {type(raw).__name__} of dtype {arr.dtype}; it must return one number"
            )
        if arr.size != 1:
            raise GradcheckError(
                f"the loss returned an array of shape {arr.shape}; it must return one number "
                "(sum or average it, e.g. np.mean(...))"
            )
        if self.loss_dtype is None and arr.dtype.kind == "f":
            self.loss_dtype = arr.dtype
        return float(arr.reshape(()))

    def gradients(self) -> Mapping[str, Any]:
        raw = self.model.grads()
        self.grads += 1
        if not isinstance(raw, Mapping):
            raise GradcheckError(
                f"the gradients must be a mapping of name -> array (e.g. {{'dW1': ...}}); got {type(raw).__name__}"
            )
        return raw


def match_gradient(
    name: str, grads: Mapping[str, Any], aliases: Mapping[str, str]
) -> tuple[str | None, Any]:
    """Find the gradient of parameter ``name``: an alias from the adapter, the name, or d + name."""
    keys = [aliases[name]] if name in aliases else gradient_key_candidates(name)
    for key in keys:
        if key in grads:
            return key, grads[key]
    return None, None


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


# --------------------------------------------------------------------------------------------
# The noise level of the loss
# --------------------------------------------------------------------------------------------


def estimate_noise(
    evaluate: Callable[[], float],
    arr: np.ndarray,
    steps: np.ndarray,
    f0: float,
    precision: str,
    rng: np.random.Generator,
    directions: int = 2,
    points: int = 9,
) -> float:
    """Standard deviation of the round-off noise in one loss evaluation near the current point.

    After Moré & Wild's ECnoise: evaluate f at ``points`` equally spaced points along a random
    direction, with a spacing a hundred times below the differencing step. The k-th differences of
    a smooth function vanish like spacing^k, while those of independent noise keep the variance
    C(2k, k) sigma^2; so gamma_k * mean((Delta^k f)^2), gamma_k = (k!)^2 / (2k)!, estimates sigma^2.
    k = 3 and 4 are pooled over the directions. A direction whose estimate is ten times the
    smallest has met a corner (a ReLU switching inside the stencil) and is left out. The floor is
    the rounding of the loss value itself (eps/2 * |f|).
    """
    floor = 0.5 * machine_eps(precision) * abs(f0)
    if arr.size == 0:
        return floor
    saved = arr.copy()
    per_direction: list[float] = []
    try:
        for _ in range(directions):
            signs = rng.choice(np.array([-1.0, 1.0]), size=arr.shape)
            delta = signs * steps * 1e-2
            values = [f0]
            base = saved if saved.dtype == np.float64 else saved.astype(np.float64)
            point = np.empty(np.shape(delta))
            for j in range(1, points):
                np.multiply(delta, j, out=point)
                point += base
                arr[...] = point
                values.append(evaluate())
            del point, base
            arr[...] = saved
            f = np.asarray(values)
            if not np.all(np.isfinite(f)):
                continue
            variances = []
            for k in (3, 4):
                gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
                variances.append(gamma * float(np.mean(np.diff(f, n=k) ** 2)))
            per_direction.append(float(np.mean(variances)))
    finally:
        arr[...] = saved
    if not per_direction:
        return floor
    smallest = min(per_direction)
    kept = [v for v in per_direction if v <= 100.0 * smallest]  # variances: 10x in sigma
    return max(math.sqrt(float(np.mean(kept))), floor)


# --------------------------------------------------------------------------------------------
# Per-tensor work
# --------------------------------------------------------------------------------------------


@dataclass
class _Coords:
    """The measurements of one tensor's checked coordinates (all arrays aligned)."""

    flat: np.ndarray  # flat indices into the tensor (C order)
    analytic: np.ndarray
    numeric: np.ndarray
    bound: np.ndarray  # error bar of `numeric`
    h: np.ndarray  # realised half-width of the stencil
    slope_jump: np.ndarray  # |right slope - left slope| from f(x+h), f(x), f(x-h)
    kink: np.ndarray  # bool: not differentiable within the stencil
    confirmed: np.ndarray  # bool: re-measured and still wrong
    notes: dict[str, int] = field(default_factory=dict)


class _Checker:
    """Runs one check. State lives here so the helpers stay short; the public entry is `run_check`."""

    def __init__(
        self, model: Model, options: Options, progress: Callable[[int, int], None] | None
    ) -> None:
        self.model = model
        self.options = options
        self.progress = progress
        self.calls = _Counter(model)
        self.rng = np.random.default_rng(options.seed)
        self.done = 0
        self.total = 0
        self.f0 = 0.0
        self.sigma = 0.0
        self.precision = "float64"
        self.nonfinite: NonFinite | None = None
        self.nonfinite_probe: tuple[str, tuple[Any, ...], Any] | None = None
        self.needs_refresh = False  # a nudge called grads() away from the original point
        self.warnings: list[ReportWarning] = []
        # name -> (flat indices, analytic, numeric, error bar) of the coordinates compared
        self.measured: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self) -> float:
        return self.calls.loss()

    def tick(self, n: int = 1) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)

    def note_nonfinite(self, name: str, index: tuple[Any, ...], value: Any) -> None:
        if self.nonfinite_probe is None:
            self.nonfinite_probe = (name, index, value)

    # -- one coordinate at a time --------------------------------------------------------------
    def central(
        self, arr: np.ndarray, name: str, index: tuple[Any, ...], h: float, f_center: float
    ) -> tuple[float, float, float, float]:
        """(numeric, realised half step, right slope, left slope) at coordinate ``index``."""
        x0 = arr[index]
        try:
            xp = arr.dtype.type(float(x0) + h)
            xm = arr.dtype.type(float(x0) - h)
            arr[index] = xp
            fp = self.evaluate()
            arr[index] = xm
            fm = self.evaluate()
        finally:
            arr[index] = x0
        hp = float(xp) - float(x0)
        hm = float(x0) - float(xm)
        if not (math.isfinite(fp) and math.isfinite(fm)):
            self.note_nonfinite(name, index, xp if not math.isfinite(fp) else xm)
            return math.nan, (hp + hm) / 2, math.nan, math.nan
        if hp <= 0 or hm <= 0:
            raise GradcheckError(
                f"the step {h:g} is too small to change {name}{list(index)} = {float(x0)!r} "
                f"in {arr.dtype}; pass a larger eps"
            )
        return (fp - fm) / (hp + hm), (hp + hm) / 2, (fp - f_center) / hp, (f_center - fm) / hm

    def noise_bound(self, h: np.ndarray | float) -> np.ndarray | float:
        # round-off of (f+ - f-) / 2h: sd = sqrt(2) sigma / 2h
        return NOISE_SIGMAS * math.sqrt(2.0) * self.sigma / (2.0 * np.asarray(h))

    def measure(
        self,
        arr: np.ndarray,
        name: str,
        flat: np.ndarray,
        analytic_full: np.ndarray,
        steps: np.ndarray,
    ) -> _Coords:
        n = flat.size
        numeric = np.empty(n)
        hs = np.empty(n)
        jump = np.empty(n)
        shape = arr.shape
        for j, i in enumerate(flat):
            index = np.unravel_index(int(i), shape)
            numeric[j], hs[j], right, left = self.central(
                arr, name, index, float(steps[j]), self.f0
            )
            jump[j] = abs(right - left)
            self.tick()
        analytic = analytic_full.reshape(-1)[flat]
        bound = np.asarray(self.noise_bound(hs), dtype=np.float64)
        return _Coords(
            flat=flat,
            analytic=analytic.astype(np.float64),
            numeric=numeric,
            bound=bound,
            h=hs,
            slope_jump=jump,
            kink=np.zeros(n, bool),
            confirmed=np.zeros(n, bool),
        )

    # -- confirmation of disagreeing coordinates -------------------------------------------------
    def confirm(self, arr: np.ndarray, name: str, c: _Coords) -> None:
        """Re-measure coordinates that disagree, worst first, until enough are confirmed wrong.

        First at half the step: the O(h^2) truncation error of a centered difference shrinks by 4
        and cancels in Richardson's (4 D(h/2) - D(h)) / 3, while a wrong gradient stays wrong.
        What still disagrees is moved off any corner and measured again (`nudge`).
        """
        passing, _ = TOLERANCES[self.precision]
        rel = elementwise_relative_error(c.analytic, c.numeric, c.bound, passing)
        order = [int(j) for j in np.argsort(-np.nan_to_num(rel, nan=np.inf)) if rel[j] > passing]
        pending: list[int] = []
        for j in order:
            if int(c.confirmed.sum()) >= CONFIRM_BUGS_ENOUGH:
                break
            if not math.isfinite(c.numeric[j]):
                continue
            index = np.unravel_index(int(c.flat[j]), arr.shape)
            n_half, h_half, _, _ = self.central(arr, name, index, c.h[j] / 2, self.f0)
            if not math.isfinite(n_half):
                continue
            b_half = float(self.noise_bound(h_half))
            n_rich = (4.0 * n_half - c.numeric[j]) / 3.0
            b_rich = (4.0 * b_half + c.bound[j]) / 3.0  # round-off carried through Richardson
            best = min(
                ((n_half, b_half), (n_rich, b_rich)),
                key=lambda nb: _rel1(c.analytic[j], nb[0], nb[1], passing),
            )
            if _rel1(c.analytic[j], best[0], best[1], passing) <= passing:
                c.numeric[j], c.bound[j] = best
                c.notes["truncation"] = c.notes.get("truncation", 0) + 1
                continue
            pending.append(j)
            if len(pending) == CONFIRM_BUGS_ENOUGH:
                self.nudge(arr, name, c, pending)
                pending = []
        if pending:
            self.nudge(arr, name, c, pending)

    def nudge(self, arr: np.ndarray, name: str, c: _Coords, rows: list[int]) -> None:
        """Move disagreeing coordinates a few steps away, re-take the analytic gradient there, re-check.

        A corner (ReLU at 0, a max-pool tie, |x| at 0) inside the stencil makes the centered
        difference average two one-sided slopes; a few steps away the loss is smooth again. If the
        coordinate agrees there, the disagreement was the corner: a kink, not a bug. If it still
        disagrees, the gradient is wrong, including a real error that was hiding at the corner.
        """
        passing, _ = TOLERANCES[self.precision]
        indices = [np.unravel_index(int(c.flat[j]), arr.shape) for j in rows]
        saved = [arr[ix] for ix in indices]
        self.needs_refresh = True
        try:
            # Offsets 3h, 5h, 7h, ... in random order: tied coordinates (a max-pool tie) end up at
            # least 2h apart, so no stencil of half-width h straddles their tie again.
            offsets = 3.0 + 2.0 * self.rng.permutation(len(rows))
            for ix, x0, j, u in zip(indices, saved, rows, offsets):
                arr[ix] = arr.dtype.type(float(x0) + u * c.h[j])
            f_nudged = self.evaluate()
            key, g = match_gradient(name, self.calls.gradients(), self.model.grad_keys)
            g_arr = np.asarray(g, dtype=np.float64) if key is not None else None
            usable = g_arr is not None and g_arr.shape == arr.shape and math.isfinite(f_nudged)
            for ix, j in zip(indices, rows):
                if not usable:
                    c.confirmed[j] = True
                    continue
                assert g_arr is not None
                a_new = float(g_arr[ix])
                n_new, h_new, _, _ = self.central(arr, name, ix, c.h[j], f_nudged)
                b_new = float(self.noise_bound(h_new))
                if _rel1(a_new, n_new, b_new, passing) <= passing:
                    c.kink[j] = True
                else:
                    # Confirmed wrong. The values kept are those at the original point, so that
                    # every coordinate of the tensor is compared at one point (a transpose or a
                    # constant factor shows only there).
                    c.confirmed[j] = True
        finally:
            for ix, x0 in zip(indices, saved):
                arr[ix] = x0

    # -- random directions ---------------------------------------------------------------------
    def along(
        self,
        arr: np.ndarray,
        saved: np.ndarray,
        direction: np.ndarray,
        analytic_full: np.ndarray,
        span: tuple[int, int] | None = None,
    ) -> tuple[float, float, float]:
        """(analytic, numeric, error bar) of the derivative along ``direction``.

        With ``span`` = (lo, hi), only the flat C-order entries lo..hi-1 move. Written with two
        work arrays and in-place operations: memory stays a small multiple of the tensor.
        """
        base = saved if saved.dtype == np.float64 else saved.astype(np.float64)
        v = direction
        if span is not None:
            v = np.zeros_like(direction)
            lo, hi = span
            v.reshape(-1)[lo:hi] = direction.reshape(-1)[lo:hi]
        try:
            work = np.asarray(np.add(base, v))  # asarray: a 0-d sum comes back as a scalar
            arr[...] = work
            np.subtract(arr, base, out=work)  # the realised step up
            fp = self.evaluate()
            down = np.asarray(np.subtract(base, v))
            arr[...] = down
            np.subtract(base, arr, out=down)  # the realised step down
            fm = self.evaluate()
        finally:
            arr[...] = saved
        work += down
        np.multiply(work, analytic_full, out=work)
        analytic = float(work.sum())
        numeric = fp - fm
        bound = NOISE_SIGMAS * math.sqrt(2.0) * self.sigma
        return analytic, numeric, bound

    def directional(
        self,
        arr: np.ndarray,
        name: str,
        analytic_full: np.ndarray,
        steps_full: np.ndarray,
        count: int,
    ) -> tuple[list[float], np.ndarray | None]:
        """Compare g.v with the centered difference along ``count`` random sign directions.

        Returns the relative errors and, when one direction disagrees for real, the flat indices of
        the slice it was narrowed down to (bisection), so the caller can name elements.
        """
        passing, _ = TOLERANCES[self.precision]
        saved = arr.copy()
        rels: list[float] = []
        culprit: np.ndarray | None = None
        try:
            for _ in range(count):
                # Scaled by 1/sqrt(size): the whole step has the length of one coordinate's step,
                # so it crosses no more ReLU corners than a single-coordinate check does.
                v = self.rng.choice(np.array([-1.0, 1.0]), size=arr.shape)
                v *= steps_full
                v /= math.sqrt(arr.size)
                a, n, b = self.along(arr, saved, v, analytic_full)
                self.tick(2)
                rel = relative_error(np.array([a]), np.array([n]), np.array([b]), passing)
                if rel > passing and math.isfinite(n):
                    # Taylor test: halve the step. A wrong gradient keeps (n - a)/t constant;
                    # truncation shrinks it like t^2 and ReLU corners like t.
                    v /= 2
                    a2, n2, b2 = self.along(arr, saved, v, analytic_full)
                    v *= 2
                    rel2 = relative_error(np.array([a2]), np.array([n2]), np.array([b2]), passing)
                    if rel2 <= passing or abs(n2 - a2) * 2 < 0.6 * abs(n - a):
                        rel = min(rel, rel2)
                    elif culprit is None:
                        culprit = self.bisect(arr, saved, v, analytic_full, a - n)
                rels.append(rel)
                del v
        finally:
            arr[...] = saved
        return rels, culprit

    def bisect(
        self,
        arr: np.ndarray,
        saved: np.ndarray,
        v: np.ndarray,
        analytic_full: np.ndarray,
        error: float,
    ) -> np.ndarray:
        """Narrow a disagreeing direction down to a slice of at most BISECT_LEAF coordinates.

        The error along v is (nearly) additive over disjoint slices, so measuring one half tells the
        other: e(right) = e(all) - e(left). Follow the half that carries more of it.
        """
        lo, hi = 0, arr.size
        while hi - lo > BISECT_LEAF:
            mid = (lo + hi) // 2
            a, n, _ = self.along(arr, saved, v, analytic_full, span=(lo, mid))
            left_error = a - n
            if abs(left_error) >= abs(error - left_error):
                hi, error = mid, left_error
            else:
                lo, error = mid, error - left_error
        return np.arange(lo, hi)

    # -- the check -----------------------------------------------------------------------------
    def run(self) -> Report:
        start = time.perf_counter()
        model, options = self.model, self.options
        validate_params(model.params)
        names = list(model.params)
        if options.only:
            unknown = [n for n in options.only if n not in model.params]
            if unknown:
                raise GradcheckError(
                    f"--only names {', '.join(map(repr, unknown))}, which the model does not have; "
                    f"its parameters are: {', '.join(names)}"
                )
            names = [n for n in names if n in options.only]
        for name in names:
            arr = model.params[name]
            if not np.all(np.isfinite(arr)):
                bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
                self.nonfinite = found_nonfinite(
                    "params",
                    f"parameter {name} already holds {bad} non-finite value(s) before any code ran",
                    variable=name,
                    kind="input",
                )
                return self.report((), start, mode="none")

        check_no_shared_memory(model.params)
        # Who runs when the engine calls loss/grads: "forward_prop() or cost()" for the trio.
        loss_label = str(model.extra.get("loss_label", "the loss"))
        grads_label = str(model.extra.get("grads_label", "the gradient function"))
        before = Fingerprint.of(model.params)
        data = data_arrays(model)
        data_before = Fingerprint.of(data)
        t0 = time.perf_counter()
        self.f0 = self.evaluate()
        t_loss = time.perf_counter() - t0
        before.check_unchanged(model.params, loss_label)
        data_before.check_data_unchanged(data, loss_label)
        if not math.isfinite(self.f0):
            self.nonfinite = found_nonfinite(
                "loss",
                f"the loss is {self.f0} at the given parameters",
            )
            return self.report((), start, mode="none")

        grads = self.calls.gradients()
        before.check_unchanged(model.params, grads_label)
        data_before.check_data_unchanged(data, grads_label)
        # The same point twice must give the same loss; dropout without a fixed seed does not.
        again = self.evaluate()
        if again != self.f0:
            spread = abs(again - self.f0)
            if spread > 64 * machine_eps("float64") * max(abs(self.f0), abs(again)):
                # A loss that changes its own parameters or data on later calls is named as such.
                before.check_unchanged(model.params, loss_label)
                data_before.check_data_unchanged(data, loss_label)
                raise GradcheckError(
                    f"the loss is not deterministic: two evaluations at the same parameters gave {self.f0!r} "
                    f"and {again!r}. Finite differences cannot work on a random loss; fix the random seed "
                    "inside the loss (e.g. np.random.default_rng(0) for dropout masks) or switch dropout off "
                    "for the check"
                )
        matched: dict[str, tuple[str | None, Any]] = {
            n: match_gradient(n, grads, model.grad_keys) for n in names
        }
        self.warnings = health.gradient_norm_health(
            {n: raw for n, (key, raw) in matched.items() if key is not None}
        )
        self.warnings += gradient_dtype_warnings(model.params, matched)
        analytic_dtypes = [np.asarray(g).dtype for _, g in matched.values() if g is not None]
        self.precision = precision_of(
            self.calls.loss_dtype or np.float64,
            *(model.params[n].dtype for n in names),
            *analytic_dtypes,
        )

        # What to do per tensor.
        sizes = {n: int(model.params[n].size) for n in names}
        total = sum(sizes.values())
        mode = options.mode
        if mode == "auto":
            estimated = 2 * total * t_loss
            cheap = total <= AUTO_FULL_ALWAYS or (
                total <= AUTO_FULL_MAX and estimated <= AUTO_FULL_SECONDS
            )
            mode_run = "full" if cheap else "sampled+directional"
        else:
            mode_run = mode
        sample = options.sample or DEFAULT_SAMPLE
        plans: dict[str, tuple[np.ndarray, int]] = {}
        for n in names:
            size = sizes[n]
            if mode_run == "full":
                flat, dirs = np.arange(size), 0
            elif mode_run == "directional":
                flat, dirs = (
                    np.arange(0),
                    options.directions if options.directions is not None else 4,
                )
            else:
                flat = stratified_sample(size, sample, self.rng)
                dirs = (
                    0
                    if flat.size == size
                    else (
                        options.directions
                        if options.directions is not None
                        else (DEFAULT_DIRECTIONS if mode_run == "sampled+directional" else 0)
                    )
                )
            plans[n] = (flat, dirs)
        self.total = sum(p[0].size + 2 * p[1] for p in plans.values())

        # Noise of one loss evaluation, measured on the largest tensor.
        largest = max(names, key=lambda n: sizes[n])
        big = model.params[largest]
        self.sigma = estimate_noise(
            self.evaluate,
            big,
            steps_for(big, self.precision, options.eps),
            self.f0,
            self.precision,
            self.rng,
        )

        results: list[TensorResult] = []
        self.checked_total = 0
        self.directions_total = 0
        try:
            self.check_tensors(names, matched, plans, list(grads), results)
        except KeyboardInterrupt:
            partial = self.report(
                tuple(results),
                start,
                mode=mode_run,
                checked=self.checked_total,
                total=total,
                directions=self.directions_total,
                interrupted=True,
            )
            raise CheckInterrupted(partial) from None

        results = [self.swapped(r) for r in results]
        if self.needs_refresh:
            self.calls.gradients()
        # Leave the model's own caches as a plain forward pass at the original point leaves them.
        self.evaluate()
        if self.nonfinite is None and self.nonfinite_probe is not None:
            name, index, value = self.nonfinite_probe
            self.nonfinite = found_nonfinite(
                "perturbation",
                f"the loss became non-finite when {name}{list(index)} was moved to {float(value)!r}",
                variable=name,
                details={"tensor": name, "index": list(index), "value": float(value)},
            )
        return self.report(
            tuple(results),
            start,
            mode=mode_run,
            checked=self.checked_total,
            total=total,
            directions=self.directions_total,
        )

    def check_tensors(
        self,
        names: list[str],
        matched: Mapping[str, tuple[str | None, Any]],
        plans: Mapping[str, tuple[np.ndarray, int]],
        keys: list[str],
        results: list[TensorResult],
    ) -> None:
        """Check each tensor in turn, appending its verdict to ``results`` as soon as it is known."""
        model, options = self.model, self.options
        for name in names:
            arr = model.params[name]
            key, raw = matched[name]
            if key is None:
                results.append(missing_result(name, arr, keys))
                continue
            try:
                analytic_full = np.asarray(raw, dtype=np.float64)
            except (TypeError, ValueError):
                results.append(
                    fail_result(
                        name,
                        arr,
                        pattern="type",
                        message=f"the gradient {key!r} is a {type(raw).__name__}"
                        + (f" of dtype {raw.dtype}" if isinstance(raw, np.ndarray) else "")
                        + " that is not a numeric array",
                    )
                )
                continue
            if analytic_full.shape != arr.shape and analytic_full.size == arr.size == 1:
                # one number for a one-entry tensor ((1, 1) bias, float gradient): `b -= lr * db`
                # keeps b's shape, so this is not the broadcasting bug a shape mismatch usually is
                analytic_full = analytic_full.reshape(arr.shape)
            if analytic_full.shape != arr.shape:
                others = {n: tuple(model.params[n].shape) for n in names if n != name}
                results.append(shape_result(name, arr, key, analytic_full.shape, others))
                continue
            if not np.all(np.isfinite(analytic_full)):
                bad = int(analytic_full.size - np.count_nonzero(np.isfinite(analytic_full)))
                if self.nonfinite is None:
                    self.nonfinite = found_nonfinite(
                        "grads",
                        f"the analytic gradient {key} holds {bad} non-finite value(s)",
                        variable=key,
                    )
                results.append(
                    fail_result(
                        name,
                        arr,
                        pattern="nonfinite",
                        message=f"{bad} of {arr.size} entries of {key} are NaN or Inf",
                    )
                )
                continue
            flat, dirs = plans[name]
            steps_full = steps_for(arr, self.precision, options.eps)
            coords = self.measure(arr, name, flat, analytic_full, steps_full.reshape(-1)[flat])
            self.confirm(arr, name, coords)
            rels: list[float] = []
            if dirs:
                rels, culprit = self.directional(arr, name, analytic_full, steps_full, dirs)
                if culprit is not None:
                    extra = np.setdiff1d(culprit, coords.flat)
                    more = self.measure(
                        arr, name, extra, analytic_full, steps_full.reshape(-1)[extra]
                    )
                    self.confirm(arr, name, more)
                    coords = merge(coords, more)
            self.checked_total += coords.flat.size
            self.directions_total += len(rels)
            if self.total <= AUTO_FULL_MAX:  # kept for `swapped`; bounded, so memory stays O(1)
                keep = ~coords.kink & np.isfinite(coords.numeric)
                self.measured[name] = (
                    coords.flat[keep],
                    coords.analytic[keep],
                    coords.numeric[keep],
                    coords.bound[keep],
                )
            result = self.tensor_result(name, arr, key, coords, rels)
            if result.status != PASS:
                result = self.second_opinion(result, arr, analytic_full)
            results.append(result)

    def swapped(self, result: TensorResult) -> TensorResult:
        """A failing tensor no pattern explains may hold another tensor's gradient (keys mixed up)."""
        if result.status != FAIL or result.pattern is not None or result.name not in self.measured:
            return result

        def full(name: str, which: int) -> np.ndarray:
            flat = self.measured[name][0]
            out = np.full(self.model.params[name].shape, np.nan)
            out.reshape(-1)[flat] = self.measured[name][which]
            return out

        shape = tuple(self.model.params[result.name].shape)
        same = [n for n in self.measured if tuple(self.model.params[n].shape) == shape]
        d = diagnose.borrowed(
            result.name,
            full(result.name, 1),
            {n: full(n, 2) for n in same},
            tolerance={n: full(n, 3) for n in same},
        )
        if d is None:
            return result
        return dataclasses.replace(
            result,
            pattern=d.pattern,
            message=d.message,
            details={**result.details, "diagnosis": d.details},
        )

    def second_opinion(
        self, result: TensorResult, arr: np.ndarray, analytic_full: np.ndarray
    ) -> TensorResult:
        """Say what a disagreement is, with a step-free test beside the finite differences.

        The coordinates behind a "warn" or "fail" already survived a half step (truncation would
        have shrunk by 4), Richardson extrapolation, and a nudge off any corner, so what is left is
        a real error; the Taylor test adds independent evidence. It never turns a warning into a
        pass: a small real error hides under the t^2 term at the steps it can use.
        """
        details = dict(result.details)
        details.update(self.taylor(arr, analytic_full))
        orders = details["taylor_orders"]
        evidence = ""
        if details["taylor_verdict"] == "wrong":
            conclusion = (
                "so g is not the gradient"
                if result.status == FAIL
                else "which points to a small real error rather than numerical noise"
            )
            evidence = (
                f"; the Taylor remainder |f(x+tv) - f(x) - t g.v| shrinks like t^{orders[-1]:.1f}, "
                f"not t^2, {conclusion}"
            )
        elif details["taylor_verdict"] == "right":
            evidence = (
                f"; the Taylor remainder shrinks like t^{orders[-1]:.1f} down to the smallest "
                "step it can resolve, so the error is small"
            )
        message = (result.message or "").rstrip()
        if evidence and (result.rel_error is None or result.rel_error < OBVIOUS):
            evidence = evidence[2].upper() + evidence[3:]
            message = f"{message}{'' if message.endswith('.') else '.'} {evidence}."
        return dataclasses.replace(result, message=message, details=details)

    def taylor(self, arr: np.ndarray, analytic_full: np.ndarray) -> dict[str, Any]:
        """A step-free second opinion: how the Taylor remainder shrinks along a random direction.

        r(t) = |f(x + t v) - f(x) - t g.v| shrinks like t^2 when g is the gradient and like t when
        it is not, whatever the step-size troubles of finite differences. Remainders within the
        noise are not used. Returns the observed orders (the last is the most telling) and a verdict:
        "right" (order ~2), "wrong" (order ~1 with the linear term clearly off), or "unclear".
        """
        saved = arr.copy()
        base = saved.astype(np.float64)
        v = self.rng.choice(np.array([-1.0, 1.0]), size=arr.shape) * np.maximum(np.abs(base), 1.0)
        v /= math.sqrt(max(arr.size, 1))
        # Steps a decade apart, down to where the remainder of a right gradient sinks into the noise;
        # a wrong one keeps a linear term |t (g_true - g).v| that the smallest steps expose.
        top, count = (1e-2, 7) if self.precision == "float64" else (1e-1, 4)
        ts = [top * 10.0**-k for k in range(count)]
        remainders: list[float] = []
        try:
            for t in ts:
                arr[...] = (base + t * v).astype(arr.dtype)
                step = arr.astype(np.float64) - base
                f = self.evaluate()
                remainders.append(abs(f - self.f0 - float(np.sum(analytic_full * step))))
        finally:
            arr[...] = saved
        floor = 10.0 * NOISE_SIGMAS * self.sigma
        orders = [
            math.log10(r1 / r2)
            for r1, r2 in itertools.pairwise(remainders)
            if r2 > floor and r1 > floor
        ]
        verdict = "unclear"
        if orders:
            last = orders[-1]
            verdict = "right" if last > 1.6 else "wrong" if last < 1.3 else "unclear"
        return {"taylor_orders": [round(o, 2) for o in orders], "taylor_verdict": verdict}

    def tensor_result(
        self, name: str, arr: np.ndarray, key: str, c: _Coords, dir_rels: list[float]
    ) -> TensorResult:
        passing, _ = TOLERANCES[self.precision]
        smooth = ~c.kink & np.isfinite(c.numeric)
        a, n, b = c.analytic[smooth], c.numeric[smooth], c.bound[smooth]
        rel_t = relative_error(a, n, b, passing) if a.size else None
        per = elementwise_relative_error(a, n, b, passing)
        worst_rel = float(per.max()) if per.size else 0.0
        dir_rel = max(dir_rels) if dir_rels else None
        metric = max([x for x in (rel_t, worst_rel, dir_rel) if x is not None], default=0.0)
        status = status_for(metric, self.precision)
        if a.size == 0 and not dir_rels:
            status = WARN if c.kink.any() else status
        order = np.argsort(-per)[:WORST_SHOWN]
        flat_smooth = c.flat[smooth]
        worst = tuple(
            Element(
                index=tuple(int(i) for i in np.unravel_index(int(flat_smooth[k]), arr.shape)),
                analytic=float(a[k]),
                numeric=float(n[k]),
                rel_error=float(per[k]),
            )
            for k in order
            if per[k] > 0 or status != PASS
        )
        details: dict[str, Any] = {"precision": self.precision, "key": key}
        details.update(c.notes)
        if c.confirmed.any():
            details["confirmed_wrong"] = int(c.confirmed.sum())
        pattern, factor, message = None, None, None
        if status != PASS:
            pattern, factor, message = self.diagnose(arr, c, smooth, metric, dir_rel, details)
        return TensorResult(
            name=name,
            shape=tuple(arr.shape),
            dtype=str(arr.dtype),
            status=status,
            rel_error=rel_t if rel_t is not None else dir_rel,
            max_abs_error=float(np.max(np.abs(a - n))) if a.size else None,
            checked=int(c.flat.size),
            kinks=int(c.kink.sum()),
            worst=worst,
            message=message,
            pattern=pattern,
            factor=factor,
            size=int(arr.size),
            directions=len(dir_rels),
            directional_rel_error=dir_rel,
            layer=diagnose.layer_of(name),
            details=details,
        )

    def diagnose(
        self,
        arr: np.ndarray,
        c: _Coords,
        smooth: np.ndarray,
        metric: float,
        dir_rel: float | None,
        details: dict[str, Any],
    ) -> tuple[str | None, float | None, str]:
        """Pattern, factor and message for a tensor that warns or fails; the heat map into details."""
        passing, failing = TOLERANCES[self.precision]
        verdict = "disagree" if metric > failing else "disagree slightly"
        a, n, b = c.analytic[smooth], c.numeric[smooth], c.bound[smooth]
        rel_t = relative_error(a, n, b, passing) if a.size else metric
        head = f"relative error {rel_t:.2g}"
        if metric > 1.5 * rel_t:
            head += (
                f", {metric:.2g} at the worst {'direction' if metric == dir_rel else 'coordinate'}"
            )
        head += f" (pass <= {passing:g}, fail > {failing:g})"
        flat = c.flat[smooth]
        sampled_ok = a.size and elementwise_relative_error(a, n, b, passing).max() <= passing
        if dir_rel is not None and (a.size == 0 or sampled_ok):
            return (
                None,
                None,
                (
                    f"a random direction through all {arr.size:,} entries disagrees ({head}) although the "
                    f"{a.size} sampled coordinates agree: the error sits in entries that were not sampled "
                    "(run with --mode full, or a larger --sample, to name them)"
                ),
            )
        d = diagnose.classify(
            a,
            n,
            shape=arr.shape,
            flat_index=flat,
            tolerance=b,
            batch_size=self.model.extra.get("batch_size"),
            values=arr.reshape(-1)[flat].astype(np.float64),
            rtol=passing,
        )
        details["diagnosis"] = d.details
        if arr.ndim >= 1 and arr.size > 1:
            numeric_full = np.full(arr.shape, np.nan)
            tolerance_full = np.full(arr.shape, np.inf)
            numeric_full.reshape(-1)[flat] = n
            tolerance_full.reshape(-1)[flat] = b
            analytic_full = np.full(arr.shape, np.nan)
            analytic_full.reshape(-1)[flat] = a
            grid = diagnose.error_grid(analytic_full, numeric_full, tolerance_full, rtol=passing)
            rows, cols = diagnose.grid_blocks(arr.shape)
            details["heatmap"] = {
                "grid": grid.tolist(),
                "row_starts": rows.tolist(),
                "col_starts": cols.tolist(),
            }
        reading = d.message
        if d.details.get("borderline") and c.confirmed.any():
            # The re-measurements settled what the noise alone could not: the gap is small but real.
            reading = "The gap is small: within 4 times the measured noise at every coordinate."
        # What re-measuring ruled out matters when the gap is small enough to doubt; for a gross
        # error it would only bury the reading (it stays in details).
        why = cause_text(c) if metric < OBVIOUS else ""
        message = f"analytic and numeric gradients {verdict}: {head}. {reading}{why}"
        return d.pattern, d.factor, message

    def report(
        self,
        tensors: tuple[TensorResult, ...],
        start: float,
        *,
        mode: str,
        checked: int = 0,
        total: int = 0,
        directions: int = 0,
        interrupted: bool = False,
    ) -> Report:
        stats = Stats(
            mode=mode,
            loss_evaluations=self.calls.losses,
            grad_evaluations=self.calls.grads,
            seconds=time.perf_counter() - start,
            requested_mode=self.options.mode,
            coordinates_checked=checked,
            coordinates_total=total,
            directions=directions,
            noise=self.sigma,
            seed=self.options.seed,
            interrupted=interrupted,
        )
        return Report(
            tensors=tensors,
            stats=stats,
            nonfinite=self.nonfinite,
            loss=self.f0,
            source=self.model.source,
            warnings=tuple(self.warnings),
        )


def merge(a: _Coords, b: _Coords) -> _Coords:
    notes = dict(a.notes)
    for k, v in b.notes.items():
        notes[k] = notes.get(k, 0) + v
    return _Coords(
        flat=np.concatenate([a.flat, b.flat]),
        analytic=np.concatenate([a.analytic, b.analytic]),
        numeric=np.concatenate([a.numeric, b.numeric]),
        bound=np.concatenate([a.bound, b.bound]),
        h=np.concatenate([a.h, b.h]),
        slope_jump=np.concatenate([a.slope_jump, b.slope_jump]),
        kink=np.concatenate([a.kink, b.kink]),
        confirmed=np.concatenate([a.confirmed, b.confirmed]),
        notes=notes,
    )


def stratified_sample(size: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` flat indices, one drawn uniformly from each of ``k`` equal strata (all when size <= 2k).

    Strata over the C-order flat index spread the sample over every row of a weight matrix.
    """
    if size <= 2 * k:
        return np.arange(size)
    edges = np.linspace(0, size, k + 1).astype(np.int64)
    return np.array(
        [int(rng.integers(lo, hi)) for lo, hi in itertools.pairwise(edges)], dtype=np.int64
    )


def cause_text(c: _Coords) -> str:
    """Why the disagreement is not numerical: what the re-measurements ruled out."""
    confirmed = int(c.confirmed.sum())
    if not confirmed:
        return ""
    ruled_out = ["round-off (beyond the measured noise)", "truncation (same at half the step)"]
    if c.kink.any() or c.notes.get("truncation"):
        ruled_out.append("a kink (still wrong off the corner)")
    else:
        ruled_out.append("a kink (still wrong a few steps away)")
    return (
        f" Re-measured, {confirmed} coordinate(s) still disagree, so this is a real error, not "
        + ", ".join(ruled_out[:-1])
        + f" or {ruled_out[-1]}."
    )


def found_nonfinite(
    phase: str,
    message: str,
    *,
    variable: str | None = None,
    kind: str = "unknown",
    details: dict[str, Any] | None = None,
) -> NonFinite:
    """What the engine knows of a NaN/Inf it met; `api.explain` then traces it to its origin."""
    return NonFinite(
        phase=phase,
        file=None,
        line=None,
        function=None,
        variable=variable,
        kind=kind,
        message=message,
        details=details or {},
    )


def gradient_dtype_warnings(
    params: Mapping[str, np.ndarray], matched: Mapping[str, tuple[str | None, Any]]
) -> list[ReportWarning]:
    """A gradient whose dtype cannot carry its parameter's precision: integers (fractions cut
    off), or a narrower float (the check then runs at that float's tolerances)."""
    found: list[ReportWarning] = []
    for name, (key, raw) in matched.items():
        dtype = getattr(raw, "dtype", None)
        if key is None or not isinstance(dtype, np.dtype):
            continue
        param = params[name].dtype
        if dtype.kind in "biu":
            message = (
                f"{key} holds {dtype} values: a gradient of float parameters is rarely whole "
                "numbers, so fractions were probably cut off (np.zeros_like of an integer array, "
                "or an integer accumulator?)"
            )
        elif dtype.kind == "f" and dtype.itemsize < param.itemsize:
            passing, _ = TOLERANCES[precision_of(dtype)]
            message = (
                f"{key} is {dtype} while {name} is {param}: the check runs at {dtype} precision "
                f"(pass <= {passing:g}), so smaller errors go unseen; return {param} gradients"
            )
        else:
            continue
        found.append(ReportWarning(kind="gradient_dtype", where=name, message=message))
    return found


def missing_result(name: str, arr: np.ndarray, keys: Sequence[str]) -> TensorResult:
    d = diagnose.missing(name, keys)
    return fail_result(
        name, arr, pattern=d.pattern or "missing", message=d.message, details=d.details
    )


def shape_result(
    name: str,
    arr: np.ndarray,
    key: str,
    shape: tuple[int, ...],
    others: Mapping[str, tuple[int, ...]],
) -> TensorResult:
    d = diagnose.shape_mismatch(arr.shape, shape, others=others)
    return fail_result(
        name,
        arr,
        pattern=d.pattern or "shape",
        message=f"{key}: {d.message}",
        details={"key": key, **d.details},
    )


def fail_result(
    name: str, arr: np.ndarray, *, pattern: str, message: str, details: dict[str, Any] | None = None
) -> TensorResult:
    return TensorResult(
        name=name,
        shape=tuple(arr.shape),
        dtype=str(arr.dtype),
        status=FAIL,
        rel_error=None,
        max_abs_error=None,
        checked=0,
        kinks=0,
        pattern=pattern,
        message=message,
        size=int(arr.size),
        layer=diagnose.layer_of(name),
        details=details or {},
    )


def run_check(
    model: Model,
    options: Options | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check ``model``'s analytic gradients. Parameters are bit-for-bit unchanged afterwards."""
    return _Checker(model, options or Options(), progress).run()
