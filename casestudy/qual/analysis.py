"""Cross-case analysis of coded evidence: framework matrix, frequencies, co-occurrence,
facilitator/barrier balance, recurrence across cases, whose voices the evidence carries,
and retrieval.

Every function takes an evidence table (``casestudy.qual.evidence.COLUMNS``) and returns
a tidy DataFrame or a result object with ``.table()`` and ``.plot()``.

>>> ev = pd.DataFrame({"segment_id": ["1", "2", "3"], "case": ["NL", "NL", "IT"],
...     "tier": ["national"] * 3, "theme": ["finance/pooling", "culture/trust", "finance/pooling"],
...     "direction": ["barrier", "facilitator", "barrier"], "text": ["a", "b", "c"],
...     "source_id": ["N15", "N16", "I9"]})
>>> frequency(ev, by=["case"]).to_dict("records")[0]
{'case': 'NL', 'theme': 'culture/trust', 'n': 1}
>>> balance(ev, by=["case"])[["case", "facilitator", "barrier", "balance"]].values.tolist()
[['NL', 1, 1, 0], ['IT', 0, 1, -1]]
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from casestudy import data, sources
from casestudy.errors import CaseStudyError
from casestudy.qual._io import add_entry
from casestudy.qual.evidence import DIRECTIONS, THEME_SEP, order, ordered, theme_at


def _check(evidence: pd.DataFrame, needed: Sequence[str]) -> None:
    missing = [c for c in needed if c not in evidence.columns]
    if missing:
        raise CaseStudyError(f"evidence is missing column(s) {', '.join(missing)}; expected "
                             "the evidence table (see casestudy.qual.evidence.COLUMNS)")


def _as_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def _study_key(column: pd.Series) -> pd.Series:
    """Sort key of a column: its values in study order (see ``evidence.ordered``)."""
    return pd.Series(ordered(column, str(column.name)), index=column.index)


def _sorted(frame: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Rows sorted by ``cols`` in study order, the columns' dtypes unchanged."""
    if not cols:
        return frame.reset_index(drop=True)
    return frame.sort_values(list(cols), key=_study_key, kind="stable").reset_index(drop=True)


def _ordered(frame: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Sorted by ``cols`` in study order, case, tier and direction typed as ordered
    categoricals and other sort columns as text."""
    return _sorted(frame.assign(**{c: ordered(frame[c], c) for c in cols}), cols)


def _with_theme(evidence: pd.DataFrame, level: int | None) -> pd.DataFrame:
    ev = evidence.copy()
    ev["theme"] = theme_at(ev["theme"], level).to_numpy()
    return ev


def frequency(evidence: pd.DataFrame, *, by: str | Sequence[str] = ("case", "tier"),
              theme_level: int | None = None) -> pd.DataFrame:
    """Number of coded segments per theme within each group of ``by``.

    ``by`` may name any evidence column: ``tier``, ``perspective`` and ``stage`` run in
    their study order (see ``evidence.ordered``). Returns columns ``*by``, ``theme``,
    ``n``, groups in study order, themes alphabetically; combinations with no segment are
    left out, and so are segments with no value in a ``by`` column (a segment without a
    ``stage`` is not about improvement work).

    >>> ev = pd.DataFrame({"case": ["NL", "NL"], "theme": ["a", "a"],
    ...                    "stage": ["implementing", None]})
    >>> frequency(ev, by=["case", "stage"]).values.tolist()
    [['NL', 'implementing', 'a', 1]]
    """
    by = _as_list(by)
    _check(evidence, [*by, "theme"])
    ev = _with_theme(evidence, theme_level)
    keys = [*by, "theme"]
    ev = ev.assign(**{c: ev[c].astype("string") for c in keys})
    out = ev.groupby(keys, dropna=True, observed=True).size().rename("n").reset_index()
    out["n"] = out["n"].astype("int64")
    return _ordered(out, keys)


def balance(evidence: pd.DataFrame, *, by: str | Sequence[str] = ("case", "tier"),
            theme_level: int | None = None) -> pd.DataFrame:
    """Facilitators minus barriers per group, with the counts behind the figure.

    Returns columns ``*by``, ``facilitator``, ``barrier``, ``neutral``, ``uncoded``
    (segments without a direction), ``n`` and ``balance`` (facilitator − barrier).
    ``by`` may include ``"theme"`` (cut to ``theme_level`` parts), ``"perspective"`` or
    ``"stage"``; as in ``frequency``, segments with no value in a ``by`` column are left out.

    >>> ev = pd.DataFrame({"perspective": ["scrutiny body", "national government"],
    ...                    "direction": ["barrier", "facilitator"]})
    >>> balance(ev, by="perspective")[["perspective", "balance"]].values.tolist()
    [['national government', 1], ['scrutiny body', -1]]
    """
    by = _as_list(by)
    _check(evidence, [*by, "direction"])
    ev = _with_theme(evidence, theme_level) if "theme" in by else evidence.copy()
    ev = ev.assign(**{c: ev[c].astype("string") for c in by})
    direction = ev["direction"].astype("string").fillna("uncoded")
    counts = pd.crosstab([ev[c] for c in by], direction)
    for col in (*DIRECTIONS, "uncoded"):
        if col not in counts.columns:
            counts[col] = 0
    counts = counts[[*DIRECTIONS, "uncoded"]].astype("int64")
    counts.columns.name = None
    counts["n"] = counts.sum(axis=1)
    counts["balance"] = counts["facilitator"] - counts["barrier"]
    return _ordered(counts.reset_index(), by)


def _match_any(values: pd.Series, wanted: str | Sequence[str] | None,
               prefix: bool = False) -> pd.Series:
    if wanted is None:
        return pd.Series(True, index=values.index)
    items = _as_list(wanted)
    text = values.astype("string")
    if prefix:
        hit = pd.Series(False, index=values.index)
        for w in items:
            hit |= (text == w) | text.str.startswith(w + THEME_SEP)
        return hit.fillna(False)
    return text.isin(items).fillna(False)


def quotes(evidence: pd.DataFrame, *, case: str | Sequence[str] | None = None,
           theme: str | Sequence[str] | None = None, tier: str | Sequence[str] | None = None,
           direction: str | Sequence[str] | None = None, contains: str | None = None,
           ) -> pd.DataFrame:
    """Segments matching every filter given; ``theme`` also matches its sub-themes.

    ``contains`` is a plain, case-insensitive substring of the text. Rows keep the evidence
    columns, in case, tier and segment order.
    """
    _check(evidence, ["case", "tier", "theme", "text"])
    keep = (_match_any(evidence["case"], case) & _match_any(evidence["tier"], tier)
            & _match_any(evidence["theme"], theme, prefix=True))
    if direction is not None:
        keep &= _match_any(evidence["direction"], direction)
    if contains:
        keep &= evidence["text"].astype("string").str.contains(
            contains, case=False, regex=False).fillna(False)
    return _sorted(evidence[keep.to_numpy()], ["case", "tier"])


def recurrence(evidence: pd.DataFrame, *, across: str = "case",
               theme_level: int | None = None) -> pd.DataFrame:
    """In how many of the ``across`` units (cases by default) each theme appears.

    Returns ``theme``, ``n_units`` (e.g. cases), the units (``;``-joined, registry
    order), ``n`` (segments) and ``pattern``: ``"all"`` when it appears in every unit
    present in the evidence, ``"particular"`` when in exactly one, ``"some"`` otherwise.
    """
    _check(evidence, [across, "theme"])
    ev = _with_theme(evidence, theme_level)
    ev[across] = ev[across].astype("string")
    units = order(ev[across], across)
    rows = []
    for theme, grp in ev.groupby("theme", sort=True):
        seen = set(grp[across].dropna())
        present = [u for u in units if u in seen]
        rows.append({"theme": theme, "n_units": len(present), across: ";".join(present),
                     "n": len(grp)})
    out = pd.DataFrame(rows, columns=["theme", "n_units", across, "n"])
    out["pattern"] = "some"
    out.loc[out["n_units"] == len(units), "pattern"] = "all"
    out.loc[out["n_units"] == 1, "pattern"] = "particular"
    return out.sort_values(["n_units", "n", "theme"], ascending=[False, False, True],
                           kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- co-occurrence

@dataclass(frozen=True)
class Cooccurrence:
    """Pairs of themes that occur together, with count and Jaccard coefficient.

    ``count`` is the number of units holding both themes (``by`` columns), or with
    ``by="span"`` the number of pairs of overlapping segments in one document. ``jaccard``
    is count / (n_a + n_b − count), where n_a and n_b count the units (or segments) with
    each theme; for spans this is ATLAS.ti's c-coefficient. ``measure`` is the one
    ``.plot()`` shows unless told otherwise.
    """

    pairs: pd.DataFrame
    themes: pd.DataFrame
    by: tuple[str, ...]
    measure: str = "count"

    def table(self) -> pd.DataFrame:
        """Tidy: ``theme_a``, ``theme_b`` (a < b), ``n_a``, ``n_b``, ``count``, ``jaccard``."""
        return self.pairs.copy()

    def matrix(self, measure: str = "count") -> pd.DataFrame:
        """Symmetric theme-by-theme matrix of ``measure``; the diagonal holds n per theme
        for counts and 1 for Jaccard."""
        if measure not in ("count", "jaccard"):
            raise CaseStudyError(f"measure must be 'count' or 'jaccard', got {measure!r}")
        names = list(self.themes["theme"])
        mat = pd.DataFrame(0.0 if measure == "jaccard" else 0, index=names, columns=names)
        for r in self.pairs.itertuples(index=False):
            v = getattr(r, measure)
            mat.loc[r.theme_a, r.theme_b] = v
            mat.loc[r.theme_b, r.theme_a] = v
        for t in self.themes.itertuples(index=False):
            mat.loc[t.theme, t.theme] = 1.0 if measure == "jaccard" else t.n
        mat.index.name = mat.columns.name = "theme"
        return mat

    def plot(self, *, measure: str | None = None, ax=None):
        """Heatmap of ``measure`` (default: the one ``cooccurrence`` was asked for)."""
        from casestudy.qual.plots import cooccurrence_heatmap

        measure = measure or self.measure
        if measure == "jaccard":
            label = "Jaccard"
        elif self.by == ("span",):
            label = "overlapping segment pairs"
        else:
            label = f"units ({', '.join(self.by)}) with both themes"
        return cooccurrence_heatmap(self.matrix(measure), ax=ax, measure=measure,
                                    label=label)


def cooccurrence(evidence: pd.DataFrame, *, by: str | Sequence[str] = "case",
                 measure: str = "count", theme_level: int | None = None,
                 min_count: int = 1) -> Cooccurrence:
    """Which themes occur together, counted over units or overlapping spans.

    Args:
        by: column(s) whose distinct values are the units (``"case"``, ``"document"``,
            ``["case", "tier"]``), or ``"span"``: segments of the same ``document`` whose
            ``[start, end)`` ranges overlap. Spans never co-occur merely because a tool
            gave them one selection id: only the offsets count.
        measure: which measure ``.plot()`` shows by default; both are in ``.table()``.
        min_count: drop pairs seen fewer times.

    >>> ev = pd.DataFrame({"document": ["d", "d", "d"], "theme": ["a", "b", "c"],
    ...                    "start": [0, 5, 20], "end": [10, 12, 30]})
    >>> cooccurrence(ev, by="span").table()[["theme_a", "theme_b", "count"]].values.tolist()
    [['a', 'b', 1]]
    """
    if measure not in ("count", "jaccard"):
        raise CaseStudyError(f"measure must be 'count' or 'jaccard', got {measure!r}")
    ev = _with_theme(evidence, theme_level)
    if by == "span":
        _check(ev, ["document", "theme", "start", "end"])
        ev = ev.dropna(subset=["start", "end"])
        n_theme = ev.groupby("theme").size()
        counts: dict[tuple[str, str], int] = {}
        for _, doc in ev.groupby("document", sort=False):
            segs = list(zip(doc["theme"], doc["start"].astype(int), doc["end"].astype(int),
                            strict=True))
            for (ta, sa, ea), (tb, sb, eb) in itertools.combinations(segs, 2):
                if ta != tb and sa < eb and sb < ea:
                    key = (min(ta, tb), max(ta, tb))
                    counts[key] = counts.get(key, 0) + 1
        by_cols: tuple[str, ...] = ("span",)
    else:
        cols = _as_list(by)
        _check(ev, [*cols, "theme"])
        units = ev[cols].astype("string").agg("\x1f".join, axis=1)
        sets = ev.assign(_unit=units).groupby("theme")["_unit"].agg(set)
        n_theme = sets.map(len)
        counts = {}
        for ta, tb in itertools.combinations(sorted(sets.index), 2):
            both = len(sets[ta] & sets[tb])
            if both:
                counts[(ta, tb)] = both
        by_cols = tuple(cols)
    rows = [{"theme_a": a, "theme_b": b, "n_a": int(n_theme[a]), "n_b": int(n_theme[b]),
             "count": c, "jaccard": c / (n_theme[a] + n_theme[b] - c)}
            for (a, b), c in sorted(counts.items()) if c >= min_count]
    pairs = pd.DataFrame(rows, columns=["theme_a", "theme_b", "n_a", "n_b", "count",
                                        "jaccard"])
    themes = n_theme.rename("n").rename_axis("theme").reset_index().sort_values("theme")
    return Cooccurrence(pairs=pairs, themes=themes.reset_index(drop=True), by=by_cols,
                        measure=measure)


# --------------------------------------------------------------------------- framework matrix

#: Columns the framework matrix keeps as layers of its cells (one can be shown at a time).
_LAYERS = ("tier", "perspective", "stage")

def _cell_text(grp: pd.DataFrame) -> str:
    parts = []
    for r in grp.itertuples(index=False):
        sid = getattr(r, "source_id", None)
        cite = f" [{sid}]" if sid is not None and not pd.isna(sid) and str(sid) else ""
        mark = {"facilitator": "(+) ", "barrier": "(−) "}.get(
            str(getattr(r, "direction", "")), "")
        parts.append(f"{mark}{r.text}{cite}")
    return "\n".join(parts)


@dataclass(frozen=True)
class FrameworkMatrix:
    """The framework-method matrix (Ritchie & Spencer; Gale et al. 2013, BMC Med Res
    Methodol 13:117): rows (cases) by columns (themes), each cell the summaries of the
    segments coded there with their source ids; counts alongside.
    """

    cells: pd.DataFrame
    rows: str
    cols: str
    cell: str

    def table(self) -> pd.DataFrame:
        """Tidy: ``rows``, ``cols``, the layers ``tier``, ``perspective`` and ``stage``
        (one row per combination present; missing where the evidence has none), ``n``,
        ``summary`` (one line per segment: ``(+)``/``(−)`` for facilitator/barrier,
        the text, ``[source ids]``), ``source_id`` (distinct ids, ``;``-joined)."""
        return self.cells.copy()

    def _layer(self, tier: str | None, perspective: str | None,
               stage: str | None) -> pd.DataFrame:
        keep = pd.Series(True, index=self.cells.index)
        for col, wanted in (("tier", tier), ("perspective", perspective), ("stage", stage)):
            if wanted is not None:
                keep &= (self.cells[col].astype("string") == wanted).fillna(False)
        return self.cells[keep]

    def matrix(self, *, tier: str | None = None, perspective: str | None = None,
               stage: str | None = None, cell: str | None = None) -> pd.DataFrame:
        """Wide matrix of summaries (or ``cell="count"``), over every segment or only those
        of one ``tier``, ``perspective`` and/or ``stage``."""
        cell = cell or self.cell
        sub = self._layer(tier, perspective, stage)
        key = [self.rows, self.cols]
        if cell == "count":
            wide = sub.groupby(key, observed=True)["n"].sum().unstack(fill_value=0)
        else:
            joined = sub.groupby(key, observed=True)["summary"].agg("\n".join)
            wide = joined.unstack(fill_value="")
        wide = wide.reindex(order(wide.index, self.rows))
        wide = wide.reindex(sorted(wide.columns), axis=1)
        wide.columns.name = self.cols
        wide.index.name = self.rows
        return wide.fillna(0 if cell == "count" else "")

    def counts(self, *, tier: str | None = None, perspective: str | None = None,
               stage: str | None = None) -> pd.DataFrame:
        return self.matrix(tier=tier, perspective=perspective, stage=stage, cell="count")

    def abridged(self, *, max_chars: int = 90, tier: str | None = None,
                 perspective: str | None = None, stage: str | None = None) -> pd.DataFrame:
        """The summary matrix with each cell cut to ``max_chars`` and its segment count, for
        a report page (the whole matrix goes to XLSX)."""
        layer = {"tier": tier, "perspective": perspective, "stage": stage}
        full = self.matrix(**layer, cell="summary")
        n = self.matrix(**layer, cell="count").reindex_like(full).fillna(0).astype(int)

        def cut(text: str, k: int) -> str:
            if not text:
                return ""
            first = text.split("\n")[0]
            first = first if len(first) <= max_chars else first[: max_chars - 1] + "…"
            return f"{first} (+{k - 1} more)" if k > 1 else first

        return pd.DataFrame({c: [cut(full.loc[i, c], n.loc[i, c]) for i in full.index]
                             for c in full.columns}, index=full.index).rename_axis(
            columns=self.cols)

    def to_html(self, *, tier: str | None = None, abridged: bool = True) -> str:
        """HTML of the matrix; every cell is escaped, so evidence text is shown as text."""
        frame = self.abridged(tier=tier) if abridged else self.matrix(tier=tier)
        return evidence_html(frame)

    def to_xlsx(self, path: str | Path | None = None) -> Path:
        """Write the whole matrix to XLSX: sheet ``all``, then one sheet per tier, then
        ``counts`` and the tidy ``cells``. Default path ``data/processed/
        framework_matrix.xlsx``; never under ``data/raw/``. Written atomically."""
        target = Path(path) if path is not None else data.processed_dir() / \
            "framework_matrix.xlsx"
        raw = data.raw_dir().resolve()
        if target.resolve().is_relative_to(raw):
            raise CaseStudyError(f"{target}: refusing to write under data/raw/ (curated "
                                 "inputs are read-only); write to data/processed/ instead")
        tiers = order(self.cells["tier"], "tier")
        with data.atomic_path(target) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                _sheet(xw, "all", self.matrix())
                for t in tiers:
                    _sheet(xw, t, self.matrix(tier=t))
                _sheet(xw, "counts", self.counts())
                self.cells.to_excel(xw, sheet_name="cells", index=False)
            _fix_zip_times(tmp)
        data.record_dependency("W", target)
        return target

    def plot(self, *, tier: str | None = None, perspective: str | None = None,
             stage: str | None = None, ax=None):
        """Heatmap of the counts: ``cols`` (themes) down, ``rows`` (cases) across."""
        from casestudy.qual.plots import count_heatmap

        return count_heatmap(self.counts(tier=tier, perspective=perspective,
                                         stage=stage).T, ax=ax)


def _sheet(xw: pd.ExcelWriter, name: str, frame: pd.DataFrame) -> None:
    frame.to_excel(xw, sheet_name=name[:31])
    ws = xw.sheets[name[:31]]
    from openpyxl.styles import Alignment

    for row in ws.iter_rows(min_row=2, min_col=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    for col in ws.iter_cols(min_col=2, max_col=ws.max_column, max_row=1):
        ws.column_dimensions[col[0].column_letter].width = 50


def _fix_zip_times(path: Path) -> None:
    """Rewrite the XLSX with fixed entry times and core-property dates, so the same matrix
    gives the same bytes on every build."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        items = [(i.filename, zin.read(i)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, content in items:
            if name == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z",
                                 content)
            add_entry(zout, name, content)


def framework_matrix(evidence: pd.DataFrame, *, rows: str = "case", cols: str = "theme",
                     cell: str = "summary", theme_level: int | None = None
                     ) -> FrameworkMatrix:
    """The framework-method matrix: ``rows`` by ``cols`` with summaries or counts.

    ``rows`` and ``cols`` may be any evidence columns (``perspective`` or ``stage`` as well
    as ``case``, ``tier`` and ``theme``); the cells keep ``tier``, ``perspective`` and
    ``stage`` as layers, so ``matrix()`` can show one of them.

    >>> ev = pd.DataFrame({"case": ["SCO", "SCO", "ENG"], "tier": ["regional"] * 3,
    ...     "theme": ["finance/pooling"] * 3, "direction": ["barrier", None, "facilitator"],
    ...     "text": ["Set-aside not enacted", "Budgets delegated", "BCF pooled"],
    ...     "source_id": ["S3", "S7", "E9"]})
    >>> fm = framework_matrix(ev)
    >>> fm.counts().loc["SCO", "finance/pooling"]
    np.int64(2)
    >>> print(fm.matrix().loc["SCO", "finance/pooling"])
    (−) Set-aside not enacted [S3]
    Budgets delegated [S7]
    """
    if cell not in ("summary", "count"):
        raise CaseStudyError(f"cell must be 'summary' or 'count', got {cell!r}")
    if rows == cols:
        raise CaseStudyError("rows and cols must be different columns")
    _check(evidence, [rows, cols, "text"])
    ev = _with_theme(evidence, theme_level)
    for c in _LAYERS:
        if c not in ev:
            ev[c] = pd.NA
    for c in {rows, cols, *_LAYERS}:
        ev[c] = ev[c].astype("string")
    out = []
    group_keys = [rows, cols] + [c for c in _LAYERS if c not in (rows, cols)]
    for key, grp in ev.groupby(group_keys, sort=False, dropna=False):
        rec = dict(zip(group_keys, key, strict=True))
        ids = sorted(sources.split_ids(grp.get("source_id", pd.Series(dtype="string"))))
        rec.update({"n": len(grp), "summary": _cell_text(grp),
                    "source_id": data.SOURCE_SEP.join(ids)})
        out.append(rec)
    columns = list(dict.fromkeys([rows, cols, *_LAYERS, "n", "summary", "source_id"]))
    cells = _ordered(pd.DataFrame(out, columns=columns),
                     list(dict.fromkeys([rows, *_LAYERS, cols])))
    return FrameworkMatrix(cells=cells, rows=rows, cols=cols, cell=cell)


# --------------------------------------------------------------------------- voices

@dataclass(frozen=True)
class Voices:
    """Whose view the evidence reports: segments per ``perspective`` by ``tier`` per case.

    Every perspective of ``evidence.PERSPECTIVES`` and every tier appears for every case,
    with zeros, so that silent voices show as gaps rather than vanishing from the table.
    """

    counts: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """Tidy: ``case``, ``perspective``, ``tier``, ``n`` (zeros included)."""
        return self.counts.copy()

    def matrix(self, case: str | None = None) -> pd.DataFrame:
        """Perspective-by-tier counts for one case, or summed over all cases."""
        sub = self.counts if case is None else self.counts[
            self.counts["case"].astype("string") == case]
        wide = sub.pivot_table(index="perspective", columns="tier", values="n",
                               aggfunc="sum", observed=False).astype("int64")
        wide.columns = wide.columns.astype("string")
        wide.index = wide.index.astype("string")
        return wide.rename_axis(index="perspective", columns="tier")

    def gaps(self) -> pd.DataFrame:
        """Per perspective: segments per case, ``n`` in all, and ``share`` (% of all
        segments, one decimal), in the order of ``evidence.PERSPECTIVES``."""
        per_case = self.counts.pivot_table(index="perspective", columns="case", values="n",
                                           aggfunc="sum", observed=False).astype("int64")
        per_case.columns = per_case.columns.astype("string")
        per_case["n"] = per_case.sum(axis=1)
        total = int(per_case["n"].sum())
        per_case["share"] = (100 * per_case["n"] / total).round(1) if total else 0.0
        out = per_case.reset_index()
        out["perspective"] = out["perspective"].astype("string")
        out.columns.name = None
        return out

    def plot(self):
        """One heatmap per case (perspectives down, tiers across); returns the Figure."""
        from casestudy.qual.plots import perspective_heatmaps

        return perspective_heatmaps(self.counts)

    def __repr__(self) -> str:
        gaps = self.gaps()
        total = int(gaps["n"].sum())
        lines = [f"Voices: {total} segments by perspective (all cases)"]
        lines += [f"  {r.perspective}: {r.n} ({r.share:g}%)" for r in gaps.itertuples()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return evidence_html(self.gaps().set_index("perspective"))


def voices(evidence: pd.DataFrame) -> Voices:
    """Segments per perspective and tier for each case (see ``Voices``).

    >>> ev = pd.DataFrame({"case": ["SCO", "SCO"], "tier": ["national", "national"],
    ...                    "perspective": ["scrutiny body", "scrutiny body"]})
    >>> v = voices(ev)
    >>> int(v.matrix("SCO").loc["scrutiny body", "national"])
    2
    >>> int(v.gaps().set_index("perspective").loc["frontline staff", "n"])
    0
    """
    _check(evidence, ["case", "tier", "perspective"])
    ev = evidence.assign(**{c: ordered(evidence[c], c)
                            for c in ("case", "tier", "perspective")})
    present = order(ev["case"], "case")
    counts = (ev.groupby(["case", "perspective", "tier"], observed=False).size()
              .rename("n").reset_index())
    counts = counts[counts["case"].astype("string").isin(present)].reset_index(drop=True)
    counts["case"] = ordered(counts["case"].astype("string"), "case")
    counts["n"] = counts["n"].astype("int64")
    return Voices(counts=counts)


# --------------------------------------------------------------------------- HTML

def evidence_html(frame: pd.DataFrame) -> str:
    """An HTML table of evidence with every cell and header escaped, line breaks kept.

    >>> "<script>" in evidence_html(pd.DataFrame({"text": ["<script>alert(1)</script>"]}))
    False
    """
    def esc(v: object) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else \
            html.escape(str(v)).replace("\n", "<br>")

    head = "".join(f"<th>{esc(c)}</th>" for c in [frame.index.name or "", *frame.columns])
    body = "".join(
        "<tr><th>" + esc(idx) + "</th>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
        for idx, row in zip(frame.index, frame.itertuples(index=False), strict=True))
    return (f'<table class="dataframe evidence"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")
