"""Tables printed column by column under their header cells, as plain ``pdftotext`` prints
sections 四 and 二 of the national template: the numbers read as the header cells printed
just before them.

Section 四 (one row of fifteen cells): pdftotext prints a few header cells (their words one a
line, ``结果`` / ``维持``, or side by side over two lines, ``结果 其他 尚未`` / ``纠正 结果 审结``),
then the numbers of those columns, one a line, left to right; then the next header cells and
their numbers. The blocks keep the columns' order, but stand among the group labels (行政复议,
行政诉讼, …), and a block may even be printed after the next sections' prose.
:func:`read_under_headers` gives a block of ``k`` numbers to the ``k`` column labels named since
the previous block, and reads nothing unless every block has as many numbers as labels were
named and the labels, in the order read, are the table's columns, in order, once a group. The
caller still keeps a group's values only where its total adds up.

Section 二 (captioned blocks of a few rows): each column's label, then its numbers, top to
bottom; :func:`read_column_blocks` reads them while each column follows its label within its
caption's block, in order, and stops at the first that does not (generation 2 prints a block's
later columns after the next blocks' captions). Section 二 has no identity to confirm them.

>>> text = "结果\\n维持\\n结果\\n纠正\\n0\\n3\\n\\n总计\\n3\\n"
>>> [c.value for c in read_under_headers(text, text, 0, len(text), ["结果维持", "结果纠正", "总计"], [], 1)]
[0, 3, 3]
>>> read_under_headers(text, text, 0, len(text), ["结果纠正", "结果维持", "总计"], [], 1) is None
True
"""

from __future__ import annotations

import re
from functools import lru_cache

from .. import formats
from .digits import Cell

_NUMBER = re.compile(r"[ \t]*(?P<n>-?\d+)[ \t]*")
# a number of a block-table: a count, a signed change, an amount with its unit
_AMOUNT = re.compile(r"[ \t]*(?P<n>-?\d+(?:\.\d+)?)[ \t]*(?:万元|元)?[ \t]*")

# a block-table's block: its caption, its columns' labels, how many rows
Block = tuple[str, list[str], int]


@lru_cache(maxsize=8)
def _patterns(labels: tuple[str, ...], words: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    chars = "".join(sorted({ch for w in (*labels, *words) for ch in w}))
    header = re.compile(rf"[ \t]*[{re.escape(chars)}]+(?:[ \t]+[{re.escape(chars)}]+)*[ \t]*")
    label = re.compile("|".join(re.escape(w) for w in sorted(labels, key=len, reverse=True)))
    return header, label


def read_under_headers(
    text: str,
    folded: str,
    start: int,
    end: int,
    labels: list[str],
    words: list[str],
    groups: int,
) -> list[Cell] | None:
    """The ``len(labels) * groups`` numbers of ``folded[start:end]`` in column order, each
    read as the number under the header cell printed before it; None unless every block of
    numbers follows as many labels and the labels read are ``labels`` ``groups`` times."""
    header, label = _patterns(tuple(labels), tuple(words))
    lines = _lines(folded, start, end)
    want = len(labels) * groups
    named: list[str] = []  # labels named since the last block
    words_since = ""  # header words since the last label was cut out of them
    block: list[Cell] = []
    out: list[tuple[str, Cell]] = []
    i = 0
    while i < len(lines) and len(out) < want:
        a, b = lines[i]
        if not folded[a:b].strip():  # blank lines stand between the numbers too
            i += 1
            continue
        m = _NUMBER.fullmatch(folded, a, b)
        if m:
            named += label.findall(words_since)
            words_since = ""
            raw = m.group("n")
            block.append(Cell(int(raw), text[m.start("n") : m.end("n")], m.start("n"), m.end("n")))
            i += 1
            continue
        if block:  # the block ends: its numbers are the labels named before it
            if len(block) != len(named):
                return None
            out += zip(named, block, strict=True)
            named, block = [], []
        if header.fullmatch(folded, a, b):
            row = folded[a:b].split()
            group = [row]
            while len(row) > 1 and i + len(group) < len(lines):
                c, d = lines[i + len(group)]
                nxt = folded[c:d].split()
                if len(nxt) != len(row) or not header.fullmatch(folded, c, d):
                    break
                group.append(nxt)
            # cells side by side over several lines: each cell's words read down its column
            words_since += "".join("".join(col) for col in zip(*group, strict=True))
            i += len(group)
            continue
        i += 1  # prose: the header's words and blocks go on after it
    if block:
        if len(block) != len(named):
            return None
        out += zip(named, block, strict=True)
    if [name for name, _ in out] != labels * groups:
        return None
    return [cell for _, cell in out]


def _lines(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, pos = [], start
    while pos < end:
        stop = folded.find("\n", pos, end)
        stop = end if stop < 0 else stop
        spans.append((pos, stop))
        pos = stop + 1
    return spans


def read_column_blocks(
    text: str, folded: str, start: int, end: int, blocks: list[Block]
) -> dict[tuple[int, int], list[Cell]]:
    """A table of captioned blocks (section 二: 第二十条第（一）项 …) printed column by column:
    (block, column) → its numbers, top to bottom. Each column is read as the numbers after its
    label, under the caption printed last (row labels may stand between them), while the
    captions come in order and each column of each block, in order, is named alone and
    followed by exactly as many numbers as the block has rows, then by words. Reading stops
    at the first column that is not so (a label out of its block or order, two labels before
    the numbers, a number too many): the columns before it are read, it and the rest not."""
    caps = [_bare(c) for c, _, _ in blocks]
    heads = [[_bare(label) for label in cols] for _, cols, _ in blocks]
    out: dict[tuple[int, int], list[Cell]] = {}
    at = -1  # the block whose caption was printed last
    said = ""  # words since the last number, white space taken out
    column: tuple[int, int] | None = None  # the column whose numbers are being read
    last: tuple[int, int] | None = None  # the column read last
    for a, b in _lines(folded, start, end):
        m = _AMOUNT.fullmatch(folded, a, b)
        if m is None:
            said += _bare(folded[a:b])
            if at + 1 < len(caps) and caps[at + 1] in said:
                if column is not None or (
                    at >= 0 and any((at, j) not in out for j in range(len(heads[at])))
                ):
                    break  # a caption before the last block's columns were all read
                at, said = at + 1, said[said.index(caps[at + 1]) + len(caps[at + 1]) :]
            continue
        if said and at >= 0:
            named = [j for j, h in enumerate(heads[at]) if h in said]
            if named:  # a new column: the next one of the block, named alone
                want = min((j for j in range(len(heads[at])) if (at, j) not in out), default=-1)
                if column is not None or named != [want]:
                    break
                column = (at, want)
                out[column] = []
        said = ""
        if column is None:
            if last is not None:  # a number too many: the column before was not what it seemed
                del out[last]
            break
        stop = a + len(folded[a:b].rstrip())  # the number and its unit
        out[column].append(Cell(_num(m.group("n")), text[m.start("n") : stop], m.start("n"), stop))
        if len(out[column]) == blocks[column[0]][2]:
            column, last = None, column
    if column is not None:  # its numbers did not all come
        del out[column]
    return out


def _num(raw: str) -> int | float:
    return float(raw) if "." in raw else int(raw)


def _bare(s: str) -> str:
    return "".join(formats.fold(s).split())
