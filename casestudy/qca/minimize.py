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

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from casestudy.errors import CaseStudyError
from casestudy.qca.truthtable import TruthTable

if TYPE_CHECKING:
    from casestudy.qca.solution import Solution

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
    """One minimal sum: indices into the solution's primes, where it came from and the
    configurations it assumes positive.

    ``origin`` is empty for conservative and parsimonious models; for intermediate ones it
    names the (conservative, parsimonious) pairs that give it, as R QCA prints them
    (``"C1P1, C1P2"``). ``expression`` is the model in R QCA notation; a model prints as
    ``M1: ~C + A*B``.
    """

    name: str
    terms: tuple[int, ...]
    origin: str
    assumptions: np.ndarray
    expression: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.expression}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from html import escape

        return f'<div class="cs-qca"><code>{escape(str(self))}</code></div>'


def _parse_include(include: str) -> set[str]:
    flags = {c for c in include if c != "," and not c.isspace()}
    unknown = flags - {"?", "C"}
    if unknown:
        raise CaseStudyError(f"include={include!r}: expected '' (conservative), '?' "
                             "(remainders), 'C' (contradictions) or '?,C'")
    return flags


_SPLIT = re.compile(r",(?![^\[]*\])")
_NAMED = re.compile(r"\s*(~?)\s*([A-Za-z][A-Za-z0-9_.]*)\s*(?:\[([^\]]*)\])?\s*")


def parse_dir_exp(text: str, conditions: Sequence[str]) -> dict[str, object]:
    """R QCA's string forms of ``dir.exp`` as a mapping.

    Positional (``"1,1,-,0"``, one value per condition in order, ``;`` between several
    levels: ``"1, 1;2, 2, 1"``) or named (``"DEV, ~URB, LIT[1;2]"``: presence, absence,
    levels; conditions left out are don't-cares).

    >>> parse_dir_exp("1, 1;2, -", ["A", "B", "C"])
    {'A': '1', 'B': '1;2', 'C': '-'}
    >>> parse_dir_exp("A, ~C", ["A", "B", "C"])
    {'A': 1, 'C': 0}
    """
    parts = [p.strip() for p in _SPLIT.split(text)]
    if all(re.fullmatch(r"[-\d;\s]+", p) for p in parts):
        if len(parts) != len(conditions):
            raise CaseStudyError(f"dir_exp {text!r} gives {len(parts)} values for "
                                 f"{len(conditions)} conditions {list(conditions)}")
        return dict(zip(conditions, parts, strict=True))
    out: dict[str, object] = {}
    for part in parts:
        match = _NAMED.fullmatch(part)
        if match is None:
            raise CaseStudyError(f"dir_exp {text!r}: cannot read {part!r}; expected NAME, "
                                 "~NAME or NAME[levels], or one value per condition")
        neg, name, levels = match.groups()
        if levels is not None:
            out[name] = levels.replace(",", ";")
        else:
            out[name] = 0 if neg else 1
    return out


def _expectations(tt: TruthTable, dir_exp: Mapping[str, object] | str
                  ) -> list[frozenset[int] | None]:
    if isinstance(dir_exp, str):
        dir_exp = parse_dir_exp(dir_exp, tt.conditions)
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
        if isinstance(value, str):
            levels: list[object] = [v for v in re.split(r"[;,\s]+", value.strip()) if v]
        elif isinstance(value, (int, np.integer)):
            levels = [value]
        else:
            levels = list(value)
        try:
            ints = frozenset(int(v) for v in levels)
        except (TypeError, ValueError):
            ints = frozenset({-1})
        if not ints or any(v < 0 or v >= nlev for v in ints):
            raise CaseStudyError(f"dir_exp[{name!r}] = {value!r}: expected '-' or a level "
                                 f"(or levels) of {name} among 0..{nlev - 1}")
        out.append(ints)
    return out


def easy_terms(complex_terms: np.ndarray, parsimonious_terms: np.ndarray,
               expectations: Sequence[frozenset[int] | None]) -> np.ndarray:
    """R QCA's reduced terms for one (conservative model, parsimonious model) pair.

    For each term of the conservative model and each prime of the parsimonious model that
    contains it, the conservative term loses the literals that the prime lacks and that
    run against the directional expectations (the condition has an expectation and the
    literal's level is not among the expected ones); literals of don't-care conditions
    and literals at an expected level stay. A remainder is an easy counterfactual of the
    pair when it lies in one of these terms (Ragin 2008, ch. 9; Dușa 2019, *QCA with R*,
    ch. 8; R QCA's ``minimize()``, C routine ``getEC``).

    >>> easy_terms(np.array([[0, -1, 0], [1, 1, 1]]), np.array([[-1, -1, 0], [1, -1, -1]]),
    ...            [frozenset({1})] * 3).tolist()
    [[-1, -1, 0], [1, 1, 1]]
    """
    comp = np.asarray(complex_terms, dtype=np.int8)
    prime = np.asarray(parsimonious_terms, dtype=np.int8)
    top = max(int(comp.max(initial=0)), max((max(e) for e in expectations if e), default=0))
    # against[j, v]: a literal at level v of condition j runs against its expectation.
    against = np.zeros((comp.shape[1], top + 2), dtype=bool)
    for j, expected in enumerate(expectations):
        if expected is not None:
            against[j, :] = True
            against[j, sorted(expected)] = False
    against[:, -1] = False  # the column a left-out condition (-1) indexes
    c, p = comp[:, None, :], prime[None, :, :]
    contains = np.all((p < 0) | (p == c), axis=2)
    cols = np.arange(comp.shape[1])
    drop = (c >= 0) & (p < 0) & against[cols, comp][:, None, :]
    reduced = np.where(drop, np.int8(-1), np.broadcast_to(c, drop.shape))[contains]
    if len(reduced) == 0:
        return np.empty((0, comp.shape[1]), dtype=np.int8)
    return np.unique(reduced, axis=0)


def easy_counterfactuals(tt: TruthTable, candidates: np.ndarray,
                         terms: np.ndarray) -> np.ndarray:
    """The candidate rows (a parsimonious model's simplifying assumptions) that lie in
    one of the pair's reduced ``terms`` (see :func:`easy_terms`)."""
    candidates = np.asarray(candidates, dtype=np.int64)
    if len(candidates) == 0 or len(terms) == 0:
        return np.array([], dtype=np.int64)
    inside = covers(terms, tt.row_config(candidates)).any(axis=0)
    return candidates[inside]


def _solve(tt: TruthTable, on: np.ndarray, dont_care: np.ndarray,
           max_models: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    primes = prime_implicants(tt.levels, on, dont_care)
    chart = covers(primes, tt.row_config(on))
    return primes, minimal_covers(chart, max_models=max_models)


def model_name(k: int, n: int) -> str:
    """R QCA's model label: M1 ... M9, or M01 ... M10 when there are ten or more.

    >>> model_name(3, 4), model_name(3, 12)
    ('M3', 'M03')
    """
    return f"M{k:0{len(str(n))}d}"


def _model_key(primes: np.ndarray, terms: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    return tuple(sorted(tuple(int(v) for v in primes[i]) for i in terms))


def _intermediate(tt: TruthTable, on: np.ndarray, contradictions: np.ndarray,
                  remainders: np.ndarray, expectations: Sequence[frozenset[int] | None],
                  max_models: int):
    """Intermediate models per (conservative, parsimonious) pair, grouped as R prints them.

    Returns the groups (pairs, model keys, easy counterfactuals) in R's order: a group for
    each distinct list of models, in the order of its first pair C1P1, C1P2, ..., C2P1.
    """
    c_primes, c_covers = _solve(tt, on, contradictions, max_models)
    dont_care = np.concatenate([contradictions, remainders]).astype(np.int64)
    p_primes, p_covers = _solve(tt, on, dont_care, max_models)
    no_expectations = all(e is None for e in expectations)
    groups: dict[tuple, dict] = {}
    solved: dict[tuple[int, ...], tuple] = {}
    for ci, c_terms in enumerate(c_covers, start=1):
        for pi, p_terms in enumerate(p_covers, start=1):
            pair = f"C{ci}P{pi}"
            if no_expectations:
                # R: with every condition a don't-care the intermediate model is the
                # conservative one of the pair.
                easy = np.array([], dtype=np.int64)
                keys = (_model_key(c_primes, c_terms),)
            else:
                assumed = np.setdiff1d(covered_rows(p_primes[list(p_terms)], tt.levels), on)
                reduced = easy_terms(c_primes[list(c_terms)], p_primes[list(p_terms)],
                                     expectations)
                easy = easy_counterfactuals(tt, assumed, reduced)
                # Pairs often share their easy counterfactuals: solve each set once.
                known = solved.get(tuple(easy))
                if known is None:
                    sub_primes, sub_covers = _solve(tt, on, easy, max_models)
                    known = tuple(_model_key(sub_primes, sub) for sub in sub_covers)
                    solved[tuple(easy)] = known
                keys = known
            group = groups.setdefault(keys, {"pairs": [], "easy": {}})
            group["pairs"].append(pair)
            group["easy"][pair] = easy
    return list(groups.items())


def minimize(tt: TruthTable, *, include: str = "",
             dir_exp: Mapping[str, object] | str | None = None, max_models: int = 10_000):
    """Minimise a truth table to all prime implicants and all minimal sums.

    ``include=""`` gives the conservative (complex) solution from the positive rows only;
    ``include="?"`` the parsimonious one, with remainders as don't-cares; ``include="?"``
    with ``dir_exp`` the intermediate one. Contradictions ('C' rows) count as negative
    unless ``include`` names 'C'. The remainders (and included contradictions) each model
    covers are its simplifying assumptions (``Solution.simplifying_assumptions``).

    Directional expectations: a mapping ``{"DEV": 1, "URB": "-", "T": [1, 2]}`` (presence,
    don't care, several levels of a multi-value condition; conditions left out are
    don't-cares) or R's strings (``"1,1,-,0"``, ``"DEV, ~URB, T[1;2]"``). They are stated
    for the outcome as given: for a negated outcome state them for ``~Y``, as in R.

    The intermediate solution follows R QCA (``minimize(..., dir.exp =)``) exactly: for
    each pair of a conservative model Ci and a parsimonious model Pj, the easy
    counterfactuals are the simplifying assumptions of Pj inside the reduced terms of the
    pair (:func:`easy_terms`); the pair's intermediate models are the minimal sums over
    the positive rows with those easy counterfactuals as the only don't-cares. Pairs that
    give the same models are reported together, in R's order, each model's ``origin``
    naming its pairs (``"C1P1, C1P2"``). Models are named ``M1``, ``M2``, ... as R
    numbers them; when several groups of pairs give different models, the name carries
    the group's first pair (``C1P1-M1``, ``C2P1-M1``) so that every name is unique.
    Conjunctural expectations (R's ``~LIT*IND``) are not supported.

    >>> import pandas as pd
    >>> from casestudy.qca import truth_table
    >>> df = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 0], "Y": [1, 1, 0]})
    >>> str(minimize(truth_table(df, "Y")))
    'M1: A <-> Y'
    >>> hand = pd.DataFrame({"A": [0, 0, 1], "B": [0, 0, 1], "C": [0, 1, 1], "Y": [1, 0, 1]})
    >>> print(minimize(truth_table(hand, "Y", incl_cut=1), include="?", dir_exp="1,1,1"))
    From C1P1, C1P2:
    M1: ~C + A*B <-> Y
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
    if dir_exp is None:
        dont_care = np.concatenate([contradictions, remainders]).astype(np.int64)
        primes, covers_ = _solve(tt, on, dont_care, max_models)
        kind = "parsimonious" if "?" in flags else "conservative"
        models = []
        for k, terms in enumerate(covers_, start=1):
            used = np.setdiff1d(covered_rows(primes[list(terms)], tt.levels), on)
            models.append(Model(model_name(k, len(covers_)), terms, "", used))
        return _named(Solution(tt, kind, include, None, primes, models))

    expectations = _expectations(tt, dir_exp)
    groups = _intermediate(tt, on, contradictions, remainders, expectations, max_models)
    all_primes = list(dict.fromkeys(t for keys, _ in groups for key in keys for t in key))
    ordered = sort_terms(np.asarray(all_primes, dtype=np.int8), tt.levels)
    index = {tuple(int(v) for v in row): i for i, row in enumerate(ordered)}
    models = []
    easy: dict[str, np.ndarray] = {}
    for keys, group in groups:
        origin = ", ".join(group["pairs"])
        easy.update(group["easy"])
        prefix = f"{group['pairs'][0]}-" if len(groups) > 1 else ""
        for k, key in enumerate(keys, start=1):
            terms = tuple(sorted(index[t] for t in key))
            used = np.setdiff1d(covered_rows(ordered[list(terms)], tt.levels), on)
            models.append(Model(prefix + model_name(k, len(keys)), terms, origin, used))
    spec = dict(dir_exp) if not isinstance(dir_exp, str) else parse_dir_exp(dir_exp,
                                                                           tt.conditions)
    return _named(Solution(tt, "intermediate", include, spec, ordered, models, easy))


def _named(sol):
    """The solution with each model's expression filled in, so a model prints alone."""
    models = [replace(m, expression=sol.expression(m)) for m in sol.models]
    return replace(sol, models=models)


def standard_analysis(tt: TruthTable, dir_exp: Mapping[str, object] | str | None = None,
                      ) -> dict[str, Solution]:
    """Ragin and Sonnett's standard analysis of one truth table: its ``conservative``,
    ``parsimonious`` and ``intermediate`` solutions, as :func:`minimize` gives them.

    ``dir_exp`` is the intermediate solution's directional expectations; without it, each
    condition is expected to contribute when present (``1``), as QCA papers state most
    often. Name the expectations whenever theory says otherwise.

    >>> import pandas as pd
    >>> from casestudy.qca.truthtable import truth_table
    >>> df = pd.DataFrame({"A": [0, 0, 1], "B": [0, 0, 1], "C": [0, 1, 1],
    ...                    "Y": [1, 0, 1]})
    >>> for kind, sol in standard_analysis(truth_table(df, "Y", incl_cut=1)).items():
    ...     print(f"{kind}:")
    ...     print(sol)
    conservative:
    M1: ~A*~B*~C + A*B*C <-> Y
    parsimonious:
    M1: ~C + (A) <-> Y
    M2: ~C + (B) <-> Y
    intermediate:
    From C1P1, C1P2:
    M1: ~C + A*B <-> Y
    """
    expect = dir_exp if dir_exp is not None else dict.fromkeys(tt.conditions, 1)
    return {"conservative": minimize(tt), "parsimonious": minimize(tt, include="?"),
            "intermediate": minimize(tt, include="?", dir_exp=expect)}
