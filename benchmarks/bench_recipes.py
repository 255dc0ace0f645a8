"""Extract recipes on the full official files (issue 11: each under 5 s).

Runs every registered recipe's build on ``../shared/data`` once, after its module's imports,
and prints the time and its ratio to the target. Skips, saying so, without that folder.
"""

from __future__ import annotations

import time
from pathlib import Path

from casestudy import extract

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
TARGET_S = 5.0


def main() -> None:
    if not SHARED.is_dir():
        print(f"skipped: the official files are not at {SHARED}")
        return
    slowest = 0.0
    for name, recipe in sorted(extract.recipes().items()):
        paths = extract.resolve_inputs(recipe, [SHARED])
        start = time.perf_counter()
        recipe.build(paths)
        seconds = time.perf_counter() - start
        slowest = max(slowest, seconds)
        print(f"{name:<30} {seconds:6.2f} s  target < {TARGET_S:.0f} s  "
              f"ratio {seconds / TARGET_S:.2f}")
    print(f"{'slowest recipe':<30} {slowest:6.2f} s  ratio {slowest / TARGET_S:.2f}")


if __name__ == "__main__":
    main()
