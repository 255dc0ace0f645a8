"""Lessons: the project's synthesis of documented findings, each tied to the strands it rests on.

``data/raw/lessons.csv`` holds one lesson per row: a statement in the project's words, its
audience, the tier it acts on, the cases where it holds and where it does not, the condition
under which it holds (and whether England has it), the evidence segments for and against it,
and references to results of the other strands, each with the report figure or table that
shows it. Every lesson is labelled as the project's synthesis, not a finding of its own.

Strands (``STRANDS``) and how a lesson refers to them (``;``-separated):

- **evidence**: segment ids of ``data/raw/evidence.csv`` (``SCO-007``) in ``evidence_for`` and
  ``evidence_against``;
- **governance**: ``governance:<CASE>:<measure>[:<body>]`` (a row of
  ``casestudy.governance.measures()``);
- **configurations**: ``qca:<solution>:<term>`` (a term of notebook 04's conservative,
  parsimonious or intermediate solution on the ILLUSTRATIVE coding of
  ``data/raw/qca_sites.csv``, see ``qca_terms``);
- **context**: ``indicator:<id>`` (an indicator of ``data/raw/indicators.csv``);
- **impact**: ``impact:<method>:<dataset>:<indicator>[:<YYYY-MM>]`` (a series of a
  ``data/raw`` dataset analysed by ``its``, ``controlled_its``, ``did`` or ``spc``, and the
  first month of the intervention);

the last four in ``results_for`` and ``results_against``, each followed by ``@`` and the
report anchor that shows it: ``05_impact#fig-5-2`` (figure 2 of report 05) or
``06_governance#tbl-6-1``. "Against" covers findings that contradict or qualify a lesson.

Support per strand follows the convergence coding of triangulation protocols (Farmer et al.
2006, Qual Health Res 16:377; O'Cathain, Murphy & Nicholl 2010, BMJ 341:c4587):
*agreement* (references for, none against), *partial agreement* (both), *dissonance*
(against only) and *silence* (none). The joint display (lessons by strands, the support in
each cell) follows Guetterman, Fetters & Creswell (2015, Ann Fam Med 13:554).

>>> known = Known.example()
>>> frame = pd.DataFrame([example_lesson()])
>>> lessons = Lessons.from_frame(frame, known)
>>> lessons.strength()[["lesson_id", "strands_for", "strands_against"]].values.tolist()
[['L01', 2, 1]]
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from casestudy import cases, data, sources
from casestudy.errors import CaseStudyError, DataValidationError, Problem
from casestudy.qual.evidence import TIERS

STRANDS: tuple[str, ...] = ("evidence", "governance", "configurations", "context", "impact")
AUDIENCES: tuple[str, ...] = ("national policymakers", "regional bodies",
                              "local system leaders", "frontline leaders")
#: Whether England has the condition under which a lesson holds.
ENGLAND: tuple[str, ...] = ("has", "could have", "lacks")
#: The label every lesson carries, in the data and in the report.
STATUS = "project synthesis of documented findings, not a finding of its own"
COLUMNS: tuple[str, ...] = (
    "lesson_id", "statement", "audience", "tier", "holds_in", "not_in", "condition",
    "england", "evidence_for", "evidence_against", "results_for", "results_against",
    "rationale", "source_id", "status")
#: Support of one strand for one lesson, strongest first (see the module docstring).
SUPPORT: tuple[str, ...] = ("agreement", "partial agreement", "dissonance", "silence")
_SUPPORT_OF = {(True, True): SUPPORT[1], (True, False): SUPPORT[0], (False, True): SUPPORT[2],
               (False, False): SUPPORT[3]}
#: Reference prefix → strand.
_PREFIX = {"governance": "governance", "qca": "configurations", "indicator": "context",
           "impact": "impact"}
QCA_SOLUTIONS: tuple[str, ...] = ("conservative", "parsimonious", "intermediate")
IMPACT_METHODS: tuple[str, ...] = ("its", "controlled_its", "did", "spc")
_ANCHOR = re.compile(r"^(?P<nb>(?P<num>\d{2})_[a-z0-9_]+)#(?P<kind>fig|tbl)-(?P<n>\d+)-"
                     r"(?P<m>[1-9]\d*)$")
_SEP = data.SOURCE_SEP
FILE = "data/raw/lessons.csv"


def _split(cell: object) -> list[str]:
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
        return []
    return [part.strip() for part in str(cell).split(_SEP) if part.strip()]


# --------------------------------------------------------------------------- what resolves

@dataclass(frozen=True)
class Known:
    """What a lesson's references may name: segments, governance measures, QCA terms,
    indicators, impact series and report notebooks. ``from_project()`` reads them from the
    project; tests build small ones by hand.
    """

    evidence: pd.DataFrame
    measures: pd.DataFrame
    qca_terms: pd.DataFrame
    indicators: frozenset[str]
    series: pd.DataFrame
    notebooks: frozenset[str]
    evidence_file: str = "data/raw/evidence.csv"

    @classmethod
    def from_project(cls) -> Known:
        """Everything from ``data/raw`` and ``notebooks/`` (governance measures from
        ``casestudy.governance.measures()``)."""
        from casestudy import governance
        from casestudy.qual import load_evidence

        ind = data.load("indicators")
        return cls(evidence=load_evidence(), measures=governance.measures(),
                   qca_terms=qca_terms(), indicators=frozenset(ind["indicator"].dropna()),
                   series=_series(), notebooks=frozenset(
                       p.stem for p in (data.project_root() / "notebooks").glob("*.ipynb")))

    @classmethod
    def example(cls) -> Known:
        """A tiny hand-made universe for examples and tests."""
        ev = pd.DataFrame({
            "segment_id": ["SCO-1", "SCO-2", "ENG-1"], "case": ["SCO", "SCO", "ENG"],
            "tier": ["local-strategic"] * 3, "perspective": ["scrutiny body"] * 3,
            "direction": ["facilitator", "barrier", "barrier"],
            "text": ["Budgets delegated", "Set-aside not enacted", "Budgets vary"],
            "source_id": ["S1", "S3", "E20"]})
        measures = pd.DataFrame({"case": ["SCO", "ENG"], "measure": ["pooled_budget_holder"] * 2,
                                 "value": [1, 0], "body": [pd.NA, pd.NA]})
        terms = pd.DataFrame({"solution": ["intermediate"], "term": ["POOL*STABLE"]})
        series = pd.DataFrame({"dataset": ["phs_ae_scotland"],
                               "indicator": ["ae_within_4_hours_pct"],
                               "first": [pd.Timestamp("2007-07-01")],
                               "last": [pd.Timestamp("2025-02-01")]})
        return cls(evidence=ev, measures=measures, qca_terms=terms,
                   indicators=frozenset({"beds_per_1000"}), series=series,
                   notebooks=frozenset({"02_context", "03_evidence", "04_qca", "05_impact",
                                        "06_governance"}))


def qca_terms(long: pd.DataFrame | None = None) -> pd.DataFrame:
    """Terms (``solution``, ``model``, ``term``, ``inclS``, ``covS``, ``cases``) of the three
    solutions notebook 04 shows, on the ILLUSTRATIVE coding of ``data/raw/qca_sites.csv``:
    truth table at incl_cut 0.8; conservative; parsimonious (remainders included);
    intermediate (directional expectation: each condition, when present, contributes).
    """
    from casestudy import qca

    long = data.load("qca_sites") if long is None else long
    (outcome,) = long.loc[long["role"] == "outcome", "set"].unique()
    tt = qca.truth_table(qca.sets_wide(long), outcome, incl_cut=0.8)
    frames = [sol.table().assign(solution=kind)
              for kind, sol in qca.standard_analysis(tt).items()]
    out = pd.concat(frames, ignore_index=True)
    return out[["solution", "model", "term", "inclS", "covS", "cases"]]


def _series() -> pd.DataFrame:
    """(dataset, indicator, first, last period) of every ``data/raw`` table with both."""
    rows = []
    for res in data.read_manifest()["resources"]:
        names = {f["name"] for f in res.get("schema", {}).get("fields", [])}
        if {"indicator", "period"} <= names:
            frame = data.load(res["name"])
            for ind, grp in frame.groupby("indicator", observed=True):
                rows.append({"dataset": res["name"], "indicator": str(ind),
                             "first": grp["period"].min(), "last": grp["period"].max()})
    return pd.DataFrame(rows, columns=["dataset", "indicator", "first", "last"])


# --------------------------------------------------------------------------- references

@dataclass(frozen=True)
class Ref:
    """One entry of ``results_for``/``results_against``: its strand, the reference itself
    (``ref``) and the report anchor that shows it (``shown_in``)."""

    strand: str
    ref: str
    shown_in: str | None


def parse_ref(text: str) -> Ref:
    """A ``results_*`` entry split into strand, reference and anchor.

    >>> r = parse_ref("governance:SCO:pooled_budget_holder@06_governance#tbl-6-1")
    >>> r.strand, r.ref, r.shown_in
    ('governance', 'governance:SCO:pooled_budget_holder', '06_governance#tbl-6-1')
    """
    ref, _, anchor = text.partition("@")
    prefix = ref.split(":", 1)[0]
    if prefix not in _PREFIX:
        raise CaseStudyError(f"reference {text!r} starts with {prefix!r}: expected one of "
                             f"{', '.join(p + ':' for p in _PREFIX)}")
    return Ref(_PREFIX[prefix], ref.strip(), anchor.strip() or None)


def short_label(ref: str) -> str:
    """A reference's short name for a table (words, so it wraps); the case, where there is
    one, goes in its own column.

    >>> short_label("governance:SCO:pooled_budget_holders")
    'pooled budget holders'
    >>> short_label("impact:its:phs_ae_scotland:ae_within_4_hours_pct:2016-04")
    'its of ae within 4 hours pct, from 2016-04'
    """
    parts = ref.split(":")
    words = {"governance": lambda: " ".join(parts[2:]),
             "qca": lambda: f"{parts[2]} ({parts[1]} solution)",
             "indicator": lambda: parts[1],
             "impact": lambda: f"{parts[1]} of {parts[3]}"
                               + (f", from {parts[4]}" if len(parts) == 5 else "")}
    return words.get(parts[0], lambda: ref)().replace("_", " ")


def anchor_link(anchor: str) -> str:
    """A report anchor as a markdown link to the report page.

    >>> anchor_link("05_impact#fig-5-2")
    '[Figure 5.2](05_impact.html#fig-5-2)'
    """
    m = _ANCHOR.match(anchor)
    if m is None:
        raise CaseStudyError(f"{anchor!r} is not a report anchor like 05_impact#fig-5-2")
    kind = "Figure" if m["kind"] == "fig" else "Table"
    return f"[{kind} {int(m['n'])}.{m['m']}]({m['nb']}.html#{m['kind']}-{m['n']}-{m['m']})"


def _ref_problem(ref: Ref, known: Known) -> str | None:
    """Why ``ref`` does not resolve against ``known`` (None when it does)."""
    parts = ref.ref.split(":")
    if ref.strand == "governance":
        if len(parts) not in (3, 4):
            return "expected governance:<CASE>:<measure> or governance:<CASE>:<measure>:<body>"
        m = known.measures
        hit = (m["case"].astype("string") == parts[1]) & (m["measure"] == parts[2])
        if len(parts) == 4:
            hit &= m["body"].astype("string") == parts[3] if "body" in m else False
        if not hit.any():
            have = ", ".join(sorted(set(m.loc[m["case"].astype("string") == parts[1],
                                              "measure"].astype(str)))) or "none"
            return f"no governance measure {':'.join(parts[1:])}; measures of " \
                   f"{parts[1]}: {have}"
    elif ref.strand == "configurations":
        if len(parts) != 3 or parts[1] not in QCA_SOLUTIONS:
            return f"expected qca:<solution>:<term> with solution one of " \
                   f"{', '.join(QCA_SOLUTIONS)}"
        terms = known.qca_terms.loc[known.qca_terms["solution"] == parts[1], "term"]
        if parts[2] not in set(terms):
            return f"term {parts[2]!r} is not in the {parts[1]} solution (terms: " \
                   f"{', '.join(dict.fromkeys(terms))})"
    elif ref.strand == "context":
        if len(parts) != 2 or parts[1] not in known.indicators:
            return f"expected indicator:<id> with an id of data/raw/indicators.csv " \
                   f"({', '.join(sorted(known.indicators))})"
    elif ref.strand == "impact":
        if len(parts) not in (4, 5) or parts[1] not in IMPACT_METHODS:
            return f"expected impact:<method>:<dataset>:<indicator>[:<YYYY-MM>] with " \
                   f"method one of {', '.join(IMPACT_METHODS)}"
        s = known.series
        row = s[(s["dataset"] == parts[2]) & (s["indicator"] == parts[3])]
        if row.empty:
            return f"no series {parts[3]!r} in dataset {parts[2]!r} (series: " \
                   f"{', '.join(s['dataset'] + ':' + s['indicator'])})"
        if len(parts) == 5:
            try:
                month = pd.Timestamp(f"{parts[4]}-01")
            except ValueError:
                return f"intervention month {parts[4]!r} is not YYYY-MM"
            if not row["first"].iloc[0] < month <= row["last"].iloc[0]:
                return f"intervention month {parts[4]} is outside the series " \
                       f"({row['first'].iloc[0]:%Y-%m} to {row['last'].iloc[0]:%Y-%m})"
    if ref.shown_in is None:
        return "no report anchor: expected the reference followed by @NN_name#fig-N-M " \
               "or @NN_name#tbl-N-M"
    m = _ANCHOR.match(ref.shown_in)
    if m is None:
        return f"anchor {ref.shown_in!r} is not like 05_impact#fig-5-2 or 06_governance#tbl-6-1"
    if m["nb"] not in known.notebooks:
        return f"anchor {ref.shown_in!r} names notebook {m['nb']!r}, which does not exist " \
               f"(notebooks: {', '.join(sorted(known.notebooks))})"
    if int(m["n"]) != int(m["num"]):
        return f"anchor {ref.shown_in!r}: report {m['nb']} numbers its figures and tables " \
               f"{int(m['num'])}.M, not {m['n']}.M"
    return None


# --------------------------------------------------------------------------- validation

def check(frame: pd.DataFrame, known: Known, *, file: str = FILE) -> pd.DataFrame:
    """``frame`` checked against the lessons contract and ``known``; returned with columns
    in order. Every problem is collected and raised as one ``DataValidationError`` naming
    ``file``, row (the header is row 1), column, the value found and what was expected.
    Nothing is returned half-checked.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError([Problem(file, "missing-column", f"expected column {c!r} "
                                           "is missing", row=1, column=c) for c in missing])
    frame = frame.loc[:, list(COLUMNS)].reset_index(drop=True).astype("string")
    frame = frame.apply(lambda col: col.str.strip().replace("", pd.NA))
    segments = known.evidence.set_index(known.evidence["segment_id"].astype(str))
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, row in frame.iterrows():
        def bad(column: str, message: str, rule: str = "reference", row_no: int = int(i) + 2
                ) -> None:
            problems.append(Problem(file, rule, message, row=row_no, column=column))

        for col in ("lesson_id", "statement", "audience", "tier", "holds_in", "condition",
                    "england", "source_id", "status"):
            if pd.isna(row[col]):
                bad(col, f"{col!r} is empty", "required")
        lid = row["lesson_id"]
        if not pd.isna(lid):
            if lid in seen:
                bad("lesson_id", f"lesson_id {lid!r} appears more than once", "unique")
            seen.add(lid)
        for col, allowed in (("audience", AUDIENCES), ("tier", TIERS), ("england", ENGLAND),
                             ("status", (STATUS,))):
            if not pd.isna(row[col]) and row[col] not in allowed:
                bad(col, f"{row[col]!r} is not allowed: expected one of "
                    f"{'; '.join(allowed)}", "enum")
        holds, fails = _split(row["holds_in"]), _split(row["not_in"])
        for col, codes in (("holds_in", holds), ("not_in", fails)):
            for code in codes:
                if code not in cases.codes():
                    bad(col, f"unknown case {code!r}: expected case codes from "
                        f"{', '.join(cases.codes())}, ';'-separated", "enum")
        for code in sorted(set(holds) & set(fails)):
            bad("not_in", f"case {code!r} is in both holds_in and not_in", "constraint")
        cited: list[str] = []
        for col in ("evidence_for", "evidence_against"):
            for seg in _split(row[col]):
                if seg not in segments.index:
                    bad(col, f"segment {seg!r} is not in {known.evidence_file}")
                else:
                    cited += sources.split_ids(str(segments.loc[seg, "source_id"]))
        for col in ("results_for", "results_against"):
            for entry in _split(row[col]):
                try:
                    ref = parse_ref(entry)
                except CaseStudyError as exc:
                    bad(col, str(exc))
                    continue
                why = _ref_problem(ref, known)
                if why:
                    bad(col, f"{entry!r}: {why}")
        strands = _strands(row)
        if len(strands["for"]) < 2:
            bad("results_for", f"the lesson rests on {len(strands['for'])} strand(s) "
                f"({', '.join(strands['for']) or 'none'}): expected support from at least "
                f"two of {', '.join(STRANDS)}", "strands")
        want = sorted(set(cited))
        got = sorted(sources.split_ids([row["source_id"]]))
        if got and got != want:
            bad("source_id", f"source_id {row['source_id']!r} should list exactly the sources "
                f"of the lesson's segments: {_SEP.join(want) or '(none)'}", "source-id")
    if problems:
        raise DataValidationError(problems)
    return frame


def _strands(row: pd.Series) -> dict[str, list[str]]:
    """Strands with references ``for`` and ``against`` the lesson of ``row``."""
    out: dict[str, list[str]] = {}
    for stance in ("for", "against"):
        found = {"evidence"} if _split(row[f"evidence_{stance}"]) else set()
        for entry in _split(row[f"results_{stance}"]):
            prefix = entry.split(":", 1)[0]
            if prefix in _PREFIX:
                found.add(_PREFIX[prefix])
        out[stance] = [s for s in STRANDS if s in found]
    return out


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class JointDisplay:
    """Lessons by strands with the support in each cell (see the module docstring)."""

    cells: pd.DataFrame
    statements: pd.Series = field(repr=False)

    def table(self) -> pd.DataFrame:
        """Tidy: ``lesson_id``, ``strand``, ``n_for``, ``n_against``, ``support``,
        ``refs_for``, ``refs_against`` (``;``-joined)."""
        return self.cells.copy()

    def matrix(self) -> pd.DataFrame:
        """Lessons down, strands across; each cell "3 for", "2 for, 1 against" or "–"."""
        def text(r) -> str:
            parts = [f"{r.n_for} for"] if r.n_for else []
            parts += [f"{r.n_against} against"] if r.n_against else []
            return ", ".join(parts) or "–"

        wide = (self.cells.assign(cell=[text(r) for r in self.cells.itertuples()])
                .pivot(index="lesson_id", columns="strand", values="cell")
                .reindex(columns=list(STRANDS)))
        wide.columns.name = None
        return wide.reindex(self.statements.index)

    def describe(self) -> str:
        """The display in words, lesson by lesson (for alt text): each strand that is not
        silent, with its support and references for and against.

        >>> cells = pd.DataFrame({"lesson_id": ["L01"], "strand": ["impact"],
        ...     "n_for": [0], "n_against": [1], "support": ["dissonance"]})
        >>> JointDisplay(cells, pd.Series(["x"], index=["L01"])).describe()
        'L01: impact dissonance (0 for, 1 against).'
        """
        parts = []
        for lid, grp in self.cells.groupby("lesson_id", sort=False):
            said = [f"{r.strand} {r.support} ({r.n_for} for, {r.n_against} against)"
                    for r in grp.itertuples() if r.support != "silence"]
            parts.append(f"{lid}: {'; '.join(said) or 'no strand'}.")
        return " ".join(parts)

    def plot(self, *, ax=None):
        """The joint display as a grid: colour and hatch by support, counts in each cell."""
        from casestudy.plots.synthesis import joint_display_grid

        return joint_display_grid(self.cells, ax=ax)

    def __repr__(self) -> str:
        return f"JointDisplay({len(self.statements)} lessons x {len(STRANDS)} strands)\n" + \
            self.matrix().to_string()

    def _repr_html_(self) -> str:
        from casestudy.qual.analysis import evidence_html

        return evidence_html(self.matrix())


@dataclass(frozen=True)
class Trail:
    """The evidence trail of one lesson: its segments (texts, sources) and its results with
    the report figures and tables that show them."""

    lesson: pd.Series
    segments: pd.DataFrame
    results: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """Tidy, one row per reference: ``stance``, ``strand``, ``ref``, ``label`` (a short
        name that wraps, see ``short_label``), ``case``, ``tier``, ``perspective``, ``text``
        (segment text or the result's value), ``source_id``,
        ``shown_in`` (a markdown link to the report anchor, or to report 03 for segments)."""
        return pd.concat([self.segments, self.results], ignore_index=True)

    def plot(self, *, ax=None):
        """References for (right) and against (left) per strand."""
        from casestudy.plots.synthesis import trail_bars

        return trail_bars(self.table(), ax=ax, title=f"{self.lesson['lesson_id']}")

    def __repr__(self) -> str:
        lines = [f"{self.lesson['lesson_id']}: {self.lesson['statement']}",
                 f"  ({STATUS})", f"  Why: {self.lesson['rationale']}"]
        for r in self.table().itertuples():
            lines.append(f"  [{r.stance}] {r.strand} {r.ref}: {r.text}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def esc(v: object) -> str:
            return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else \
                html.escape(str(v))

        def link(md: object) -> str:
            m = re.fullmatch(r"\[(.+?)\]\((.+?)\)", str(md)) if isinstance(md, str) else None
            return f'<a href="{esc(m[2])}">{esc(m[1])}</a>' if m else esc(md)

        rows = "".join(
            f"<tr><td>{esc(r.stance)}</td><td>{esc(r.strand)}</td><td>{esc(r.ref)}</td>"
            f"<td>{esc(r.text)}</td><td>{esc(r.source_id)}</td><td>{link(r.shown_in)}</td></tr>"
            for r in self.table().itertuples())
        return (f"<p><strong>{esc(self.lesson['lesson_id'])}</strong>: "
                f"{esc(self.lesson['statement'])} <em>({esc(STATUS)})</em></p>"
                f"<p>{esc(self.lesson['rationale'])}</p>"
                '<table class="dataframe evidence"><thead><tr><th>stance</th><th>strand</th>'
                "<th>reference</th><th>text or value</th><th>sources</th><th>shown in</th>"
                f"</tr></thead><tbody>{rows}</tbody></table>")


@dataclass(frozen=True)
class Lessons:
    """The checked lessons table with the views of the synthesis: ``table()``,
    ``links()``, ``joint_display()``, ``strength()``, ``trail(id)``, ``transfer()``,
    ``by_audience_and_tier()``."""

    frame: pd.DataFrame
    known: Known = field(repr=False)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, known: Known, *, file: str = FILE) -> Lessons:
        """Check ``frame`` (see ``check``) and wrap it."""
        return cls(check(frame, known, file=file), known)

    def table(self) -> pd.DataFrame:
        """One row per lesson, columns as ``COLUMNS``; audience and tier as ordered
        categoricals."""
        out = self.frame.copy()
        out["audience"] = pd.Categorical(out["audience"], categories=list(AUDIENCES),
                                         ordered=True)
        out["tier"] = pd.Categorical(out["tier"], categories=list(TIERS), ordered=True)
        return out

    def links(self) -> pd.DataFrame:
        """Tidy, one row per reference: ``lesson_id``, ``strand``, ``stance``, ``ref``,
        ``shown_in`` (the report anchor; missing for segments)."""
        return self._links.copy()

    @cached_property
    def _links(self) -> pd.DataFrame:
        rows = []
        for r in self.frame.itertuples(index=False):
            for stance in ("for", "against"):
                for seg in _split(getattr(r, f"evidence_{stance}")):
                    rows.append({"lesson_id": r.lesson_id, "strand": "evidence",
                                 "stance": stance, "ref": seg, "shown_in": pd.NA})
                for entry in _split(getattr(r, f"results_{stance}")):
                    ref = parse_ref(entry)
                    rows.append({"lesson_id": r.lesson_id, "strand": ref.strand,
                                 "stance": stance, "ref": ref.ref, "shown_in": ref.shown_in})
        return pd.DataFrame(rows, columns=["lesson_id", "strand", "stance", "ref", "shown_in"])

    def joint_display(self) -> JointDisplay:
        """Every lesson by every strand, with counts for and against and the support."""
        refs = {key: grp["ref"].tolist() for key, grp in
                self._links.groupby(["lesson_id", "strand", "stance"], sort=False)}
        rows = []
        for lid in self.frame["lesson_id"]:
            for strand in STRANDS:
                pro = refs.get((lid, strand, "for"), [])
                con = refs.get((lid, strand, "against"), [])
                support = _SUPPORT_OF[(bool(pro), bool(con))]
                rows.append({"lesson_id": lid, "strand": strand, "n_for": len(pro),
                             "n_against": len(con), "support": support,
                             "refs_for": _SEP.join(pro), "refs_against": _SEP.join(con)})
        statements = self.frame.set_index("lesson_id")["statement"]
        return JointDisplay(cells=pd.DataFrame(rows), statements=statements)

    def strength(self) -> pd.DataFrame:
        """Triangulation strength per lesson, strongest first.

        ``strands_for`` counts strands with any reference for the lesson, ``strands_against``
        strands with any against (a strand in partial agreement counts in both);
        ``agreement``, ``partial``, ``dissonance``, ``silence`` count strands by support;
        ``refs_for`` and ``refs_against`` count references. ``score`` weighs the strands as
        a convergence coding matrix does: agreement + ½ partial agreement − dissonance
        (silence adds nothing); ties are broken by refs_for − refs_against, then lesson id.
        The weights are the project's convention: no standard tool scores triangulation.
        """
        cells = self.joint_display().cells
        rows = []
        for lid, grp in cells.groupby("lesson_id", sort=False):
            sup = grp["support"].value_counts()
            rows.append({"lesson_id": lid,
                         "strands_for": int((grp["n_for"] > 0).sum()),
                         "strands_against": int((grp["n_against"] > 0).sum()),
                         "agreement": int(sup.get("agreement", 0)),
                         "partial": int(sup.get("partial agreement", 0)),
                         "dissonance": int(sup.get("dissonance", 0)),
                         "silence": int(sup.get("silence", 0)),
                         "refs_for": int(grp["n_for"].sum()),
                         "refs_against": int(grp["n_against"].sum())})
        out = pd.DataFrame(rows)
        out["score"] = out["agreement"] + 0.5 * out["partial"] - out["dissonance"]
        out["_net"] = out["refs_for"] - out["refs_against"]
        out = out.sort_values(["score", "_net", "lesson_id"], ascending=[False, False, True],
                              kind="stable").drop(columns="_net").reset_index(drop=True)
        out.insert(1, "statement", out["lesson_id"].map(
            self.frame.set_index("lesson_id")["statement"]))
        out.insert(len(out.columns), "rank", range(1, len(out) + 1))
        return out

    def trail(self, lesson_id: str) -> Trail:
        """The segments and results behind one lesson, for and against."""
        rows = self.frame[self.frame["lesson_id"] == lesson_id]
        if rows.empty:
            raise CaseStudyError(f"no lesson {lesson_id!r}; lessons: "
                                 f"{', '.join(self.frame['lesson_id'])}")
        lesson = rows.iloc[0]
        links = self._links[self._links["lesson_id"] == lesson_id]
        ev = self.known.evidence.set_index(self.known.evidence["segment_id"].astype(str))
        seg_rows, res_rows = [], []
        for r in links.itertuples(index=False):
            if r.strand == "evidence":
                seg = ev.loc[r.ref]
                seg_rows.append({"stance": r.stance, "strand": "evidence", "ref": r.ref,
                                 "label": r.ref, "case": str(seg["case"]), "tier": str(seg["tier"]),
                                 "perspective": _get(seg, "perspective"),
                                 "text": str(seg["text"]), "source_id": str(seg["source_id"]),
                                 "shown_in": "[Report 3](03_evidence.html)"})
            else:
                res_rows.append({"stance": r.stance, "strand": r.strand, "ref": r.ref,
                                 "label": short_label(r.ref), "case": _ref_case(r.ref),
                                 "tier": pd.NA, "perspective": pd.NA, "text": self._describe(r.ref),
                                 "source_id": pd.NA, "shown_in": anchor_link(r.shown_in)})
        cols = ["stance", "strand", "ref", "label", "case", "tier", "perspective", "text",
                "source_id", "shown_in"]
        return Trail(lesson=lesson, segments=pd.DataFrame(seg_rows, columns=cols),
                     results=pd.DataFrame(res_rows, columns=cols))

    def contrary(self) -> pd.DataFrame:
        """Everything that goes against a lesson, in one table: ``lesson_id`` and the
        columns of ``Trail.table()`` for its references against."""
        frames = [self.trail(lid).table().query("stance == 'against'")
                  .assign(lesson_id=lid) for lid in self.frame["lesson_id"]]
        out = pd.concat(frames, ignore_index=True)
        return out[["lesson_id", *[c for c in out.columns if c != "lesson_id"]]]

    def _describe(self, ref: str) -> str:
        """The value behind a result reference, in words."""
        parts = ref.split(":")
        if parts[0] == "governance":
            m = self.known.measures
            hit = (m["case"].astype("string") == parts[1]) & (m["measure"] == parts[2])
            if len(parts) == 4:
                hit &= m["body"].astype("string") == parts[3]
            values = [f"{v:g}" if isinstance(v, float) else str(v) for v in m.loc[hit, "value"]]
            return f"{parts[2]} = {'; '.join(values)} ({cases.label(parts[1])})"
        if parts[0] == "qca":
            t = self.known.qca_terms
            row = t[(t["solution"] == parts[1]) & (t["term"] == parts[2])].iloc[0]
            extra = "".join(f", {k} {row[k]:.2f}" for k in ("inclS", "covS") if k in row)
            return f"{parts[2]} in the {parts[1]} solution{extra} (ILLUSTRATIVE CODING)"
        if parts[0] == "indicator":
            from casestudy.indicators import TITLES

            return f"{TITLES.get(parts[1], parts[1])} (context indicator {parts[1]})"
        method = {"its": "interrupted time series", "controlled_its": "controlled interrupted "
                  "time series", "did": "difference-in-differences",
                  "spc": "control chart (SPC)"}[parts[1]]
        when = f", intervention {parts[4]}" if len(parts) == 5 else ""
        return f"{method} of {parts[3]} in {parts[2]}{when}"

    def transfer(self) -> pd.DataFrame:
        """Which lessons transfer to England: those that hold in at least one other case
        under a condition England has or could have. Columns ``lesson_id``, ``statement``,
        ``audience``, ``tier``, ``holds_in_other``, ``not_in``, ``condition``,
        ``england``, ``transfers``."""
        out = self.table()[["lesson_id", "statement", "audience", "tier", "holds_in",
                            "not_in", "condition", "england"]].copy()
        out["holds_in_other"] = [
            _SEP.join(c for c in cases.order(_split(v)) if c != "ENG") for v in out["holds_in"]]
        out["transfers"] = (out["holds_in_other"] != "") & out["england"].isin(
            ["has", "could have"])
        cols = ["lesson_id", "statement", "audience", "tier", "holds_in_other", "not_in",
                "condition", "england", "transfers"]
        return out[cols].reset_index(drop=True)

    def by_audience_and_tier(self) -> pd.DataFrame:
        """Lessons per audience (rows) and tier (columns), every level shown."""
        return pd.crosstab(self.table()["audience"], self.table()["tier"], dropna=False)

    def plot(self, *, ax=None):
        """The joint display's grid (``joint_display().plot()``)."""
        return self.joint_display().plot(ax=ax)

    def __repr__(self) -> str:
        lines = [f"Lessons: {len(self.frame)} ({STATUS})"]
        lines += [f"  {r.lesson_id} [{r.audience}; {r.tier}] {r.statement}"
                  for r in self.frame.itertuples()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from casestudy.qual.analysis import evidence_html

        shown = self.table().set_index("lesson_id")[["statement", "audience", "tier",
                                                     "holds_in", "not_in", "condition"]]
        return f"<p><em>{html.escape(STATUS)}</em></p>" + evidence_html(shown)


def _get(row: pd.Series, col: str) -> Any:
    return row[col] if col in row.index else pd.NA


def _ref_case(ref: str) -> Any:
    parts = ref.split(":")
    return parts[1] if parts[0] == "governance" else pd.NA


def load_lessons(raw: Path | None = None, *, known: Known | None = None) -> Lessons:
    """``data/raw/lessons.csv`` validated against the manifest and then against what it
    references (segments, governance measures, QCA terms, indicators, series, notebooks).
    """
    frame = data.load("lessons", raw)
    return Lessons.from_frame(frame, known or Known.from_project())


def example_lesson(**changes: str) -> dict[str, str]:
    """One valid lesson row for ``Known.example()`` (for examples and tests)."""
    row = {"lesson_id": "L01",
           "statement": "Delegate budgets to the joint body, with hospital money in them.",
           "audience": "national policymakers", "tier": "local-strategic",
           "holds_in": "SCO", "not_in": "", "condition": "a statutory joint body",
           "england": "could have", "evidence_for": "SCO-1", "evidence_against": "SCO-2",
           "results_for": "governance:SCO:pooled_budget_holder@06_governance#tbl-6-1",
           "results_against": "", "rationale": "Hand-made example.", "source_id": "S1;S3",
           "status": STATUS}
    row.update(changes)
    return row


__all__ = ["AUDIENCES", "COLUMNS", "ENGLAND", "STATUS", "STRANDS", "SUPPORT", "JointDisplay",
           "Known", "Lessons", "Ref", "Trail", "anchor_link", "check", "example_lesson",
           "load_lessons", "parse_ref", "qca_terms", "short_label"]
