"""What a REFI-QDA import returns: ``QdaProject`` (a project's tidy tables, its evidence
table, its summary) and ``QdaCodebook`` (a codebook's codes and sets), each with a readable
``__repr__`` and an escaped, deterministic ``_repr_html_`` for JupyterLab.

The readers that build them are in ``casestudy.qual.refi``.

>>> book = QdaCodebook(origin="x", codes=pd.DataFrame({"is_codable": [True]}),
...                    sets=pd.DataFrame({"set_guid": []}))
>>> book
QdaCodebook (origin 'x')
  codes     1 (1 codable)
  sets      0
  warnings  0
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from casestudy.errors import DataValidationError, Problem
from casestudy.qual._io import warn_import
from casestudy.qual.evidence import COLUMNS, as_evidence
from casestudy.qual.spreadsheets import _case_sheet

CODE_COLUMNS = ["code_guid", "name", "code", "parent_guid", "is_codable", "color",
                "description"]
SET_COLUMNS = ["set_guid", "set", "member_kind", "member_guid", "member"]
CODING_COLUMNS = ["coding_guid", "selection_guid", "source_guid", "source", "code_guid",
                  "code", "selection_kind", "start", "end", "page", "first_x", "first_y",
                  "second_x", "second_y", "begin_ms", "end_ms", "text", "coder"]
INT_COLUMNS = ["start", "end", "page", "first_x", "first_y", "second_x", "second_y",
               "begin_ms", "end_ms"]
#: Key under which a source's REFI case name is kept among its attributes.
CASE_NAME = "\x00refi-case"


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, plural when the count is not one (``1 coding``, ``4 codings``)."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


# --------------------------------------------------------------------------- result

def _summary_html(title: str, subtitle: str, rows: list[tuple[str, int, str]],
                  messages: list[str]) -> str:
    """An escaped, deterministic summary: a heading, a count table, the warnings."""
    body = "".join(f"<tr><th scope=\"row\">{html.escape(what)}</th>"
                   f"<td style=\"text-align:right\">{n:,}</td><td>{html.escape(detail)}</td></tr>"
                   for what, n, detail in rows)
    out = [f'<div class="cs-qda"><p><strong>{html.escape(title)}</strong> '
           f"{html.escape(subtitle)}</p>",
           f"<table><thead><tr><th scope=\"col\">Part</th><th scope=\"col\">Count</th>"
           f"<th scope=\"col\">Detail</th></tr></thead><tbody>{body}</tbody></table>"]
    if messages:
        items = "".join(f"<li>{html.escape(m)}</li>" for m in messages)
        out.append(f"<details><summary>{plural(len(messages), 'import warning')}</summary>"
                   f"<ol>{items}</ol></details>")
    out.append("</div>")
    return "".join(out)


def _summary_text(title: str, rows: list[tuple[str, int, str]]) -> str:
    width = max(len(str(n)) for _, n, _ in rows)
    lines = [title] + [f"  {what:<9} {n:>{width}}{f' ({detail})' if detail else ''}"
                       for what, n, detail in rows]
    return "\n".join(lines)


@dataclass
class QdaProject:
    """A REFI-QDA project as tidy tables.

    Attributes:
        name, origin: the project's ``name`` and ``origin`` attributes.
        offset_unit: ``"codepoint"`` or ``"utf16"``, as written in the project's text
            selections (``start``/``end`` in ``codings`` are converted to code points).
        codes: one row per code: ``code_guid``, ``name``, ``code`` (the path, levels joined
            by ``/``), ``parent_guid``, ``is_codable``, ``color``, ``description``.
        sources: one row per source: ``source_guid``, ``source``, ``kind`` (text, pdf,
            picture, audio, video), ``path``, ``read`` (whether its text, or the text
            representation of a PDF or picture, was read), ``n_chars``.
        cases: one row per case membership: ``case_guid``, ``case``, ``source_guid``,
            ``source`` (a case without sources has one row with those missing).
        variables: long table of attribute values: ``owner_kind`` (case, source or set),
            ``owner_guid``, ``owner``, ``variable``, ``value``, ``type``.
        sets: one row per set member: ``set_guid``, ``set``, ``member_kind`` (code,
            source, note), ``member_guid``, ``member``; a set without members has one row
            with the member columns empty.
        codings: one row per coding, every one in the file: ``coding_guid``,
            ``selection_guid`` (empty for a coding of a whole source), ``source_guid``,
            ``source``, ``code_guid``, ``code`` (empty where the codebook lacks the code),
            ``selection_kind`` (``text``, ``source``, ``pdf-text``, ``pdf-region``,
            ``picture-text``, ``picture-region``, ``audio``, ``video``, ``transcript``),
            ``start``, ``end`` (character offsets, end exclusive: code points where the
            text was read; as written, in ``offset_unit``, where it was not), ``page``,
            ``first_x``, ``first_y``, ``second_x``, ``second_y`` (PDF and picture regions),
            ``begin_ms``, ``end_ms`` (audio, video, transcript), ``text`` (the quote sliced
            from the source; NaN where there is none) and ``coder``.
        import_warnings: what the import could not read, as warned.

    ``table()`` is the codings table; ``counts()`` the summary shown in JupyterLab.
    """

    name: str
    origin: str
    offset_unit: str
    codes: pd.DataFrame
    sources: pd.DataFrame
    cases: pd.DataFrame
    variables: pd.DataFrame
    sets: pd.DataFrame
    codings: pd.DataFrame
    import_warnings: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """The codings, one row per coding (see the class docstring)."""
        return self.codings

    def counts(self) -> pd.DataFrame:
        """How much the project holds: columns ``part``, ``count``, ``detail``."""
        read = int(self.sources["read"].fillna(False).astype(bool).sum())
        no_quote = int(self.codings["text"].isna().sum())
        rows = [("sources", len(self.sources), f"{read:,} with text read"),
                ("codes", len(self.codes), ""),
                ("codings", len(self.codings), f"{no_quote:,} without quotes"),
                ("cases", self.cases["case_guid"].nunique(), ""),
                ("sets", self.sets["set_guid"].nunique(), ""),
                ("warnings", len(self.import_warnings), "")]
        return pd.DataFrame(rows, columns=["part", "count", "detail"])

    def _rows(self) -> list[tuple[str, int, str]]:
        return [(r.part, int(r.count), r.detail) for r in self.counts().itertuples()]

    def __repr__(self) -> str:
        return _summary_text(f"QdaProject {self.name!r} (origin {self.origin!r}, offsets "
                             f"{self.offset_unit})", self._rows())

    def _repr_html_(self) -> str:
        return _summary_html("REFI-QDA project", f"{self.name} (origin {self.origin!r}, "
                             f"offsets {self.offset_unit})", self._rows(),
                             self.import_warnings)

    def to_evidence(self, *, case_variable: str = "case", tier_variable: str = "tier",
                    direction_variable: str | None = None, source_id: str | None = None,
                    cases: pd.DataFrame | str | Path | None = None) -> pd.DataFrame:
        """The codings as an evidence table (see ``casestudy.qual.evidence``).

        The study case and tier of each coding come from the variables (of its source,
        or of a REFI case the source belongs to) named ``case_variable`` and
        ``tier_variable``; without a case variable, the name of the REFI case the source
        belongs to is used (a case code or name such as ``SCO`` or ``Scotland``). ``cases``
        is a case sheet (as ``read_codings`` takes it: a table or file with columns
        ``document``, the source name, and ``case`` and/or ``tier``) that fills what the
        project does not give. Direction is never guessed from code names: it comes from
        ``direction_variable`` when given. ``source_id`` fills the citation column (one
        id for the whole project).

        Codings without a quote (PDF and picture regions, audio, video, text not in the
        archive) or without a code name cannot be evidence: they are left out, with one
        warning counting them. A project where no coding has a case (or a tier) is
        refused with one error saying how to map them, rather than one per row.
        """
        file = f"{self.name} (REFI-QDA)"
        cod = self.codings
        usable = cod["text"].notna() & cod["code"].notna()
        if not usable.all():
            no_quote = int(cod["text"].isna().sum())
            no_code = int((cod["text"].notna() & cod["code"].isna()).sum())
            parts = ([f"{plural(no_quote, 'coding')} without a quote (PDF and picture "
                      "regions, audio, video and sources whose text is not in the archive "
                      "have none)"] if no_quote else []) + \
                ([f"{plural(no_code, 'coding')} without a code name (codes missing from the "
                  "codebook)"] if no_code else [])
            warn_import(f"{file}: {int((~usable).sum()):,} of {plural(len(cod), 'coding')} left "
                        f"out of the evidence table: {' and '.join(parts)}")
        attrs = self._source_attributes()
        sheet = (_case_sheet(cases, file).drop_duplicates("document").set_index("document")
                 if cases is not None else None)
        rows = []
        for c in cod[usable].itertuples(index=False):
            got = attrs.get(c.source_guid, {})
            row = {"segment_id": c.coding_guid,
                   "case": got.get(case_variable, got.get(CASE_NAME, pd.NA)),
                   "tier": got.get(tier_variable, pd.NA), "document": c.source,
                   "theme": c.code, "direction": got.get(direction_variable, pd.NA)
                   if direction_variable else pd.NA, "text": c.text,
                   "start": c.start, "end": c.end, "coder": c.coder, "source_id": source_id}
            if sheet is not None and c.source in sheet.index:
                for col in ("case", "tier"):
                    if col in sheet.columns and (pd.isna(row[col]) or row[col] == ""):
                        row[col] = sheet.at[c.source, col]
            rows.append(row)
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        self._check_mapped(frame, file, case_variable, tier_variable)
        return as_evidence(frame, file=file)

    def _check_mapped(self, frame: pd.DataFrame, file: str, case_variable: str,
                      tier_variable: str) -> None:
        """Refuse, once, a project where no coding has a case (or a tier)."""
        if frame.empty:
            return
        names = sorted(set(self.variables["variable"].dropna()))
        known = (f"variables with values in the project: {', '.join(map(repr, names))}"
                 if names else "the project has no variable values")
        problems = []
        if frame["case"].replace("", pd.NA).isna().all():
            how = ("none of its sources belongs to a REFI-QDA case" if
                   self.cases.dropna(subset=["source_guid"]).empty else
                   "its REFI-QDA cases hold none of the coded sources")
            problems.append(Problem(file, "no-cases", (
                f"the project has no cases for its {plural(len(frame), 'coding')}: {how}, and "
                f"no source or case has a variable {case_variable!r} ({known}); map them "
                "with case_variable='<variable holding NL, IT, SCO or ENG>' or with "
                "cases=<case sheet with columns document, case, tier>"), column="case"))
        if frame["tier"].replace("", pd.NA).isna().all():
            problems.append(Problem(file, "no-tiers", (
                f"no coding has a tier: no source or case has a variable {tier_variable!r} "
                f"({known}); map them with tier_variable='<variable>' or with "
                "cases=<case sheet with columns document, case, tier>"), column="tier"))
        if problems:
            raise DataValidationError(problems)

    def _source_attributes(self) -> dict[str, dict[str, str]]:
        """Variable values per source: the source's own, then those of its cases."""
        out: dict[str, dict[str, str]] = {}
        var = self.variables
        case_vals = var[var["owner_kind"] == "case"]
        for m in self.cases.dropna(subset=["source_guid"]).itertuples(index=False):
            vals = case_vals[case_vals["owner_guid"] == m.case_guid]
            got = out.setdefault(m.source_guid, {})
            got.setdefault(CASE_NAME, m.case)
            got.update(zip(vals["variable"], vals["value"], strict=True))
        own = var[var["owner_kind"].isin(["source", "set"])]
        for r in own.itertuples(index=False):
            out.setdefault(r.owner_guid, {})[r.variable] = r.value
        return out


@dataclass
class QdaCodebook:
    """A REFI-QDA codebook (``.qdc``): its codes and its sets.

    Attributes:
        origin: the codebook's ``origin`` attribute.
        codes: as ``QdaProject.codes``.
        sets: as ``QdaProject.sets`` (members are codes; an empty set has one row).
        import_warnings: what the import could not read, as warned.

    ``table()`` is the codes table.
    """

    origin: str
    codes: pd.DataFrame
    sets: pd.DataFrame
    import_warnings: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """The codes, one row per code."""
        return self.codes

    def _rows(self) -> list[tuple[str, int, str]]:
        codable = int(self.codes["is_codable"].sum())
        return [("codes", len(self.codes), f"{codable:,} codable"),
                ("sets", self.sets["set_guid"].nunique(), ""),
                ("warnings", len(self.import_warnings), "")]

    def __repr__(self) -> str:
        return _summary_text(f"QdaCodebook (origin {self.origin!r})", self._rows())

    def _repr_html_(self) -> str:
        return _summary_html("REFI-QDA codebook", f"(origin {self.origin!r})", self._rows(),
                             self.import_warnings)
