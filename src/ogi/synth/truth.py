"""What a correct reader can know of rows whose digits run together — computed here by brute
force, independently of the parser, so that the parser is tested against it.

>>> sorted(splits_of("7000007", 7))
[(7, 0, 0, 0, 0, 0, 7)]
>>> resolve({"r": ("230", 2)}, lambda r, v: True, lambda a: True)
{'r': None}
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

Value = int | float
LIMIT = 100_000


def _number(part: str) -> Value | None:
    neg = part.startswith("-")
    body = part[1:] if neg else part
    if not body or body[0] == "." or body[-1] == ".":
        return None
    if not body.replace(".", "", 1).isdigit():
        return None
    whole = body.split(".")[0]
    if len(whole) > 1 and whole[0] == "0":
        return None
    v: Value = float(body) if "." in body else int(body)
    return -v if neg else v


def splits_of(digits: str, n: int) -> set[tuple[Value, ...]]:
    """Every way to cut a printed run (digits, at most one '.', a leading '-') into n numbers
    without leading zeros."""
    if n == 1:
        v = _number(digits)
        return {(v,)} if v is not None else set()
    out: set[tuple[Value, ...]] = set()
    for cut in range(1, len(digits)):
        head = _number(digits[:cut])
        if head is None:
            continue
        out |= {(head, *tail) for tail in splits_of(digits[cut:], n - 1)}
    return out


def resolve(
    rows: dict[str, tuple[str, int]],
    row_ok: Callable[[str, tuple[Value, ...]], bool],
    joint_ok: Callable[[dict[str, tuple[Value, ...]]], bool],
    groups: list[list[str]] | None = None,
    stated: dict[str, dict[int, Value]] | None = None,
) -> dict[str, tuple[Value, ...] | None]:
    """For each row (printed run, number of cells): its values when the arithmetic leaves one
    split, else None (ambiguous). ``groups`` are sets of rows tied by the arithmetic (rows in
    no group stand alone); each is searched on its own. ``stated``: values the report's prose
    states (row → cell index → value); a row the arithmetic leaves open keeps the splits that
    agree with them (if any does), and the arithmetic is applied again.

    >>> resolve({"r": ("230", 2)}, lambda r, v: True, lambda a: True, None, {"r": {0: 23}})
    {'r': (23, 0)}
    """
    per_row = {
        k: sorted(c for c in splits_of(run, n) if row_ok(k, c)) for k, (run, n) in rows.items()
    }
    _narrow(per_row, joint_ok, groups if groups is not None else [list(rows)])
    narrowed = False
    for k, said in (stated or {}).items():
        cands = per_row.get(k, [])
        agree = [c for c in cands if all(c[i] == v for i, v in said.items())]
        if len(cands) > 1 and agree and len(agree) < len(cands):
            per_row[k], narrowed = agree, True
    if narrowed:
        _narrow(per_row, joint_ok, groups if groups is not None else [list(rows)])
    return {k: (c[0] if len(c) == 1 else None) for k, c in per_row.items()}


def _narrow(
    per_row: dict[str, list[tuple[Value, ...]]],
    joint_ok: Callable[[dict[str, tuple[Value, ...]]], bool],
    groups: list[list[str]],
) -> None:
    fixed = {k: c[0] for k, c in per_row.items() if len(c) == 1}
    for group in groups:
        open_rows = [k for k in group if len(per_row.get(k, [])) > 1]
        size = 1
        for k in open_rows:
            size *= len(per_row[k])
        if not open_rows or size > LIMIT:
            continue
        keep: dict[str, set[tuple[Value, ...]]] = {k: set() for k in open_rows}
        for combo in itertools.product(*(per_row[k] for k in open_rows)):
            if joint_ok({**fixed, **dict(zip(open_rows, combo, strict=True))}):
                for k, c in zip(open_rows, combo, strict=True):
                    keep[k].add(c)
        if any(keep.values()):
            per_row.update({k: sorted(v) for k, v in keep.items()})
