"""Gradients under the wrong key: none at all for a parameter (``missing``, with the closest keys on
offer), or another tensor's gradient under this one's key (``swapped``, from :func:`borrowed`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

import numpy as np

from gradcheck.diagnose.diagnosis import Diagnosis
from gradcheck.diagnose.evidence import _noise_bound
from gradcheck.diagnose.fit import _explained
from gradcheck.diagnose.phrasing import _and
from gradcheck.diagnose.thresholds import MIN_EXPLAINED, MIN_SUPPORT
from gradcheck.report.layers import layer_of


def missing(name: str, keys_on_offer: Sequence[str]) -> Diagnosis:
    """No gradient for parameter ``name``: say what was looked for and the closest keys on offer.

    Closeness is difflib's ratio on the names, case-insensitive, compared both with ``name`` and
    with ``"d" + name`` (the usual spelling of a gradient key).
    """
    offered = [str(k) for k in keys_on_offer]
    base = name
    if base.endswith("']") and "['" in base:
        base = base[base.index("['") + 2 : -2]
    wanted = [name] + ([base] if base != name else []) + ["d" + base]
    lowered = {k.lower(): k for k in offered}
    scores: dict[str, float] = {}
    for key in offered:
        scores[key] = max(
            difflib.SequenceMatcher(None, w.lower(), key.lower()).ratio() for w in wanted
        )
    close = [k for k in sorted(offered, key=lambda k: -scores[k]) if scores[k] >= 0.6][:3]
    case_only = [
        lowered[w.lower()] for w in wanted if w.lower() in lowered and lowered[w.lower()] != w
    ]
    looked = _and([repr(w) for w in wanted])
    key = "d" + base
    if case_only:
        tail = (
            f"{case_only[0]!r} differs only in upper/lower case: rename it to {key!r} "
            f"(keys are case-sensitive)."
        )
        plain = f"{case_only[0]!r} differs only in upper/lower case: rename it to {key!r}."
    elif close:
        tail = f"the closest keys on offer are {_and([repr(k) for k in close])}."
        plain = (
            f"The closest keys are {_and([repr(k) for k in close])}: store it as "
            f"grads[{key!r}] (a typo, or a key never set)."
        )
    elif offered:
        shown = offered[:10]
        more = f" and {len(offered) - 10} more" if len(offered) > 10 else ""
        tail = f"none is close; the keys on offer are {_and([repr(k) for k in shown])}{more}."
        plain = f"Store it as grads[{key!r}]."
    else:
        tail = "the gradients returned no keys at all."
        plain = "The backward returned no gradients at all: return them in a dict."
    return Diagnosis(
        "missing",
        None,
        f"No gradient for {name}: looked for {looked}; {tail}",
        {"looked_for": wanted, "closest": case_only or close, "on_offer": offered},
        summary=f"Your backward returns no gradient for {name}. {plain}",
    )


def borrowed(
    name: str,
    analytic: np.ndarray,
    numerics: Mapping[str, np.ndarray],
    *,
    tolerance: Mapping[str, np.ndarray | float] | float | None = None,
) -> Diagnosis | None:
    """Whether the analytic gradient of ``name`` is another tensor's numeric gradient.

    Course code indexes gradients by layer (``grads['dW' + str(l)]``) and an index off by one, or
    dW and db swapped, hands one tensor another's gradient; when the shapes agree, nothing else
    catches it. ``analytic`` is the full analytic gradient of ``name``; ``numerics`` maps tensor
    names (``name`` included, when known) to full numeric gradients, NaN where not checked;
    ``tolerance`` the per-tensor noise bounds (full arrays or numbers) or one number for all.

    Returns a ``swapped`` diagnosis naming the other tensor when, over the coordinates checked in
    both, at least :data:`MIN_EXPLAINED` of them match it within the noise, at least
    :data:`MIN_SUPPORT` of those stand clear of the noise, and the analytic gradient does not also
    match its own numeric one there. ``None`` otherwise.
    """
    a = np.asarray(analytic, dtype=np.float64)
    own = numerics.get(name)
    found: list[tuple[float, str, int]] = []
    for other, numeric in numerics.items():
        n = np.asarray(numeric, dtype=np.float64)
        if other == name or n.shape != a.shape:
            continue
        t = tolerance.get(other) if isinstance(tolerance, Mapping) else tolerance
        match = _matches(a, n, own, t)
        if match is not None:
            share, checked = match
            found.append((share, other, checked))
    if not found:
        return None
    _, other, checked = max(found)
    return Diagnosis(
        "swapped",
        None,
        f"The analytic gradient of {name} is the numeric gradient of {other} ({checked} "
        f"coordinates match within the noise): the gradients are stored under the wrong keys."
        f"{_swap_hint(name, other)}",
        {"other": other, "checked": checked},
        summary=f"Your gradient for {name} is the gradient of {other}: {_swap_plain(name, other)}",
    )


def _matches(
    a: np.ndarray, n: np.ndarray, own: np.ndarray | None, t: np.ndarray | float | None
) -> tuple[float, int] | None:
    """(share of the relevant coordinates matched, coordinates checked in both) when the analytic
    gradient ``a`` is the other tensor's numeric gradient ``n`` and not also its own, ``own``."""
    both = np.isfinite(a) & np.isfinite(n)
    if own is not None:
        both &= np.isfinite(np.asarray(own, dtype=np.float64))
    if int(both.sum()) < MIN_SUPPORT:
        return None
    if t is not None and np.ndim(t) > 0:
        t = np.broadcast_to(np.asarray(t, dtype=np.float64), a.shape)[both]
    noise = _noise_bound(a[both], n[both], t)
    fits = _explained(a[both], n[both], noise, 1.0)
    support = int((fits & (np.abs(n[both]) > noise)).sum())
    relevant = (np.abs(a[both]) > noise) | (np.abs(n[both]) > noise)
    share = float((fits & relevant).sum() / max(int(relevant.sum()), 1))
    if share < MIN_EXPLAINED or support < MIN_SUPPORT:
        return None
    if own is not None:
        o = np.asarray(own, dtype=np.float64)[both]
        if _explained(a[both], o, _noise_bound(a[both], o, None), 1.0).mean() >= MIN_EXPLAINED:
            return None  # it matches its own gradient as well: nothing to say
    return share, int(both.sum())


def _swap_plain(name: str, other: str) -> str:
    """The fix for a gradient stored under another tensor's key, in one clause."""
    lo, hi = layer_of(name), layer_of(other)
    if lo is not None and hi is not None and lo.isdigit() and hi.isdigit():
        step = int(hi) - int(lo)
        if abs(step) == 1:
            return (
                f"the layer number in the key is off by one (layer {hi}'s gradient went to layer "
                f"{lo}), as with grads['dW' + str(l {'-' if step > 0 else '+'} 1)]."
            )
    if lo == hi:
        return "two gradients of one layer are swapped (dW and db, or two keys mixed up)."
    return "the gradients are stored under the wrong keys."


def _swap_hint(name: str, other: str) -> str:
    """Which mix-up the two names suggest: two tensors of one layer, or a layer index off by one."""
    lo, hi = layer_of(name), layer_of(other)
    if lo == hi:
        return " Two tensors of one layer are swapped (dW and db, or two keys mixed up)."
    if lo is not None and hi is not None and lo.isdigit() and hi.isdigit():
        step = int(hi) - int(lo)
        if abs(step) == 1:
            return (
                f" The layer number is off by one (layer {hi}'s gradient went to layer {lo}), "
                f"as with grads['dW' + str(l {'-' if step > 0 else '+'} 1)] in the loop."
            )
    return ""
