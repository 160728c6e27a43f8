"""Print the README's table of the reports in a built package (default: the committed one).

    python scripts/data_table.py [ROOT]
"""

from __future__ import annotations

import sys
from pathlib import Path

from ogi.package.contents import reports_table

if __name__ == "__main__":
    sys.stdout.write(reports_table(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
