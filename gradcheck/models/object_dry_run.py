"""The dry run: forward, cost and backward called once, watching which arrays each call creates or
writes.

What forward and cost make are caches; what backward makes (or returns) are gradients; what nothing
touched and the model reads are parameters or inputs. The dry run also makes cost's and backward's
argument plans (they may ask for what forward returned) and finds where the cost comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.models.binding import Forwarded
from gradcheck.models.object_arrays import Loc, Snapshot, arrays_in, reachable
from gradcheck.models.object_calls import Calls
from gradcheck.models.object_names import is_number
from gradcheck.models.object_subject import Subject


@dataclass(frozen=True)
class Observed:
    """The object's arrays before the dry run, between forward/cost and backward, and after it;
    which arrays forward (or cost) created, replaced or wrote into, which backward did (with what
    backward returned, under the names of its return statement)."""

    before: Snapshot
    middle: Snapshot
    after: dict[Loc, np.ndarray]
    made_by_forward: set[Loc]
    made_by_backward: dict[Loc, np.ndarray]
    returned: dict[str, Any]

    def untouched(self) -> dict[Loc, np.ndarray]:
        """Arrays that were there before and that no call replaced or wrote into."""
        before = self.before
        return {
            loc: a
            for loc, a in self.after.items()
            if loc in before.refs and not before.changed(loc, a) and loc not in self.made_by_forward
        }


def dry_run(subject: Subject, calls: Calls) -> Observed:
    """Call forward, cost and backward once, watching which arrays each call creates or writes.

    Floating-point warnings are silenced here: finding where a NaN is born is the engine's job, not
    the adapter's.
    """
    obj = subject.obj
    before = Snapshot.take(reachable(obj))
    stored_before = {a: getattr(obj, a, None) for a in subject.cost_attrs}
    with np.errstate(all="ignore"):
        fwd = calls.run_forward()
        calls.plan_cost(fwd)
        value = calls.run_cost(fwd)
        calls.cost_attr = _find_stored_cost(subject, value, fwd, stored_before)
        # Scalars from here on: what forward and backward store may be a 0-d gradient.
        middle_arrays = reachable(obj, scalars=True)
        middle = Snapshot.take(middle_arrays)
        calls.plan_backward(fwd)
        returned = calls.run_backward(fwd)
    after = reachable(obj, scalars=True)
    made_by_forward = {loc for loc, a in middle_arrays.items() if before.changed(loc, a)}
    made_by_backward = {loc: a for loc, a in after.items() if middle.changed(loc, a)}
    for attr, value in returned.items():
        made_by_backward.update(arrays_in(attr, value, returned=True, scalars=True))
    return Observed(before, middle, after, made_by_forward, made_by_backward, returned)


def _find_stored_cost(
    subject: Subject, value: Any, fwd: Forwarded | None, stored_before: Mapping[str, Any]
) -> str | None:
    """Where the cost comes from: ``None`` for a returned value (of the cost method, or of
    forward when there is no cost method), else the attribute that holds it."""
    if not subject.cost_attrs_given:
        if subject.cost and value is not None:
            return None
        if not subject.cost and fwd is not None and is_number(fwd.output):
            return None
    obj = subject.obj
    present = [a for a in subject.cost_attrs if is_number(getattr(obj, a, None))]
    # Prefer an attribute the call just wrote over one that merely holds a number.
    changed = [a for a in present if getattr(obj, a) is not stored_before.get(a)]
    if present:
        chosen = (changed or present)[0]
        after = (subject.cost or subject.forward)[-1][0]
        subject.notes.append(f"the cost is read from self.{chosen} after {after}()")
        return chosen
    called = " and ".join(f"{n}()" for n, _ in subject.forward + subject.cost)
    raise GradcheckError(
        f"{called} returned no cost and stored none on {subject.cls} (looked at "
        f"{', '.join('self.' + a for a in subject.cost_attrs)}); return the cost, or name the "
        f"attribute that holds it with cost=['<method>', '<attribute>']"
    )
