"""Tables drawn with ruling lines, found as pdfplumber finds them (its "lines" strategy and
default settings): edges snapped and joined within 3 pt, shorter than 3 pt dropped; their
crossings; the smallest cell at each crossing; cells that share a corner, one table. The cell
search and the grouping are written out here (pdfplumber's compare every pair of crossings);
they give the same cells.

    >>> def edge(x0, top, x1, bottom):
    ...     return {"x0": x0, "top": top, "x1": x1, "bottom": bottom, "width": x1 - x0,
    ...             "height": bottom - top, "orientation": "v" if x0 == x1 else "h"}
    >>> grid = [edge(0, y, 20, y) for y in (0, 10, 20)] + [edge(x, 0, x, 20) for x in (0, 20)]
    >>> [t.rows for t in find_tables(grid)]
    [[[(0.0, 0.0, 20.0, 10.0)], [(0.0, 10.0, 20.0, 20.0)]]]
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from itertools import groupby
from typing import Any

from pdfplumber.table import edges_to_intersections, merge_edges
from pdfplumber.utils import filter_edges

from .pdf_page import Char

SNAP = JOIN = INTERSECT = 3.0  # pdfplumber's default tolerances
MIN_LENGTH = 3.0  # pdfplumber's edge_min_length (and 1 before merging)

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Point = tuple[float, float]


class Table:
    """Cells of one table, as rows (top to bottom, each left to right)."""

    def __init__(self, cells: list[Box]) -> None:
        cells = sorted(cells, key=lambda c: (c[1], c[0]))
        self.rows = [list(row) for _, row in groupby(cells, key=lambda c: c[1])]
        self.bbox: Box = (
            min(c[0] for c in cells),
            min(c[1] for c in cells),
            max(c[2] for c in cells),
            max(c[3] for c in cells),
        )

    def cell_chars(self, chars: list[Char]) -> list[list[list[Char]]]:
        """Each cell's characters (those whose centre is in it), in the order drawn."""
        placed = sorted(
            ((c.top + c.bottom) / 2, (c.x0 + c.x1) / 2, i, c) for i, c in enumerate(chars)
        )
        middles = [p[0] for p in placed]
        out = []
        for row in self.rows:
            cells = []
            for x0, top, x1, bottom in row:
                inside = placed[bisect_left(middles, top) : bisect_left(middles, bottom)]
                found = sorted((i, c) for _, h, i, c in inside if x0 <= h < x1)
                cells.append([c for _, c in found])
            out.append(cells)
        return out


def _cells(intersections: dict[Point, dict[str, list[dict[str, Any]]]]) -> list[Box]:
    """pdfplumber's ``intersections_to_cells``: from each crossing, the nearest crossings
    below and to the right joined to it by one edge, and the corner they close."""

    def key(edge: dict[str, Any]) -> Box:
        return (edge["x0"], edge["top"], edge["x1"], edge["bottom"])

    v = {p: {key(e) for e in edges["v"]} for p, edges in intersections.items()}
    h = {p: {key(e) for e in edges["h"]} for p, edges in intersections.items()}
    points = sorted(intersections)
    column: dict[float, list[Point]] = defaultdict(list)  # each top to bottom
    line: dict[float, list[Point]] = defaultdict(list)  # each left to right
    place: dict[Point, tuple[int, int]] = {}
    for p in points:
        place[p] = (len(column[p[0]]), len(line[p[1]]))
        column[p[0]].append(p)
        line[p[1]].append(p)
    cells = []
    for pt in points:
        below = column[pt[0]][place[pt][0] + 1 :]
        right = line[pt[1]][place[pt][1] + 1 :]
        cell = None
        for b in below:
            if v[pt].isdisjoint(v[b]):
                continue
            for r in right:
                if h[pt].isdisjoint(h[r]):
                    continue
                corner = (r[0], b[1])
                if corner in intersections and not (
                    v[corner].isdisjoint(v[r]) or h[corner].isdisjoint(h[b])
                ):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell:
                break
        if cell:
            cells.append(cell)
    return cells


def _tables(cells: list[Box]) -> list[Table]:
    """Cells that share a corner, directly or through others, make one table; tables of one
    cell are dropped; top to bottom, then left to right."""
    by_corner: dict[Point, list[int]] = defaultdict(list)
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            by_corner[corner].append(i)
    seen: set[int] = set()
    groups = []
    for start in range(len(cells)):
        if start in seen:
            continue
        seen.add(start)
        group, todo = [], [start]
        while todo:
            i = todo.pop()
            group.append(cells[i])
            x0, top, x1, bottom = cells[i]
            for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
                for j in by_corner[corner]:
                    if j not in seen:
                        seen.add(j)
                        todo.append(j)
        if len(group) > 1:
            groups.append(group)
    groups.sort(key=lambda g: min((c[1], c[0]) for c in g))
    return [Table(g) for g in groups]


def find_tables(edges: list[dict[str, Any]]) -> list[Table]:
    """The tables ruled by these edges (pdfplumber's edge dicts)."""
    edges = filter_edges(edges, min_length=1)
    if not edges:
        return []
    edges = merge_edges(edges, SNAP, SNAP, JOIN, JOIN)
    edges = filter_edges(edges, min_length=MIN_LENGTH)
    return _tables(_cells(edges_to_intersections(edges, INTERSECT, INTERSECT)))
