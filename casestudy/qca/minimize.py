"""Exact Boolean minimisation: all prime implicants, then all minimal sums.

Implicants live in a dense numpy array over the whole implicant space: a condition with L
levels takes L + 1 digits (0 = left out, v + 1 = level v), so every possible term is one
cell, addressed by its packed mixed-radix code. Two "don't-care transforms" (one pass per
condition: digit 0 = any of the digits 1..L) mark the terms that cover a positive row and
the terms that cover a forbidden configuration; implicants are the first without the
second, and primes are implicants none of whose one-literal generalisations is an
implicant. This finds exactly the prime implicants Quine-McCluskey finds, in k vectorised
passes instead of pairwise merging, and handles multi-value conditions natively.

The prime implicant chart is then solved exactly: essential primes first, then an
iterative-deepening search (rows as Python-int bitsets) for every cover of minimum size.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from casestudy.errors import CaseStudyError
from casestudy.qca.truthtable import TruthTable

#: Largest implicant space (product of levels + 1) searched densely: 3**17 cells, about
#: 130 MB per boolean array. Seventeen binary conditions fit.
MAX_CELLS = 3**17


def _digits(ndim: int, axis: int) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """Indices of digit 0 (condition left out) and of digits 1..L on ``axis``."""
    zero = [slice(None)] * ndim
    rest = [slice(None)] * ndim
    zero[axis] = slice(0, 1)
    rest[axis] = slice(1, None)
    return tuple(zero), tuple(rest)


def _fill_dont_care(space: np.ndarray, axis: int) -> None:
    """Digit 0 on ``axis`` becomes the OR of digits 1..L (a term covers what its rows do)."""
    zero, rest = _digits(space.ndim, axis)
    np.logical_or.reduce(space[rest], axis=axis, keepdims=True, out=space[zero])


def prime_implicants(levels: Sequence[int], on: np.ndarray, dont_care: np.ndarray) -> np.ndarray:
    """All prime implicants covering at least one ``on`` row (1-based row numbers).

    Rows that are neither ``on`` nor ``dont_care`` are forbidden. Returns a (primes x
    conditions) int8 array of levels, -1 where a condition is left out, in R QCA's order
    (fewer literals first, then by levels with left-out conditions last).

    >>> prime_implicants([2, 2], np.array([4]), np.array([3])).tolist()
    [[1, -1]]
    """
    levels = tuple(int(x) for x in levels)
    shape = tuple(x + 1 for x in levels)
    cells = int(np.prod(shape, dtype=np.float64))
    if cells > MAX_CELLS:
        raise CaseStudyError(
            f"the implicant space has {cells:,} terms (product of levels + 1 over "
            f"{len(levels)} conditions), more than the {MAX_CELLS:,} searched exactly; "
            "reduce the number of conditions")
    full = (slice(1, None),) * len(levels)
    allowed = np.zeros(int(np.prod(levels)), dtype=bool)
    allowed[np.asarray(on, dtype=np.int64) - 1] = True
    allowed[np.asarray(dont_care, dtype=np.int64) - 1] = True
    forbidden = np.zeros(shape, dtype=bool)
    forbidden[full] = ~allowed.reshape(levels)
    positive = np.zeros(allowed.size, dtype=bool)
    positive[np.asarray(on, dtype=np.int64) - 1] = True
    covers_on = np.zeros(shape, dtype=bool)
    covers_on[full] = positive.reshape(levels)
    for axis in range(len(levels)):
        _fill_dont_care(forbidden, axis)
        _fill_dont_care(covers_on, axis)
    implicant = covers_on
    implicant &= ~forbidden
    del forbidden
    general = np.zeros(shape, dtype=bool)
    for axis in range(len(levels)):
        zero, rest = _digits(len(levels), axis)
        general[rest] |= implicant[zero]
    implicant &= ~general
    codes = np.flatnonzero(implicant)
    digits = np.stack(np.unravel_index(codes, shape), axis=1).astype(np.int8) - 1
    return sort_terms(digits, levels)


def sort_terms(terms: np.ndarray, levels: Sequence[int]) -> np.ndarray:
    """R QCA's term order: fewer literals first, then levels with left-out sorted last."""
    if len(terms) == 0:
        return terms.reshape(0, len(levels))
    rank = np.where(terms < 0, np.asarray(levels), terms)
    keys = [rank[:, j] for j in reversed(range(terms.shape[1]))]
    keys.append((terms >= 0).sum(axis=1))
    return terms[np.lexsort(keys)]


def covers(terms: np.ndarray, configs: np.ndarray) -> np.ndarray:
    """Boolean (terms x configurations): does each term contain each configuration?"""
    out = np.ones((len(terms), len(configs)), dtype=bool)
    for j in range(terms.shape[1]):
        t = terms[:, j][:, None]
        out &= (t < 0) | (t == configs[:, j][None, :])
    return out


def covered_rows(terms: np.ndarray, levels: Sequence[int]) -> np.ndarray:
    """1-based row numbers of every configuration some term contains."""
    space = np.zeros(tuple(levels), dtype=bool)
    for term in terms:
        space[tuple(slice(None) if v < 0 else int(v) for v in term)] = True
    return np.flatnonzero(space.ravel()) + 1


def _bitsets(matrix: np.ndarray) -> list[int]:
    """Each row of a boolean matrix as a Python int with bit j set where column j is."""
    packed = np.packbits(matrix, axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def minimal_covers(chart: np.ndarray, *, max_models: int = 10_000) -> list[tuple[int, ...]]:
    """Every minimum-size set of chart rows (primes) covering all columns (positive rows).

    Sets are sorted tuples, listed in lexicographic order of the primes they hold, which
    is how R QCA numbers models M1, M2, ...

    >>> chart = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1], [0, 0, 1]], dtype=bool)
    >>> minimal_covers(chart)
    [(0, 1), (0, 2), (0, 3), (1, 2)]
    """
    n_pi, n_col = chart.shape
    col_pis = _bitsets(chart.T)
    if any(mask == 0 for mask in col_pis):
        raise CaseStudyError("a positive row is covered by no prime implicant")
    pi_cols = _bitsets(chart)
    essential = 0
    for mask in col_pis:
        if mask & (mask - 1) == 0:
            essential |= mask
    chosen = tuple(i for i in range(n_pi) if essential >> i & 1)
    uncovered = (1 << n_col) - 1
    for i in chosen:
        uncovered &= ~pi_cols[i]
    if not uncovered:
        return [chosen]
    # No prime covers more than this many of the rows left, which bounds the search.
    widest = max((cols & uncovered).bit_count() for cols in pi_cols)
    found: list[tuple[int, ...]] = []

    def search(todo: int, picked: tuple[int, ...], budget: int, banned: int) -> None:
        if len(found) >= max_models:
            return
        if not todo:
            found.append(tuple(sorted(chosen + picked)))
            return
        if widest * budget < todo.bit_count():
            return
        best_mask, best_count = 0, n_pi + 1
        rest = todo
        while rest:
            j = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            mask = col_pis[j] & ~banned
            count = mask.bit_count()
            if count < best_count:
                best_mask, best_count = mask, count
                if count <= 1:
                    break
        rest = best_mask
        while rest:
            i = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            search(todo & ~pi_cols[i], (*picked, i), budget - 1, banned)
            banned |= 1 << i

    for size in range(1, n_pi + 1):
        search(uncovered, (), size, essential)
        if found:
            break
    if len(found) >= max_models:
        warnings.warn(f"stopped after {max_models} equally minimal models; raise max_models "
                      "to list them all", UserWarning, stacklevel=3)
    return sorted(found)


@dataclass(frozen=True)
class Model:
    """One minimal sum: indices into the solution's primes, its origin and assumptions."""

    name: str
    terms: tuple[int, ...]
    origin: str
    assumptions: np.ndarray


def _parse_include(include: str) -> set[str]:
    flags = {c for c in include if c != "," and not c.isspace()}
    unknown = flags - {"?", "C"}
    if unknown:
        raise CaseStudyError(f"include={include!r}: expected '' (conservative), '?' "
                             "(remainders), 'C' (contradictions) or '?,C'")
    return flags


def _expectations(tt: TruthTable, dir_exp: Mapping[str, object]) -> list[frozenset[int] | None]:
    unknown = sorted(set(dir_exp) - set(tt.conditions))
    if unknown:
        raise CaseStudyError(f"dir_exp names {unknown}, which are not conditions of the "
                             f"truth table {list(tt.conditions)}")
    out: list[frozenset[int] | None] = []
    for name, nlev in zip(tt.conditions, tt.levels, strict=True):
        value = dir_exp.get(name, "-")
        if value is None or (isinstance(value, str) and value.strip() == "-"):
            out.append(None)
            continue
        levels = [value] if isinstance(value, (int, np.integer, str)) else list(value)
        try:
            ints = frozenset(int(v) for v in levels)
        except (TypeError, ValueError):
            ints = frozenset({-1})
        if not ints or any(v < 0 or v >= nlev for v in ints):
            raise CaseStudyError(f"dir_exp[{name!r}] = {value!r}: expected '-' or a level "
                                 f"(or levels) of {name} among 0..{nlev - 1}")
        out.append(ints)
    return out


def easy_counterfactuals(tt: TruthTable, remainders: np.ndarray, positive: np.ndarray,
                         expectations: Sequence[frozenset[int] | None]) -> np.ndarray:
    """Remainders that differ from some positive row only towards the expected levels.

    A remainder r is easy when there is a positive row p such that on every condition
    where r and p differ, the condition has a directional expectation, r holds an expected
    level and p does not (Ragin and Sonnett 2005; equivalently R QCA's rule of dropping,
    from each complex-solution term, the literals that contradict the expectations).
    """
    if len(remainders) == 0 or len(positive) == 0:
        return np.array([], dtype=np.int64)
    rem = tt.row_config(remainders)
    pos = tt.row_config(positive)
    keep = np.zeros(len(rem), dtype=bool)
    for start in range(0, len(rem), 4096):
        chunk = rem[start:start + 4096]
        ok = np.ones((len(chunk), len(pos)), dtype=bool)
        for j, expected in enumerate(expectations):
            same = chunk[:, j][:, None] == pos[:, j][None, :]
            if expected is None:
                ok &= same
            else:
                exp = np.asarray(sorted(expected))
                toward = np.isin(chunk[:, j], exp)[:, None] & ~np.isin(pos[:, j], exp)[None, :]
                ok &= same | toward
        keep[start:start + len(chunk)] = ok.any(axis=1)
    return np.asarray(remainders)[keep]


def _solve(tt: TruthTable, on: np.ndarray, dont_care: np.ndarray,
           max_models: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    primes = prime_implicants(tt.levels, on, dont_care)
    chart = covers(primes, tt.row_config(on))
    return primes, minimal_covers(chart, max_models=max_models)


def minimize(tt: TruthTable, *, include: str = "", dir_exp: Mapping[str, object] | None = None,
             max_models: int = 10_000):
    """Minimise a truth table to all prime implicants and all minimal sums.

    ``include=""`` gives the conservative (complex) solution from the positive rows only;
    ``include="?"`` the parsimonious one, with remainders as don't-cares; ``include="?"``
    with ``dir_exp`` (e.g. ``{"DEV": 1, "URB": "-"}``; conditions left out count as '-')
    the intermediate one, which may use only easy counterfactuals. Contradictions ('C'
    rows) count as negative unless ``include`` names 'C'. The remainders each model uses
    are its simplifying assumptions (``Solution.simplifying_assumptions``).

    >>> import pandas as pd
    >>> from casestudy.qca import truth_table
    >>> df = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 0], "Y": [1, 1, 0]})
    >>> str(minimize(truth_table(df, "Y")))
    'M1: A <-> Y'
    """
    from casestudy.qca.solution import Solution

    flags = _parse_include(include)
    if dir_exp is not None and "?" not in flags:
        raise CaseStudyError("dir_exp asks for the intermediate solution, which needs "
                             "include='?' (remainders as candidate counterfactuals)")
    on = tt.rows_with("1")
    if len(on) == 0:
        raise CaseStudyError(f"no truth-table row has OUT = 1 for {tt.outcome} at incl_cut "
                             f"{tt.incl_cut[0]:g}: there is nothing to minimise")
    contradictions = tt.rows_with("C") if "C" in flags else np.array([], dtype=np.int64)
    remainders = tt.remainders() if "?" in flags else np.array([], dtype=np.int64)
    dont_care = np.concatenate([contradictions, remainders]).astype(np.int64)
    primes, covers_ = _solve(tt, on, dont_care, max_models)
    if dir_exp is None:
        kind = "parsimonious" if "?" in flags else "conservative"
        models = []
        for k, terms in enumerate(covers_, start=1):
            used = np.intersect1d(covered_rows(primes[list(terms)], tt.levels), dont_care)
            models.append(Model(f"M{k}", terms, "", used))
        return Solution(tt, kind, include, None, primes, models)

    expectations = _expectations(tt, dir_exp)
    found: dict[tuple[str, ...], Model] = {}
    all_primes: list[tuple[int, ...]] = []
    for p, terms in enumerate(covers_, start=1):
        assumed = np.intersect1d(covered_rows(primes[list(terms)], tt.levels), remainders)
        easy = easy_counterfactuals(tt, assumed, on, expectations)
        dc = np.concatenate([contradictions, easy]).astype(np.int64)
        sub_primes, sub_covers = _solve(tt, on, dc, max_models)
        for sub in sub_covers:
            key = tuple(sorted(tuple(int(v) for v in sub_primes[i]) for i in sub))
            if key in found:
                continue
            # Included contradictions are assumptions too, as in the other two solutions.
            used = np.intersect1d(covered_rows(sub_primes[list(sub)], tt.levels), dc)
            found[key] = Model("", (), f"P{p}", used)
            all_primes.extend(k for k in key if k not in all_primes)
    ordered = sort_terms(np.asarray(all_primes, dtype=np.int8), tt.levels)
    index = {tuple(int(v) for v in row): i for i, row in enumerate(ordered)}
    models = []
    for k, (key, model) in enumerate(found.items(), start=1):
        terms = tuple(sorted(index[t] for t in key))
        models.append(Model(f"M{k}", terms, model.origin, model.assumptions))
    return Solution(tt, "intermediate", include, dict(dir_exp), ordered, models)
