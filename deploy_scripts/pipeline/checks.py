"""Measured value vs threshold -> Check, the one shape every gate, verification and decision uses."""

from __future__ import annotations

from typing import Any

from .records import Check


def at_least(name: str, measured: float | None, threshold: float, detail: str = "") -> Check:
    passed = measured is not None and measured >= threshold
    return Check(
        name=name, passed=passed, measured=_round(measured), threshold=f">= {threshold}", detail=detail
    )


def at_most(
    name: str, measured: float | None, threshold: float, detail: str = "", strict: bool = False
) -> Check:
    passed = measured is not None and (measured < threshold if strict else measured <= threshold)
    op = "<" if strict else "<="
    return Check(
        name=name, passed=passed, measured=_round(measured), threshold=f"{op} {threshold}", detail=detail
    )


def truth(name: str, passed: bool, measured: Any = None, detail: str = "") -> Check:
    return Check(name=name, passed=passed, measured=measured, threshold="true", detail=detail)


def _round(value: float | None) -> float | None:
    return round(value, 4) if isinstance(value, float) else value


def summarize(checks: list[Check]) -> str:
    failed = [c for c in checks if not c.passed]
    if not failed:
        return f"all {len(checks)} checks passed"
    return "; ".join(
        f"{c.name} = {c.measured} (needs {c.threshold}){': ' + c.detail if c.detail else ''}" for c in failed
    )
