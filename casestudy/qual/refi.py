"""REFI-QDA readers (``.qdpx`` projects, ``.qdc`` codebooks) and a small ``.qdpx`` writer.

What the format is, as this module relies on it:

* The REFI-QDA Project Exchange standard (QDA-XML 1.0, schema ``Project-mrt2019.xsd``,
  namespace ``urn:QDA-XML:project:1.0``; codebooks ``Codebook.xsd``, namespace
  ``urn:QDA-XML:codebook:1.0``; www.qdasoftware.org, MIT licence). We read the schema as
  QualCoder ships it (``src/qualcoder/xsd.py``). A ``.qdpx`` is a zip holding one ``.qde``
  XML file and a sources folder. ``Project`` holds ``Users``, ``CodeBook/Codes/Code``
  (nested for hierarchy), ``Variables``, ``Cases`` (``SourceRef``, ``VariableValue``),
  ``Sources`` (``TextSource``, ``PDFSource``, ``PictureSource``, ``AudioSource``,
  ``VideoSource``), ``Sets`` (``MemberCode``, ``MemberSource``), ``Notes``, ``Links``,
  ``Graphs``. A ``TextSource`` has ``plainTextPath`` (or inline ``PlainTextContent``),
  ``PlainTextSelection`` elements with ``startPosition``/``endPosition`` and ``Coding``
  children pointing to a code with ``CodeRef/@targetGUID``, and may carry
  ``VariableValue`` itself. GUIDs may be written with braces and in either case.
* Offsets: the standard counts Unicode code points with an exclusive end; NVivo for
  Windows counts UTF-16 code units over the text with its BOM removed, so characters
  outside the Basic Multilingual Plane (emoji) count twice. The choice is made from the
  project's ``origin`` attribute and then checked against the selection's ``name``
  (tools store the start of the quoted text there); a mismatch is reported.
* Real exports differ from the standard in file names (``project.qde``,
  ``Project.qde``, ``<name>.qde``; ``sources/`` or ``Sources/``), path schemes
  (``internal://``, a bare ``<guid>.txt``, ``relative://`` against ``basePath``,
  ``absolute://``), namespaces (``1.0``, ``1:0``, ``0:4``: so elements are matched on
  their local names), hierarchy (nested codes, or flat names with ``::`` or ``\\``) and
  attributes (``Sets`` named ``attribute: value``).

Imported files are untrusted: XML is parsed with ``defusedxml`` (no entity expansion, no
external entities), zip entries with absolute paths or ``..`` are refused, archives over
the entry-count or uncompressed-size limits are refused (by declared size and again while
reading), and nothing is extracted to disk unless ``extract_to`` is given. Whatever cannot
be read (PDF, picture, audio and video sources, unknown elements, quotes that do not line
up) is reported as a ``QdaImportWarning``, never dropped silently.

>>> import tempfile, pathlib, pandas as pd
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.qdpx"
>>> _ = write_qdpx(path, sources=pd.DataFrame({"source": ["doc1"], "text": ["Trust grows."]}),
...                codings=pd.DataFrame({"source": ["doc1"], "code": ["culture/trust"],
...                                      "start": [0], "end": [5]}))
>>> project = read_qdpx(path)
>>> project.codings.loc[0, ["code", "text"]].tolist()
['culture/trust', 'Trust']
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from casestudy import data
from casestudy.errors import CaseStudyError, DataValidationError, Problem
from casestudy.qual._io import (
    MAX_ENTRIES,
    MAX_ENTRY_BYTES,
    MAX_TOTAL_BYTES,
    add_entry,
    check_zip,
    warn_import,
)
from casestudy.qual.evidence import COLUMNS, THEME_SEP, as_evidence, split_code_path

_KNOWN_PROJECT_CHILDREN = {"Users", "CodeBook", "Variables", "Cases", "Sources", "Notes",
                           "Links", "Sets", "Graphs", "Description", "NoteRef"}
_MEDIA_SOURCES = {"PDFSource": "pdf", "PictureSource": "picture", "AudioSource": "audio",
                  "VideoSource": "video"}
_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
               "DateTimeValue")
_ATTRIBUTE_SET = re.compile(r"^\s*([^:]+?)\s*:\s*(.+?)\s*$")
_CASE_NAME = "\x00refi-case"
_NS_DEMO = uuid.UUID("6f1c2a52-3d4e-5b6a-8c7d-9e0f1a2b3c4d")


# --------------------------------------------------------------------------- result

@dataclass
class QdaProject:
    """A REFI-QDA project as tidy tables.

    Attributes:
        name, origin: the project's ``name`` and ``origin`` attributes.
        offset_unit: ``"codepoint"`` or ``"utf16"``, as used to slice the quotes.
        codes: one row per code: ``code_guid``, ``name``, ``code`` (the path, levels joined
            by ``/``), ``parent_guid``, ``is_codable``, ``color``, ``description``.
        sources: one row per source: ``source_guid``, ``source``, ``kind`` (text, pdf,
            picture, audio, video), ``path``, ``read`` (whether its text was read),
            ``n_chars``.
        cases: one row per case membership: ``case_guid``, ``case``, ``source_guid``,
            ``source`` (a case without sources has one row with those missing).
        variables: long table of attribute values: ``owner_kind`` (case, source or set),
            ``owner_guid``, ``owner``, ``variable``, ``value``, ``type``.
        sets: one row per set member: ``set_guid``, ``set``, ``member_kind`` (code,
            source, note), ``member_guid``, ``member``.
        codings: one row per coding: ``coding_guid``, ``selection_guid``, ``source_guid``,
            ``source``, ``code_guid``, ``code``, ``start``, ``end`` (code points, end
            exclusive), ``text`` (sliced from the source), ``coder``.
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

    def to_evidence(self, *, case_variable: str = "case", tier_variable: str = "tier",
                    direction_variable: str | None = None, source_id: str | None = None,
                    ) -> pd.DataFrame:
        """The codings as an evidence table (see ``casestudy.qual.evidence``).

        The study case and tier of each coding come from the variables (of its source,
        or of a REFI case the source belongs to) named ``case_variable`` and
        ``tier_variable``; without a case variable, the name of the REFI case the source
        belongs to is used (a case code or name such as ``SCO`` or ``Scotland``). Direction is
        never guessed from code names: it comes from ``direction_variable`` when given.
        ``source_id`` fills the citation column (one id for the whole project).
        """
        attrs = self._source_attributes()
        rows = []
        for c in self.codings.itertuples(index=False):
            got = attrs.get(c.source_guid, {})
            rows.append({
                "segment_id": c.coding_guid,
                "case": got.get(case_variable, got.get(_CASE_NAME, pd.NA)),
                "tier": got.get(tier_variable, pd.NA), "document": c.source,
                "theme": c.code, "direction": got.get(direction_variable, pd.NA)
                if direction_variable else pd.NA, "text": c.text,
                "start": c.start, "end": c.end, "coder": c.coder, "source_id": source_id,
            })
        return as_evidence(pd.DataFrame(rows, columns=list(COLUMNS)),
                           file=f"{self.name} (REFI-QDA)")

    def _source_attributes(self) -> dict[str, dict[str, str]]:
        """Variable values per source: the source's own, then those of its cases."""
        out: dict[str, dict[str, str]] = {}
        var = self.variables
        case_vals = var[var["owner_kind"] == "case"]
        for m in self.cases.dropna(subset=["source_guid"]).itertuples(index=False):
            vals = case_vals[case_vals["owner_guid"] == m.case_guid]
            got = out.setdefault(m.source_guid, {})
            got.setdefault(_CASE_NAME, m.case)
            got.update(zip(vals["variable"], vals["value"], strict=True))
        own = var[var["owner_kind"].isin(["source", "set"])]
        for r in own.itertuples(index=False):
            out.setdefault(r.owner_guid, {})[r.variable] = r.value
        return out


# --------------------------------------------------------------------------- helpers

def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el: Element, name: str) -> Iterator[Element]:
    return (c for c in el if _local(c.tag) == name)


def _kid(el: Element, name: str) -> Element | None:
    return next(_kids(el, name), None)


def _grandkids(el: Element, name: str, child: str) -> list[Element]:
    """``el/name/child`` elements (none when ``name`` is absent)."""
    box = _kid(el, name)
    return [] if box is None else list(_kids(box, child))


def _text_of(el: Element, name: str) -> str | None:
    k = _kid(el, name)
    return None if k is None else (k.text or "")


def norm_guid(value: str | None) -> str | None:
    """A GUID in one spelling: braces stripped, lower case.

    >>> norm_guid("{0A1B2C3D-0000-4000-8000-00000000ABCD}")
    '0a1b2c3d-0000-4000-8000-00000000abcd'
    """
    if value is None:
        return None
    return value.strip().strip("{}").lower()


def _parse_xml(raw: bytes, label: str) -> Element:
    try:
        return SafeET.fromstring(raw)
    except DefusedXmlException as exc:
        raise DataValidationError(Problem(label, "unsafe-xml", (
            f"refused: the XML declares {type(exc).__name__.replace('Forbidden', '')} "
            "(entity declarations and external references are not allowed in imported "
            "files)"))) from None
    except ParseError as exc:
        line = getattr(exc, "position", (None, None))[0]
        raise DataValidationError(Problem(label, "malformed-xml", f"not well-formed XML: "
                                          f"{exc}", row=line)) from None


# --------------------------------------------------------------------------- the archive

class _Archive:
    """A zip opened for reading under the untrusted-input rules; nothing touches disk."""

    def __init__(self, path: Path, *, max_entries: int, max_total_bytes: int,
                 max_entry_bytes: int):
        self.label = str(path)
        self.max_entry_bytes = max_entry_bytes
        self.zf = check_zip(path, kind="qdpx", max_entries=max_entries,
                            max_total_bytes=max_total_bytes, max_entry_bytes=max_entry_bytes)
        self.files = {i.filename: i for i in self.zf.infolist() if not i.is_dir()}
        self.by_lower = {n.lower(): n for n in self.files}

    def read(self, name: str) -> bytes:
        info = self.files[name]
        # The declared size can lie; read at most one byte past it and refuse if more comes.
        try:
            with self.zf.open(info) as fh:
                content = fh.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            # zipfile stops at the declared size and then fails the CRC check.
            raise DataValidationError(Problem(self.label, "bad-entry", (
                f"refused: entry {name!r} cannot be read as declared ({exc}); the archive "
                "is damaged or its sizes are forged"))) from None
        if len(content) > info.file_size:
            raise DataValidationError(Problem(self.label, "too-large", (
                f"refused: entry {name!r} inflates past its declared size of "
                f"{info.file_size:,} bytes")))
        return content

    def find_qde(self) -> str:
        top = [n for n in self.files if "/" not in n.strip("/") and n.lower().endswith(".qde")]
        if not top:
            top = [n for n in self.files if n.lower().endswith(".qde")]
        if not top:
            raise DataValidationError(Problem(self.label, "no-qde", (
                "no .qde file in the archive: a .qdpx must hold project.qde (or "
                "<name>.qde) beside its sources folder")))
        for n in top:
            if n.lower() == "project.qde":
                return n
        if len(top) > 1:
            warn_import(f"{self.label}: several .qde files ({', '.join(sorted(top))}); reading "
                  f"{sorted(top)[0]}")
        return sorted(top)[0]

    @staticmethod
    def _key(name: str) -> str | None:
        """Lookup key of a file at the top or in the sources folder: its name with a GUID
        stem normalised (lower case, no braces); None for files elsewhere."""
        p = PurePosixPath(name.replace("\\", "/").lstrip("/").lower())
        if str(p.parent) not in (".", "sources"):
            return None
        stem, dot, ext = p.name.rpartition(".")
        return f"{norm_guid(stem)}.{ext}" if dot else p.name

    def find_source(self, ref: str) -> str | None:
        """The archive entry for a source file name, in ``sources/`` or ``Sources/``.

        GUID file names are matched case-insensitively and with or without braces.
        """
        ref = ref.replace("\\", "/").lstrip("/")
        if ref.lower() in self.by_lower:
            return self.by_lower[ref.lower()]
        key = self._key(ref)
        if key is None:
            return None
        for name in sorted(self.files):
            if self._key(name) == key:
                return name
        return None


def _decode_text(raw: bytes, label: str) -> str:
    """Text of a source file: UTF-8 (BOM removed) or UTF-16 with a BOM."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(Problem(label, "encoding", (
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8; REFI-QDA "
            "plain-text sources are UTF-8"))) from None


# --------------------------------------------------------------------------- offsets

def _utf16_to_codepoints(text: str, pos: int) -> int:
    """Code-point index of UTF-16 code-unit index ``pos`` in ``text``."""
    units = 0
    for i, ch in enumerate(text):
        if units >= pos:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def _matches(quote: str | None, sliced: str) -> bool | None:
    """Whether a selection's stored name agrees with the sliced text (None: no name)."""
    if not quote or not quote.strip():
        return None
    norm = " ".join(quote.split()).rstrip(".…")
    got = " ".join(sliced.split())
    if not norm:
        return None
    return got.startswith(norm) or (bool(got) and norm.startswith(got))


# --------------------------------------------------------------------------- reading

def _codes_from(codes_el: Element | None) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []

    def walk(el: Element, parent_guid: str | None, parent_path: list[str]) -> None:
        for code in _kids(el, "Code"):
            name = (code.get("name") or "").strip()
            parts = split_code_path(name) or [name]
            path = parent_path + parts
            guid = norm_guid(code.get("guid"))
            rows.append({"code_guid": guid, "name": parts[-1] if parts else name,
                         "code": THEME_SEP.join(path), "parent_guid": parent_guid,
                         "is_codable": (code.get("isCodable", "true").lower() != "false"),
                         "color": code.get("color"),
                         "description": _text_of(code, "Description")})
            walk(code, guid, path)

    if codes_el is not None:
        walk(codes_el, None, [])
    return pd.DataFrame(rows, columns=["code_guid", "name", "code", "parent_guid",
                                       "is_codable", "color", "description"])


def _find_codes(root: Element) -> Element | None:
    if _local(root.tag) == "Codes":
        return root
    book = root if _local(root.tag) == "CodeBook" else _kid(root, "CodeBook")
    return None if book is None else _kid(book, "Codes")


def _variable_value(el: Element, variables: dict[str, tuple[str, str]]
                    ) -> tuple[str, str, str] | None:
    ref = _kid(el, "VariableRef")
    guid = norm_guid(ref.get("targetGUID")) if ref is not None else None
    name, vtype = variables.get(guid or "", (None, None))
    if name is None:
        return None
    for tag in _VALUE_TAGS:
        val = _text_of(el, tag)
        if val is not None:
            return name, val.strip(), vtype or tag.removesuffix("Value").lower()
    return name, "", vtype or "text"


def read_qdc(path: str | Path, *, max_bytes: int = MAX_ENTRY_BYTES) -> pd.DataFrame:
    """Read a REFI-QDA codebook (``.qdc``) into a codes table (see ``QdaProject.codes``).

    Namespaces are ignored (codebooks are written as ``urn:QDA-XML:codebook:1.0``,
    ``1:0`` and ``0:4``); nested codes and flat names with ``::`` or ``\\`` give paths.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CaseStudyError(f"{path}: no such file") from None
    if size > max_bytes:
        raise DataValidationError(Problem(str(path), "too-large", (
            f"refused: {size:,} bytes, more than the limit of {max_bytes:,}")))
    root = _parse_xml(path.read_bytes(), str(path))
    if _local(root.tag) not in ("CodeBook", "Project"):
        raise DataValidationError(Problem(str(path), "not-a-codebook", (
            f"root element is <{_local(root.tag)}>, expected <CodeBook>")))
    codes = _find_codes(root)
    if codes is None:
        raise DataValidationError(Problem(str(path), "not-a-codebook", (
            "no <Codes> element under <CodeBook>")))
    return _codes_from(codes)


def read_qdpx(path: str | Path, *, offsets: str = "auto", external_root: str | Path | None
              = None, extract_to: str | Path | None = None, max_entries: int = MAX_ENTRIES,
              max_total_bytes: int = MAX_TOTAL_BYTES, max_entry_bytes: int = MAX_ENTRY_BYTES,
              ) -> QdaProject:
    """Read a REFI-QDA project exchange file (``.qdpx``) into tidy tables.

    Args:
        path: the ``.qdpx`` file.
        offsets: ``"auto"`` (NVivo projects count UTF-16 code units, others code points,
            each checked against the quotes), ``"codepoint"`` or ``"utf16"``.
        external_root: folder against which ``relative://`` sources missing from the
            archive are read; paths that leave it are refused. Without it such sources
            are reported and skipped. ``absolute://`` paths are never followed (only a
            copy inside the archive is used).
        extract_to: when given, the archive's files are also written under this folder
            (after the safety checks); otherwise nothing is written to disk.
        max_entries, max_total_bytes, max_entry_bytes: limits past which the archive is
            refused.

    Returns a ``QdaProject``. Raises ``DataValidationError`` for a malformed or unsafe
    archive; warns (``QdaImportWarning``) for what it cannot read.
    """
    if offsets not in ("auto", "codepoint", "utf16"):
        raise CaseStudyError(f"offsets must be 'auto', 'codepoint' or 'utf16', "
                             f"got {offsets!r}")
    path = Path(path)
    arc = _Archive(path, max_entries=max_entries, max_total_bytes=max_total_bytes,
                   max_entry_bytes=max_entry_bytes)
    with arc.zf:
        qde_name = arc.find_qde()
        label = f"{path}:{qde_name}"
        root = _parse_xml(arc.read(qde_name), label)
        if _local(root.tag) != "Project":
            raise DataValidationError(Problem(label, "not-a-project", (
                f"root element is <{_local(root.tag)}>, expected <Project>")))
        project = _read_project(root, arc, label, offsets=offsets,
                                external_root=Path(external_root) if external_root else None)
        if extract_to is not None:
            _extract(arc, Path(extract_to))
    return project


def _extract(arc: _Archive, target: Path) -> None:
    root = target.resolve()
    for name in sorted(arc.files):
        dest = (root / name).resolve()
        if not dest.is_relative_to(root):  # already refused in _Archive; belt and braces
            raise DataValidationError(Problem(arc.label, "unsafe-path",
                                              f"refused: {name!r} leaves {target}"))
        data.atomic_write(dest, arc.read(name))


def _read_project(root: Element, arc: _Archive, label: str, *, offsets: str,
                  external_root: Path | None) -> QdaProject:
    name = root.get("name") or Path(arc.label).stem
    origin = root.get("origin") or ""
    unknown = sorted({_local(c.tag) for c in root} - _KNOWN_PROJECT_CHILDREN)
    if unknown:
        warn_import(f"{label}: unknown element(s) under <Project> not read: {', '.join(unknown)}")
    for skipped in ("Notes", "Links", "Graphs"):
        el = _kid(root, skipped)
        if el is not None and len(el):
            warn_import(f"{label}: {len(el)} {skipped.lower()} not imported (notes, links and "
                  "graphs are outside the evidence table)")
    users = {norm_guid(u.get("guid")): (u.get("name") or u.get("id") or "")
             for u in _grandkids(root, "Users", "User")}
    codes = _codes_from(_find_codes(root))
    code_path = dict(zip(codes["code_guid"], codes["code"], strict=True))
    variables = {norm_guid(v.get("guid")): (v.get("name") or "", v.get("typeOfVariable")
                                            or "")
                 for v in _grandkids(root, "Variables", "Variable")}
    unit = offsets if offsets != "auto" else (
        "utf16" if "nvivo" in origin.lower() else "codepoint")

    src_rows: list[dict[str, Any]] = []
    var_rows: list[dict[str, Any]] = []
    coding_rows: list[dict[str, Any]] = []
    other_unit = {"codepoint": "utf16", "utf16": "codepoint"}[unit]
    tally = {"checked": 0, unit: 0, other_unit: 0, "mismatch": 0}
    sources_el = _kid(root, "Sources")
    for src in (sources_el if sources_el is not None else []):
        kind_tag = _local(src.tag)
        sguid = norm_guid(src.get("guid"))
        sname = src.get("name") or sguid or "?"
        for vv in _kids(src, "VariableValue"):
            got = _variable_value(vv, variables)
            if got:
                var_rows.append({"owner_kind": "source", "owner_guid": sguid, "owner": sname,
                                 "variable": got[0], "value": got[1], "type": got[2]})
        if kind_tag in _MEDIA_SOURCES:
            n_sel = sum(1 for c in src if _local(c.tag).endswith("Selection"))
            warn_import(f"{label}: {kind_tag} {sname!r} not read ({_MEDIA_SOURCES[kind_tag]} "
                  f"sources are not supported; {n_sel} selection(s) skipped)")
            src_rows.append({"source_guid": sguid, "source": sname,
                             "kind": _MEDIA_SOURCES[kind_tag], "path": src.get("path"),
                             "read": False, "n_chars": pd.NA})
            continue
        if kind_tag != "TextSource":
            warn_import(f"{label}: unknown source element <{kind_tag}> {sname!r} not read")
            continue
        text = _source_text(src, arc, label, sname, root.get("basePath"), external_root)
        src_rows.append({"source_guid": sguid, "source": sname, "kind": "text",
                         "path": src.get("plainTextPath"), "read": text is not None,
                         "n_chars": len(text) if text is not None else pd.NA})
        if text is None:
            continue
        for coding in _kids(src, "Coding"):  # a code applied to the whole source
            coding_rows += _coding_rows(coding, None, sguid, sname, 0, len(text), text,
                                        code_path, users, label)
        for sel in _kids(src, "PlainTextSelection"):
            try:
                s, e = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
            except ValueError:
                warn_import(f"{label}: selection {sel.get('guid')} in {sname!r} has no valid "
                      "startPosition/endPosition; skipped")
                continue
            spans = {"codepoint": (s, e), "utf16": (_utf16_to_codepoints(text, s),
                                                    _utf16_to_codepoints(text, e))}
            used = unit
            verdict = _matches(sel.get("name"), text[spans[unit][0]:spans[unit][1]])
            if verdict is not None:
                tally["checked"] += 1
                if verdict:
                    tally[unit] += 1
                elif _matches(sel.get("name"), text[spans[other_unit][0]:
                                                    spans[other_unit][1]]):
                    tally[other_unit] += 1
                    used = other_unit if offsets == "auto" else unit
                else:
                    tally["mismatch"] += 1
            cs, ce = spans[used]
            limit = len(text.encode("utf-16-le")) // 2 if used == "utf16" else len(text)
            if not (0 <= s <= e <= limit):
                warn_import(f"{label}: selection {sel.get('guid')} in {sname!r} spans {s}–{e}, "
                      f"outside the text ({limit} {used} units); skipped")
                continue
            for coding in _kids(sel, "Coding"):
                coding_rows += _coding_rows(coding, sel, sguid, sname, cs, ce, text,
                                            code_path, users, label)
    if tally[other_unit]:
        action = "used" if offsets == "auto" else "kept"
        warn_import(f"{label}: {tally[other_unit]} of {tally['checked']} quotes line up only when "
              f"offsets are read as {other_unit} rather than {unit} (origin "
              f"{origin!r}); {other_unit if offsets == 'auto' else unit} offsets {action} "
              "for those selections")
    if tally["mismatch"]:
        warn_import(f"{label}: {tally['mismatch']} of {tally['checked']} selections' stored names "
              f"do not match the text at their offsets; check the export")

    case_rows: list[dict[str, Any]] = []
    source_name = {r["source_guid"]: r["source"] for r in src_rows}
    for case in _grandkids(root, "Cases", "Case"):
        cguid = norm_guid(case.get("guid"))
        cname = case.get("name") or cguid
        refs = [norm_guid(r.get("targetGUID")) for r in _kids(case, "SourceRef")]
        for ref in refs or [None]:
            case_rows.append({"case_guid": cguid, "case": cname, "source_guid": ref,
                              "source": source_name.get(ref) if ref else None})
        for vv in _kids(case, "VariableValue"):
            got = _variable_value(vv, variables)
            if got:
                var_rows.append({"owner_kind": "case", "owner_guid": cguid, "owner": cname,
                                 "variable": got[0], "value": got[1], "type": got[2]})

    set_rows: list[dict[str, Any]] = []
    for st in _grandkids(root, "Sets", "Set"):
        gguid = norm_guid(st.get("guid"))
        gname = st.get("name") or ""
        attr = _ATTRIBUTE_SET.match(gname)
        for tag, kind, names in (("MemberCode", "code", code_path),
                                 ("MemberSource", "source", source_name),
                                 ("MemberNote", "note", {})):
            for m in _kids(st, tag):
                mguid = norm_guid(m.get("targetGUID") or m.get("guid"))
                set_rows.append({"set_guid": gguid, "set": gname, "member_kind": kind,
                                 "member_guid": mguid, "member": names.get(mguid)})
                # Tools without typed variables export attributes as sets "name: value".
                if attr and kind == "source":
                    var_rows.append({"owner_kind": "set", "owner_guid": mguid,
                                     "owner": names.get(mguid), "variable": attr[1],
                                     "value": attr[2], "type": "text"})

    return QdaProject(
        name=name, origin=origin, offset_unit=unit, codes=codes,
        sources=pd.DataFrame(src_rows, columns=["source_guid", "source", "kind", "path",
                                                "read", "n_chars"]),
        cases=pd.DataFrame(case_rows, columns=["case_guid", "case", "source_guid",
                                               "source"]),
        variables=pd.DataFrame(var_rows, columns=["owner_kind", "owner_guid", "owner",
                                                  "variable", "value", "type"]),
        sets=pd.DataFrame(set_rows, columns=["set_guid", "set", "member_kind",
                                             "member_guid", "member"]),
        codings=pd.DataFrame(coding_rows, columns=[
            "coding_guid", "selection_guid", "source_guid", "source", "code_guid", "code",
            "start", "end", "text", "coder"]).astype({"start": "Int64", "end": "Int64"}),
    )


def _coding_rows(coding: Element, sel: Element | None, sguid: str, sname: str, start: int,
                 end: int, text: str, code_path: dict[str, str], users: dict[str, str],
                 label: str) -> list[dict[str, Any]]:
    ref = _kid(coding, "CodeRef")
    cguid = norm_guid(ref.get("targetGUID")) if ref is not None else None
    if cguid not in code_path:
        warn_import(f"{label}: coding {coding.get('guid')} in {sname!r} points to unknown code "
              f"{cguid}; skipped")
        return []
    user = norm_guid(coding.get("creatingUser") or (sel.get("creatingUser") if sel is not None
                                                    else None))
    return [{"coding_guid": norm_guid(coding.get("guid")),
             "selection_guid": norm_guid(sel.get("guid")) if sel is not None else None,
             "source_guid": sguid, "source": sname, "code_guid": cguid,
             "code": code_path[cguid], "start": start, "end": end,
             "text": text[start:end], "coder": users.get(user, user)}]


def _source_text(src: Element, arc: _Archive, label: str, sname: str, base_path: str | None,
                 external_root: Path | None) -> str | None:
    inline = _text_of(src, "PlainTextContent")
    if inline is not None:
        return inline
    ref = src.get("plainTextPath")
    if not ref:
        warn_import(f"{label}: text source {sname!r} has neither plainTextPath nor "
              "PlainTextContent; skipped")
        return None
    scheme, sep, rest = ref.partition("://")
    if not sep:
        scheme, rest = "internal", ref
    scheme = scheme.lower()
    if scheme == "internal":
        entry = arc.find_source(rest)
    elif scheme in ("relative", "absolute"):
        # Some tools also copy externally referenced files into the archive.
        entry = arc.find_source(rest) or arc.find_source(PurePosixPath(
            rest.replace("\\", "/")).name)
    else:
        warn_import(f"{label}: text source {sname!r} has an unknown path scheme {ref!r}; skipped")
        return None
    if entry is not None:
        return _decode_text(arc.read(entry), f"{arc.label}:{entry}")
    if scheme == "relative" and external_root is not None:
        root = external_root.resolve()
        target = (root / rest).resolve()
        if not target.is_relative_to(root):
            raise DataValidationError(Problem(label, "unsafe-path", (
                f"refused: source {sname!r} path {ref!r} leaves {external_root}")))
        if target.is_file():
            if target.stat().st_size > arc.max_entry_bytes:
                raise DataValidationError(Problem(str(target), "too-large",
                                                  "refused: the source file is too large"))
            return _decode_text(target.read_bytes(), str(target))
    hint = {"relative": f" (basePath {base_path!r}; pass external_root= to read it)",
            "absolute": " (absolute paths are never followed)"}.get(scheme, "")
    warn_import(f"{label}: text of source {sname!r} ({ref}) is not in the archive{hint}; skipped")
    return None


# --------------------------------------------------------------------------- writing

def _guid(*parts: str) -> str:
    return str(uuid.uuid5(_NS_DEMO, "\x1f".join(parts)))


def write_qdpx(path: str | Path, *, sources: pd.DataFrame, codings: pd.DataFrame,
               cases: pd.DataFrame | None = None, name: str = "casestudy project",
               origin: str = "casestudy", coder: str = "casestudy") -> Path:
    """Write a small standard REFI-QDA project: text sources, a code tree, codings, cases.

    Args:
        sources: columns ``source`` (name) and ``text``.
        codings: columns ``source``, ``code`` (path, levels joined by ``/``; nested
            ``Code`` elements are written for each level), ``start``, ``end`` (code points,
            end exclusive) and optionally ``coder``.
        cases: optional columns ``case`` and ``source`` (membership), and any further
            columns written as text variables of the case (e.g. ``tier``).

    Offsets are code points as the standard says, GUIDs are derived from names (so the
    same input gives the same bytes), texts go to ``sources/<guid>.txt`` referenced as
    ``internal://<guid>.txt``. The file is written atomically.
    """
    for col in ("source", "text"):
        if col not in sources.columns:
            raise CaseStudyError(f"write_qdpx: sources needs a '{col}' column")
    for col in ("source", "code", "start", "end"):
        if col not in codings.columns:
            raise CaseStudyError(f"write_qdpx: codings needs a '{col}' column")
    src_guid = {s: _guid("source", s) for s in sources["source"]}
    text_of = dict(zip(sources["source"], sources["text"], strict=True))
    coders = sorted(set(codings["coder"].dropna()) if "coder" in codings else set()) or [coder]
    user_guid = {u: _guid("user", u) for u in coders}
    tree: dict[str, dict] = {}
    for code in sorted(set(codings["code"])):
        node = tree
        for part in code.split(THEME_SEP):
            node = node.setdefault(part, {})

    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<Project xmlns="urn:QDA-XML:project:1.0" name={quoteattr(name)} '
           f'origin={quoteattr(origin)}>', "  <Users>"]
    out += [f'    <User guid="{g}" name={quoteattr(u)}/>' for u, g in user_guid.items()]
    out += ["  </Users>", "  <CodeBook>", "    <Codes>"]

    def emit(node: dict, prefix: list[str], depth: int) -> None:
        for part, kids in node.items():
            path = [*prefix, part]
            pad = "  " * depth
            g = _guid("code", THEME_SEP.join(path))
            if kids:
                out.append(f'{pad}<Code guid="{g}" name={quoteattr(part)} isCodable="true">')
                emit(kids, path, depth + 1)
                out.append(f"{pad}</Code>")
            else:
                out.append(f'{pad}<Code guid="{g}" name={quoteattr(part)} isCodable="true"/>')

    emit(tree, [], 3)
    out += ["    </Codes>", "  </CodeBook>"]
    extra = [c for c in (cases.columns if cases is not None else []) if c not in
             ("case", "source")]
    if extra:
        out.append("  <Variables>")
        out += [f'    <Variable guid="{_guid("variable", v)}" name={quoteattr(v)} '
                f'typeOfVariable="Text"/>' for v in extra]
        out.append("  </Variables>")
    if cases is not None and len(cases):
        out.append("  <Cases>")
        for cname, grp in cases.groupby("case", sort=True):
            out.append(f'    <Case guid="{_guid("case", str(cname))}" '
                       f'name={quoteattr(str(cname))}>')
            for v in extra:
                val = grp[v].dropna().iloc[0] if grp[v].notna().any() else ""
                out += [f"      <VariableValue><VariableRef targetGUID="
                        f'"{_guid("variable", v)}"/><TextValue>{escape(str(val))}'
                        "</TextValue></VariableValue>"]
            out += [f'      <SourceRef targetGUID="{src_guid[s]}"/>' for s in grp["source"]]
            out.append("    </Case>")
        out.append("  </Cases>")
    out.append("  <Sources>")
    for sname in sources["source"]:
        g = src_guid[sname]
        out.append(f'    <TextSource guid="{g}" name={quoteattr(str(sname))} '
                   f'plainTextPath="internal://{g}.txt">')
        for i, c in enumerate(codings[codings["source"] == sname].itertuples(index=False)):
            text = text_of[sname]
            s, e = int(c.start), int(c.end)
            if not 0 <= s <= e <= len(text):
                raise CaseStudyError(f"write_qdpx: coding {i} of {sname!r} spans {s}–{e}, "
                                     f"outside its text of {len(text)} characters")
            who = getattr(c, "coder", None) or coders[0]
            sg = _guid("selection", str(sname), str(i), c.code)
            out += [f'      <PlainTextSelection guid="{sg}" '
                    f"name={quoteattr(text[s:e][:60])} startPosition=\"{s}\" "
                    f'endPosition="{e}" creatingUser="{user_guid[who]}">',
                    f'        <Coding guid="{_guid("coding", sg)}" '
                    f'creatingUser="{user_guid[who]}">',
                    f'          <CodeRef targetGUID="{_guid("code", c.code)}"/>',
                    "        </Coding>", "      </PlainTextSelection>"]
        out.append("    </TextSource>")
    out += ["  </Sources>", "</Project>", ""]

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        add_entry(zf, "project.qde", "\n".join(out).encode("utf-8"))
        for sname in sources["source"]:
            add_entry(zf, f"sources/{src_guid[sname]}.txt",
                      str(text_of[sname]).encode("utf-8"))
    return data.atomic_write(path, buf.getvalue())
