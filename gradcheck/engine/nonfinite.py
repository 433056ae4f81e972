"""What the engine knows of a NaN/Inf it met (in a parameter, the loss, a gradient or a perturbed
loss), as a record that `engine.explain` then traces to its origin.
"""

from __future__ import annotations

from typing import Any

from gradcheck.report.records import NonFinite


def found_nonfinite(
    phase: str,
    message: str,
    *,
    variable: str | None = None,
    kind: str = "unknown",
    details: dict[str, Any] | None = None,
) -> NonFinite:
    """What the engine knows of a NaN/Inf it met; `engine.explain` then traces it to its origin."""
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


def perturbed_nonfinite(name: str, index: tuple[Any, ...], value: Any) -> NonFinite:
    """The loss turned NaN/Inf when coordinate ``index`` of ``name`` was moved to ``value``."""
    return found_nonfinite(
        "perturbation",
        f"the loss became non-finite when {name}{list(index)} was moved to {float(value)!r}",
        variable=name,
        details={"tensor": name, "index": list(index), "value": float(value)},
    )
