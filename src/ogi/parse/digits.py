"""Numbers printed in a row of a table, possibly run together (``350010137`` for seven cells).

``tokens`` reads the printed value text of one row into chunks (a number, a run of digits, a
blank mark); ``splits`` lists every way the chunks make exactly the row's cells, each cell a
valid number for its column (no leading zeros; a decimal point only where the column takes
decimals; a minus sign only where it may be negative). The caller keeps the splits that
satisfy the table's arithmetic: one left is inferred, several are ambiguous — never guessed.

>>> [c.text for c in tokens("230 000023", 0)]
['230', '000023']
>>> sorted(tuple(c.value for c in s) for s in splits(tokens("7000007", 0), ["int"] * 7))[:2]
[(7, 0, 0, 0, 0, 0, 7)]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import numerals

BLANKS = {"", "-", "—", "——", "–", "/", "／", "－"}
_ZW = numerals.spec()["zw_class"]  # zero-width characters: inside a number, no separator
_CHUNK = re.compile(
    # a unit may follow its number after a space (76 元: a layout that pads the cell)
    rf"(?P<num>[-+]?\d(?:{_ZW}*[\d,])*(?:\.\d+)?)(?:[ \t]*(?P<unit>万元|亿元|元))?"
    r"|(?P<blank>——|—|–|－|-|/|／)"
    rf"|(?P<chinese>[{numerals.spec()['chars']}]+)"  # a value written in Chinese: 二
)
_ZW_CHARS = set(numerals.spec()["zero_width"])
_SEPARATORS = re.compile(rf"[\s|{_ZW[1:-1]}]+")
LIMIT = 100_000  # splits enumerated per row before the row is called too ambiguous to read
# Digits of the whole part of the largest number read as a value: no count of a report comes
# near a thousand trillion, and beyond it neither a float nor SQLite's integer holds a number
# exactly (a 20-digit number once stopped the build's worker). Longer is no value.
MAX_DIGITS = 15


@dataclass(frozen=True)
class Chunk:
    """A printed token: a number (or a run of digits) or a blank mark, with its offset."""

    text: str
    start: int
    unit: str = ""
    chinese: bool = False  # a Chinese numeral: one cell, never cut

    @property
    def blank(self) -> bool:
        return self.text in BLANKS

    @property
    def whole(self) -> bool:
        """A chunk that is one cell whatever the split: a blank mark or a Chinese numeral."""
        return self.chinese or self.text in BLANKS

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Cell:
    """One cell of a split: its value (None when printed blank) and where it was printed."""

    value: int | float | None
    text: str
    start: int
    end: int


def tokens(text: str, start: int) -> list[Chunk] | None:
    """The chunks of a row's value text (``text`` starts at offset ``start`` of the source);
    None when something other than numbers, blank marks and separators is in it.

    Where cells are set apart by pipes or tabs, every one of them is a cell, so an empty one
    is a blank cell; elsewhere runs of white space only separate numbers.

    >>> [c.text for c in tokens("| 5 |  | 3 |", 0)], [c.text for c in tokens("5\\t\\t3", 0)]
    (['5', '', '3'], ['5', '', '3'])

    A markdown rule line inside the text separates rows; it holds no cells:

    >>> [(c.text, c.start) for c in tokens("|---|---|\\n| 4 | 0 |\\n|---|---|", 10)]
    [('4', 22), ('0', 26)]
    """
    if "|" in text:
        return _strict(_RULES.sub(lambda m: " " * len(m.group()), text), start, "|")
    if "\t" in text:
        return _strict(text, start, "\t")
    return _loose(text, start)


# a line printed as a row of pipes (| 4 | 0 |), not one cell a line (4 |)
_PIPE_ROW = re.compile(r"(?m)^[ \t]*\|[^|\n]*\S[^|\n]*\|")
# a markdown table's rule line (|---|---|), which a row's value text may run over when a
# converter cut the table up: it separates rows, it is not cells
_RULES = re.compile(r"(?m)^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*(?::?-{3,}:?[ \t]*)?$")


def _strict(text: str, start: int, sep: str) -> list[Chunk] | None:
    """Cells between separators: each piece is one chunk (an empty piece a blank cell)."""
    body = text.strip(" \r\n")
    offset = start + text.index(body[0]) if body else start
    if body.startswith(sep):
        body, offset = body[1:], offset + 1
    if body.endswith(sep) and sep == "|":  # a pipe closes the last cell; a tab opens one
        body = body[:-1]
    out: list[Chunk] = []
    merged = False  # a cell holding two numbers (a converter ran two columns together)
    pos = 0
    rows = sep == "|" and _PIPE_ROW.search(body) is not None  # whole rows of pipes, one a line
    for piece in body.split(sep):
        inner = piece.strip()
        at = offset + pos + (piece.index(inner) if inner else 0)
        pos += len(piece) + 1
        if not inner and rows and "\n" in piece:
            continue  # the break between two printed rows of pipes, not a cell
        if not inner:
            out.append(Chunk("", at))
            continue
        sub = _loose(inner, at)
        if sub is None:
            return None  # a cell holding something else than numbers
        out.extend(sub)
        merged = merged or len(sub) > 1
    if merged and any(c.text == "" for c in out[: len(out) - _trailing_empty(out)]):
        return None  # columns run together and blank cells: which cell is which is lost
    return out


def _trailing_empty(chunks: list[Chunk]) -> int:
    n = 0
    while n < len(chunks) and chunks[-1 - n].text == "":
        n += 1
    return n


def _loose(text: str, start: int) -> list[Chunk] | None:
    out: list[Chunk] = []
    pos = 0
    while pos < len(text):
        sep = _SEPARATORS.match(text, pos)
        if sep:
            pos = sep.end()
            continue
        m = _CHUNK.match(text, pos)
        if not m:
            return None
        if m.group("blank"):
            out.append(Chunk(m.group("blank"), start + pos))
        elif m.group("chinese"):
            out.append(Chunk(m.group("chinese"), start + pos, chinese=True))
        else:
            out.append(Chunk(m.group("num"), start + pos, m.group("unit") or ""))
        pos = m.end()
    return out


def _valid(part: str, kind: str) -> int | float | None:
    """The value of one cell's digits, or None when they cannot be one cell of this kind."""
    if part.isdigit():  # the common case, quickly
        ok = len(part) == 1 or (part[0] != "0" and len(part) <= MAX_DIGITS)
        return int(part) if ok else None
    part = numerals.strip_zero_width(part)
    if part and not part[0].isdigit() and part[0] not in "-+":
        value = numerals.read(part)  # a Chinese numeral (二): a whole number
        return None if value is None or (value < 0 and kind != "signed") else value
    if part.isdigit():
        ok = len(part) == 1 or (part[0] != "0" and len(part) <= MAX_DIGITS)
        return int(part) if ok else None
    neg = part.startswith("-")
    signed = neg or part.startswith("+")  # a sign is printed only where a change may be
    body = part[1:] if signed else part
    if not body or body.startswith(".") or body.endswith(".") or (signed and kind != "signed"):
        return None
    if "," in body:
        head, *groups = body.split(".")[0].split(",")
        if not (1 <= len(head) <= 3 and all(len(g) == 3 for g in groups)):
            return None
        body = body.replace(",", "")
    whole = body.split(".")[0]
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > MAX_DIGITS:
        return None
    if "." in body:
        if kind != "decimal":
            return None
        return -float(body) if neg else float(body)
    return -int(body) if neg else int(body)


Prune = Callable[[list[Cell]], bool]


def _cuts(
    chunk: Chunk, parts: int, kinds: list[str], prefix: list[Cell], ok: Prune
) -> Iterator[list[Cell]]:
    """Every way to cut one chunk into ``parts`` cells of the given kinds, following the
    cells already chosen (``prefix``); ``ok`` rejects a prefix early."""
    text = chunk.text
    if chunk.whole and not chunk.chinese:
        if parts == 1:
            cell = Cell(None, text, chunk.start, chunk.end)
            if ok([*prefix, cell]):
                yield [cell]
        return
    if parts == 1:
        v = _valid(text, kinds[0])
        if v is not None:
            cell = Cell(v, text + chunk.unit, chunk.start, chunk.end + len(chunk.unit))
            if ok([*prefix, cell]):
                yield [cell]
        return
    if chunk.chinese:
        return
    first_min = 2 if text.startswith(("-", "+")) else 1
    for cut in range(first_min, len(text) - parts + 2):
        if text[cut - 1] in _ZW_CHARS:
            continue  # a cut after a zero-width character is the cut before it
        v = _valid(text[:cut], kinds[0])
        if v is None:
            continue
        head = Cell(v, text[:cut], chunk.start, chunk.start + cut)
        grown = [*prefix, head]
        if ok(grown):
            rest = Chunk(text[cut:], chunk.start + cut, chunk.unit)
            for tail in _cuts(rest, parts - 1, kinds[1:], grown, ok):
                yield [head, *tail]
        if text[first_min - 1] == "0":
            break  # a cell starting with 0 is 0 itself: no longer cut is a number


def fit(chunks: list[Chunk], n: int) -> list[Chunk]:
    """The chunks without empty cells past the row's ``n``-th (a grid wider than the row);
    when more cells than ``n`` remain and exactly ``n`` of them are printed, the empty ones
    are the grid's padding (a converter that splits every column in two), not blank cells;
    else without empty cells before its first (a label cell spanning columns), while they are
    more than ``n``.

    >>> [c.text for c in fit(tokens("| | 5 | | 3 | |", 0), 2)]
    ['5', '3']
    >>> [c.text for c in fit(tokens("| | 5 | | |", 0), 2)]
    ['', '5']
    >>> [c.text for c in fit([Chunk("", 0), Chunk("95", 3), Chunk("", 6)], 1)]
    ['95']
    >>> len(fit(tokens("| | | 8 | 0 | | | 3 |", 0), 4))  # blanks among padding: not fitted
    7
    >>> len(fit(tokens("| | | 0 | 3 | |", 0), 3))  # empty cells on both sides: whose is the blank?
    5
    """
    given = chunks
    while len(chunks) > n and chunks[-1].text == "":
        chunks = chunks[:-1]
    trimmed = len(chunks) < len(given)
    printed = [c for c in chunks if c.text != ""]
    if len(chunks) > n and len(printed) == n:
        return printed
    if len(chunks) > n and any(c.text == "" for c in chunks[chunks.index(printed[0]) :] if printed):
        # empty cells before the values and among them: which are the grid's padding and
        # which the row's blanks is not known, so the row is not fitted (its cells flagged)
        return chunks
    while len(chunks) > n and chunks[0].text == "":
        chunks = chunks[1:]  # a label cell merged across columns, printed empty before the values
        if trimmed and any(c.text == "" for c in chunks):
            # empty cells cut from both ends and one kept as the row's blank: it may as well
            # have been the last one cut (| | | 0 | 3 | |), so the row is not fitted
            return given
    return chunks


def _always(_: list[Cell]) -> bool:
    return True


def _sum_runs(chunk: Chunk, n: int, width: int) -> Iterator[list[Cell]]:
    """Every way one run of digits makes ``n`` whole numbers in blocks of ``width`` cells whose
    last cell is the sum of the others. The sum is known when its cell comes, so its digits
    are read, not searched for: fast where the plain search would try thousands of cuts."""
    text, start = chunk.text, chunk.start

    def rec(p: int, cells: list[Cell], total: int, in_block: int) -> Iterator[list[Cell]]:
        left = n - len(cells)
        if left == 0:
            if p == len(text):
                yield cells
            return
        if len(text) - p < left:
            return
        if in_block == width - 1:
            t = str(total)
            if text.startswith(t, p):
                yield from rec(
                    p + len(t), [*cells, Cell(total, t, start + p, start + p + len(t))], 0, 0
                )
            return
        for end in range(p + 1, len(text) - left + 2):
            part = text[p:end]
            if (len(part) > 1 and part[0] == "0") or len(part) > MAX_DIGITS:
                break
            v = int(part)
            yield from rec(
                end, [*cells, Cell(v, part, start + p, start + end)], total + v, in_block + 1
            )

    yield from rec(0, [], 0, 0)


def splits(
    chunks: list[Chunk], kinds: list[str], ok: Prune = _always, sum_width: int | None = None
) -> Iterator[list[Cell]]:
    """Every way the chunks make exactly ``len(kinds)`` cells (kinds: int, signed, decimal).

    ``ok`` is asked of every prefix of cells as it grows and cuts the search where it says
    no (a row total that cannot hold any more); it must accept a prefix it cannot judge yet.
    ``sum_width``: the row is made of blocks of that many cells, each ending with the sum of
    the others (as ``ok`` = :func:`block_totals` says); a single run of digits is then split
    the fast way.
    """
    n = len(kinds)
    single = fit(chunks, n)
    if (
        sum_width
        and len(single) == 1
        and n > 1
        and single[0].text.isdigit()
        and not single[0].unit
        and set(kinds) == {"int"}
    ):
        yield from _sum_runs(single[0], n, sum_width)
        return

    def walk(i: int, used: int, prefix: list[Cell]) -> Iterator[list[Cell]]:
        if i == len(chunks):
            if used == n:
                yield []
            return
        remaining = len(chunks) - i - 1  # every later chunk takes at least one cell
        digits = len(chunks[i].text.strip("-+").replace(".", "").replace(",", ""))
        most = 1 if chunks[i].whole else min(digits, n - used - remaining)
        for parts in range(1, most + 1):
            for head in _cuts(chunks[i], parts, kinds[used : used + parts], prefix, ok):
                for tail in walk(i + 1, used + parts, prefix + head):
                    yield head + tail

    chunks = fit(chunks, n)
    if len(chunks) > n:
        return
    if len(chunks) == n:  # every cell printed apart: the printed numbers stand, right or wrong
        yield from _apart(chunks, kinds)
        return
    yield from walk(0, 0, [])


def _apart(chunks: list[Chunk], kinds: list[str]) -> Iterator[list[Cell]]:
    """The one split of chunks printed one per cell, if each is a valid number of its kind."""
    cells = []
    for chunk, kind in zip(chunks, kinds, strict=True):
        if chunk.blank:
            cells.append(Cell(None, chunk.text, chunk.start, chunk.end))
            continue
        v = _valid(chunk.text, kind)
        if v is None:
            return
        cells.append(Cell(v, chunk.text + chunk.unit, chunk.start, chunk.end + len(chunk.unit)))
    yield cells


def block_totals(width: int) -> Prune:
    """A prune for rows made of blocks of ``width`` cells whose last cell is the total of the
    others (section 三's rows: one block of 7; section 四: three blocks of 5)."""

    def ok(cells: list[Cell]) -> bool:
        if len(cells) % width:
            return True
        block = [c.value for c in cells[-width:]]
        if any(v is None for v in block):
            return True  # a blank cell: the total cannot be checked
        return sum(block[:-1]) == block[-1]  # type: ignore[arg-type]

    return ok
