"""Report pipeline benchmark: full build, no-op rebuild, and overhead per notebook.

Builds the project's notebooks into a temporary folder (the real reports/ is untouched):

- full build from scratch: wall time of ``report.build`` with empty outputs;
- no-op rebuild: wall time of a fresh ``python`` process running the same build again,
  so interpreter start-up counts as it does for ``make report``;
- overhead per notebook: (full build wall time - summed cell execution time) / notebooks.
  Notebooks run in parallel, so this can fall below zero; the same figure for a serial
  build (one notebook at a time) is printed too, as the cost of a kernel, the bookkeeping
  and the HTML per notebook.

Targets (issue 2): no-op under 1 s; overhead at most 1.0 s per notebook on 2 cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from casestudy import report

ROOT = Path(__file__).resolve().parent.parent
NOOP_TARGET_S = 1.0
OVERHEAD_TARGET_S = 1.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        layout = report.Layout(ROOT / "notebooks", Path(tmp) / "reports", Path(tmp) / "figures",
                               ROOT)
        started = time.perf_counter()
        result = report.build(layout=layout)
        full = time.perf_counter() - started
        if not result.ok:
            sys.exit("benchmark build failed")
        cells = sum(n.cell_seconds for n in result.notebooks)
        n = len(result.notebooks)
        code = ("from pathlib import Path; from casestudy import report; "
                f"report.build(layout=report.Layout(Path({str(layout.notebooks)!r}), "
                f"Path({str(layout.reports)!r}), Path({str(layout.figures)!r}), "
                f"Path({str(ROOT)!r})))")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL,
                       env=os.environ | {"PYTHONHASHSEED": "0"})
        noop = time.perf_counter() - started
        serial_layout = report.Layout(layout.notebooks, Path(tmp) / "serial",
                                      Path(tmp) / "serial-figures", ROOT)
        started = time.perf_counter()
        serial = report.build(layout=serial_layout, jobs=1)
        serial_full = time.perf_counter() - started
        serial_cells = sum(n.cell_seconds for n in serial.notebooks)
    overhead = (full - cells) / n
    serial_overhead = (serial_full - serial_cells) / n
    print(f"cores: {os.cpu_count()}, notebooks: {n}")
    print(f"full build from scratch: {full:.2f} s (summed cell execution {cells:.2f} s)")
    print(f"no-op rebuild:           {noop:.2f} s  target < {NOOP_TARGET_S:.1f} s  "
          f"ratio {noop / NOOP_TARGET_S:.2f}")
    print(f"overhead per notebook:   {overhead:.2f} s  target <= {OVERHEAD_TARGET_S:.1f} s  "
          f"ratio {overhead / OVERHEAD_TARGET_S:.2f}")
    print(f"  serial build (jobs=1): {serial_full:.2f} s, cells {serial_cells:.2f} s, "
          f"overhead per notebook {serial_overhead:.2f} s  "
          f"ratio {serial_overhead / OVERHEAD_TARGET_S:.2f}")


if __name__ == "__main__":
    main()
