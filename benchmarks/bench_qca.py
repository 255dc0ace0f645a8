"""Benchmark casestudy.qca against the issue's targets (run by ``make bench``).

Random data with a planted solution A*B + C*~D + E*F*~G over k = 8, 12, 16 conditions and
n = 200 and 2,000 cases, crisp and fuzzy. Prints each measured time (one untraced run),
its ratio to the target (below 1 meets it) and the peak memory numpy and Python allocate
(a second run under tracemalloc); no assertions.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from casestudy import qca

TARGETS = {"truth table": 0.1, "parsimonious": {12: 1.0, 16: 10.0}, "conservative": 2.0}
MEMORY_TARGET_MB = 2048
PEAKS: list[float] = []
PLANTED = "X1*X2 + X3*~X4 + X5*X6*~X7"


def planted(k: int, n: int, *, fuzzy: bool, seed: int) -> pd.DataFrame:
    """Conditions X1..Xk (A..G are X1..X7); outcome Y = A*B + C*~D + E*F*~G."""
    rng = np.random.default_rng(seed)
    names = [f"X{j + 1}" for j in range(k)]
    x = rng.integers(0, 2, size=(n, k)).astype(float)
    if fuzzy:
        # One membership in five is partial (0.55-0.95 or 0.05-0.45, on the crisp side of
        # 0.5): with fully partial memberships every one of 2,000 cases sits a little in
        # every row, and all rows' consistency converges to the same value.
        partial = rng.random((n, k)) < 0.2
        x = np.where(partial & (x == 1), rng.uniform(0.55, 0.95, size=(n, k)), x)
        x = np.where(partial & (x == 0), rng.uniform(0.05, 0.45, size=(n, k)), x).round(2)
    a, b, c, d, e, f, g = (x[:, j] for j in range(7))
    y = np.maximum.reduce([np.minimum(a, b), np.minimum(c, 1 - d),
                           np.minimum.reduce([e, f, 1 - g])])
    frame = pd.DataFrame(x, columns=names)
    frame["Y"] = y
    return frame


def timed(func, *args, **kwargs):
    """Run once untraced for the time, then again under tracemalloc for the peak memory."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    func(*args, **kwargs)
    PEAKS.append(tracemalloc.get_traced_memory()[1] / 2**20)
    tracemalloc.stop()
    return result, seconds


def report(label: str, seconds: float, target: float | None, extra: str = "") -> None:
    ratio = f"{seconds / target:6.3f}" if target else "     -"
    shown = f"{target:g} s" if target else "-"
    print(f"{label:<44} {seconds:9.4f} s   target {shown:>6}   ratio {ratio}  {extra}")


def main() -> None:
    warnings.simplefilter("ignore", UserWarning)
    print(f"{'scenario':<44} {'time':>11}   {'target':>13}   {'ratio':>11}")
    for fuzzy in (False, True):
        kind = "fuzzy" if fuzzy else "crisp"
        for k in (8, 12, 16):
            for n in (200, 2000):
                data = planted(k, n, fuzzy=fuzzy, seed=k * 10_000 + n)
                tag = f"{kind} k={k:>2} n={n:>4}"
                PEAKS.clear()
                tt, secs = timed(qca.truth_table, data, "Y", incl_cut=0.8, pri_cut=0.5)
                report(f"truth table        {tag}", secs, TARGETS["truth table"],
                       f"rows={len(tt.rows)}")
                sol, secs = timed(qca.minimize, tt, include="?")
                found = sol.expression("M1") == PLANTED
                report(f"parsimonious       {tag}", secs, TARGETS["parsimonious"].get(k),
                       f"primes={len(sol.primes)} models={len(sol.models)} "
                       f"planted={'recovered' if found else 'not recovered'}")
                if k == 12 and n == 200:
                    sol, secs = timed(qca.minimize, tt)
                    report(f"conservative       {tag}", secs, TARGETS["conservative"],
                           f"primes={len(sol.primes)} models={len(sol.models)}")
                peak = max(PEAKS)
                print(f"{'':<44} peak traced memory {peak:8.1f} MB "
                      f"(ratio {peak / MEMORY_TARGET_MB:.3f} of {MEMORY_TARGET_MB} MB)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory {rss:.1f} MB "
          f"(ratio {rss / MEMORY_TARGET_MB:.3f} of {MEMORY_TARGET_MB} MB)")


if __name__ == "__main__":
    main()
