"""One check result as a plain record."""

from __future__ import annotations

from typing import Any


def result(
    check: str,
    subject: str,
    status: str,
    severity: str,
    message: str,
    expected: float | None = None,
    observed: float | None = None,
    start: int | None = None,
) -> dict[str, Any]:
    """A row of the ``checks`` resource (without ``report_id``)."""
    return {
        "check": check,
        "subject": subject,
        "status": status,
        "severity": severity,
        "expected": expected,
        "observed": observed,
        "message": message,
        "start": start,
    }


def fmt(value: float | None) -> str:
    """A number as a person writes it (192, 99.66), or 'blank'."""
    if value is None:
        return "blank"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
