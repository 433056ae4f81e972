"""``gradcheck.check``: one call from any model form to a finished :class:`Report`.

The flow is the package's architecture in miniature: the user's code is adapted into a
:class:`Model` (gradcheck.models), checked (gradcheck.engine), explained (diagnose, numerics, health,
through gradcheck.engine.explain) and returned as data (gradcheck.report). Rendering is the caller's
business (the report room's renderers, the cli, the pytest plugin).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gradcheck.engine.explain import check_model
from gradcheck.engine.options import Options
from gradcheck.errors import GradcheckError
from gradcheck.layer_run import layer_spec, run_layer
from gradcheck.models.make import from_object, make_model
from gradcheck.models.model import Model
from gradcheck.report.result import Report


def check(
    model: Any = None,
    /,
    *,
    loss: Callable[..., Any] | None = None,
    grads: Callable[..., Any] | None = None,
    params: Any = None,
    forward: Callable[..., Any] | None = None,
    cost: Callable[..., Any] | None = None,
    backward: Callable[..., Any] | None = None,
    X: Any = None,
    Y: Any = None,
    mode: str = "auto",
    sample: int | None = None,
    seed: int = 0,
    eps: float | None = None,
    only: str | Iterable[str] | None = None,
    directions: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    **inputs: Any,
) -> Report:
    """Compare the analytic gradients of a model with centered finite differences.

    Give the model in one of three forms: ``loss``/``grads``/``params`` (loose functions), the trio
    ``forward``/``cost``/``backward`` with ``params``, ``X``, ``Y`` (and any other inputs by name), or
    a :class:`Model` / stateful object as the first argument (``gradcheck.from_object(net)``, or the
    object itself). Options: ``mode`` ("auto", "full", "sampled", "directional"), ``sample``
    (coordinates per tensor when sampling), ``seed``, ``eps`` (a fixed step instead of the automatic
    one), ``only`` (tensor names), ``directions`` (random directions per tensor).

    Parameters are bit-for-bit unchanged afterwards, whatever happens. An exception raised by the
    user's code propagates with its own type; a model the harness cannot use raises
    :class:`GradcheckError`.
    """
    built = make(
        model,
        loss=loss,
        grads=grads,
        params=params,
        forward=forward,
        cost=cost,
        backward=backward,
        X=X,
        Y=Y,
        **inputs,
    )
    if isinstance(only, str):
        only = (only,)
    options = Options(
        mode=mode, sample=sample, seed=seed, eps=eps, only=tuple(only or ()), directions=directions
    )
    return check_model(built, options, progress=progress)


def make(model: Any = None, /, **forms: Any) -> Model:
    """The :class:`Model` for whatever form the caller gave."""
    given = {k: v for k, v in forms.items() if v is not None}
    if model is not None:
        if given:
            raise GradcheckError(
                "give the model either as the first argument or by keywords "
                f"({', '.join(sorted(given))}), not both"
            )
        if isinstance(model, Model):
            return model
        return from_object(model)
    if not given:
        raise GradcheckError(
            "no model given: pass loss=, grads=, params= (loose functions), forward=, cost=, "
            "backward=, params=, X=, Y= (the trio), or a model object as the first argument"
        )
    return make_model(**given)


def check_layer(
    forward: Callable[..., Any],
    backward: Callable[..., Any] | None,
    *args: Any,
    dout: Any = None,
    seed: int = 0,
    wrt: str | Iterable[str] | None = None,
    **kwargs: Any,
) -> Report:
    """Check one layer's forward/backward pair, the input gradient ``dx`` included.

    ``forward(*args, **kwargs)`` returns ``(out, cache)`` (or ``(next_h, next_c, cache)``) and
    ``backward(dout, cache)`` (``backward(dnext_h, dnext_c, cache)``) returns the gradients of the
    checked arguments in forward's order (``dx, dw, db``), or one array for one argument. A loss
    layer returning ``(loss, dx)`` is passed with ``backward=None``. The scalar checked is
    ``sum(out * dout)``; ``dout=None`` draws seeded random upstream gradients (``seed``). Checked:
    every float array argument, or the names in ``wrt``; the rest (``bn_param``, integer ``y``)
    passes through. Every argument is bit-for-bit unchanged afterwards, and NumPy's global random
    state too. The report's tensors are named by forward's own argument names.
    """
    spec = layer_spec(forward, backward, args, kwargs, dout=dout, seed=seed, wrt=wrt)
    return run_layer(spec, Options(seed=seed))
