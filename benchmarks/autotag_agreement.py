#!/usr/bin/env python
"""How often the auto-tagger agrees with the hand-tagged notebooks, cell by cell.

    python benchmarks/autotag_agreement.py            # stage tags and the parameters tag removed
    python benchmarks/autotag_agreement.py --keep-parameters
    python benchmarks/autotag_agreement.py -v         # also every cell it gets wrong

The hand labels are the effective stage of every code cell of ``sample_notebooks/*.ipynb`` and
``tests/notebooks/messy/*.ipynb`` as ``nb2pipe stages`` shows it (``parameters`` for the
parameters cell). The tagger sees each notebook with those tags removed. It prints the
agreement per notebook and overall (target: 90 %); the numbers never fail the run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jupyter_lifecycle.autotag.agreement import measure


def notebooks() -> list[Path]:
    return sorted((ROOT / "sample_notebooks").glob("*.ipynb")) + \
        sorted((ROOT / "tests" / "notebooks" / "messy").glob("*.ipynb"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-parameters", action="store_true",
                        help="leave the parameters tag on (only stage tags are removed)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the cells it gets wrong")
    args = parser.parse_args()
    total = agreed = 0
    for path in notebooks():
        result = measure(path, drop_parameters=not args.keep_parameters)
        total += len(result.cells)
        agreed += result.agreed
        print(f"{result.share:7.1%}  {result.agreed:3}/{len(result.cells):<3}  {path.relative_to(ROOT)}")
        if args.verbose:
            for cell in result.cells:
                if not cell.agrees:
                    print(f"           cell {cell.cell_index} ({cell.cell_id}): labelled "
                          f"{cell.label}, proposed {cell.proposed} ({cell.reason})")
    print(f"{agreed / total:7.1%}  {agreed}/{total} code cells in {len(notebooks())} notebooks "
          "(target 90 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
