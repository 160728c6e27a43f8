#!/usr/bin/env python3
"""The zoo: N generated reports written as .docx and passed through LibreOffice, pdftotext,
markitdown, a crawler's saved page and a scanner; every form parsed and judged cell by cell
against the truth (ogi.synth.zoo). Prints one line a form; exit 1 if any value is wrong.

    python scripts/zoo.py --reports 200            # converted files cached in build/zoo/
    python scripts/zoo.py --reports 2000 --seed 3
    python scripts/zoo.py --reports 240 --forms pdf,html,pdftotext   # some forms only (only
                                                                     # these are converted)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ogi.synth import zoo


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=40, help="how many reports (default 40)")
    ap.add_argument("--seed", type=int, default=0, help="the corpus's seed (default 0)")
    ap.add_argument("--cache", type=Path, default=Path("build/zoo"), help="converted files")
    ap.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes converting and parsing at once (default: one a core)",
    )
    ap.add_argument("--show-wrong", type=int, default=20, help="wrong cells to list")
    ap.add_argument(
        "--forms",
        default=",".join(zoo.FORMS),
        help="forms to parse and judge, comma-separated (default: all; e.g. leave out scan, "
        "whose OCR takes the longest)",
    )
    args = ap.parse_args()
    if args.reports < 1:
        print("zoo: --reports must be at least 1", file=sys.stderr)
        return 2
    forms = tuple(f.strip() for f in args.forms.split(",") if f.strip())
    unknown = [f for f in forms if f not in zoo.FORMS]
    if unknown or not forms:
        print(f"zoo: no such form: {', '.join(unknown) or '(none given)'}", file=sys.stderr)
        return 2
    try:
        tallies = zoo.run(args.reports, args.seed, args.cache, forms, max(1, args.workers))
    except RuntimeError as e:
        print(f"zoo: {e}", file=sys.stderr)
        return 2
    print(f"{args.reports} reports, seed {args.seed}")
    print(zoo.table(tallies))
    wrong = [w for t in tallies.values() for w in t.wrong_cells]
    for form, t in tallies.items():
        for name, indicator, column, got, want in t.wrong_cells[: args.show_wrong]:
            print(f"WRONG {form} {name} {indicator}@{column}: read {got}, truth {want}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
