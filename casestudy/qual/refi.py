"""REFI-QDA readers: ``.qdpx`` projects and ``.qdc`` codebooks. What they return is in
``casestudy.qual.qdaproject``; the small ``.qdpx`` writer in ``casestudy.qual.refi_write``
(both re-exported here).

What the format is, as this module relies on it:

* The REFI-QDA Project Exchange standard (QDA-XML 1.0, schema ``Project-mrt2019.xsd``,
  namespace ``urn:QDA-XML:project:1.0``; codebooks ``Codebook.xsd``, namespace
  ``urn:QDA-XML:codebook:1.0``; www.qdasoftware.org, MIT licence; REFI-QDA 1.5). We read
  the schema as QualCoder ships it (``src/qualcoder/xsd.py``). A ``.qdpx`` is a zip holding
  one ``.qde`` XML file and a sources folder. ``Project`` holds ``Users``,
  ``CodeBook/Codes/Code`` (nested for hierarchy), ``Variables``, ``Cases`` (``SourceRef``,
  ``VariableValue``), ``Sources``, ``Sets`` (``MemberCode``, ``MemberSource``), ``Notes``,
  ``Links``, ``Graphs``. A codebook is ``CodeBook`` with ``Codes`` and ``Sets``.
* Sources and their selections, each holding ``Coding`` children that point to a code
  with ``CodeRef/@targetGUID`` (a ``Coding`` directly under a source codes all of it):
  ``TextSource`` (``plainTextPath`` or inline ``PlainTextContent``; ``PlainTextSelection``
  with ``startPosition``/``endPosition``); ``PDFSource`` (``PDFSelection`` regions with
  ``page``, ``firstX``, ``firstY``, ``secondX``, ``secondY``, and a ``Representation``, a
  text source holding the PDF's text and its ``PlainTextSelection``\\ s);
  ``PictureSource`` (``PictureSelection`` regions; a ``TextDescription`` text source);
  ``AudioSource``/``VideoSource`` (``AudioSelection``/``VideoSelection`` with ``begin`` and
  ``end`` in milliseconds; ``Transcript`` with ``SyncPoint`` (``position``,
  ``timeStamp``) and ``TranscriptSelection`` from one sync point to another). GUIDs may
  be written with braces and in either case.
* Offsets: the standard counts Unicode code points with an exclusive end; NVivo for
  Windows counts UTF-16 code units over the text with its BOM removed, so characters
  outside the Basic Multilingual Plane (emoji) count twice. The choice is made from the
  project's ``origin`` attribute and then checked against the selection's ``name``
  (tools store the start of the quoted text there); a mismatch is reported. Names that
  are positions rather than quotes (qc writes ``line:6``) are not checked. The code-unit
  index of each text is built once, so the cost is linear in text plus selections.
* Real exports differ from the standard in file names (``project.qde``,
  ``Project.qde``, ``<name>.qde``; ``sources/`` or ``Sources/``, which ATLAS.ti 8 may
  leave empty), path schemes (``internal://``, a bare ``<guid>.txt``, qc's bare relative
  path with the file under ``sources/``, ``relative://`` against ``basePath``,
  ``absolute://``), namespaces (``1.0``, ``1:0``, ``0:4``: so elements are matched on
  their local names), hierarchy (nested codes, or flat names with ``::`` or ``\\``), the
  codebook (ATLAS.ti 23 may export none) and attributes (``Sets`` named
  ``attribute: value``).

Every coding is imported, whatever its selection: where the text is not in the archive,
or the selection is a PDF region, a picture region, or audio or video, the quote is left
empty (NaN) and a ``QdaImportWarning`` says which source, why, and exactly how many
selections and codings it affects; a coding that points to a code the codebook lacks keeps
its ``code_guid`` with ``code`` empty. Imported files are untrusted: XML is parsed with
``defusedxml`` (no entity expansion, no external entities) and an XML declaration the bytes
contradict is read right or refused (see ``_qdaxml``); zip entries with absolute paths or
``..`` are refused, archives over the entry-count or uncompressed-size limits are refused
(by declared size and again while reading), a ``<Code>`` tree is walked without recursion
and refused past ``max_code_depth`` levels, and nothing is extracted to disk unless
``extract_to`` is given.

>>> import tempfile, pathlib, pandas as pd
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.qdpx"
>>> _ = write_qdpx(path, sources=pd.DataFrame({"source": ["doc1"], "text": ["Trust grows."]}),
...                codings=pd.DataFrame({"source": ["doc1"], "code": ["culture/trust"],
...                                      "start": [0], "end": [5]}))
>>> project = read_qdpx(path)
>>> project.codings.loc[0, ["code", "selection_kind", "text"]].tolist()
['culture/trust', 'text', 'Trust']
>>> project
QdaProject 'casestudy project' (origin 'casestudy', offsets codepoint)
  sources   1 (1 with text read)
  codes     2
  codings   1 (0 without quotes)
  cases     0
  sets      0
  warnings  0
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from casestudy import data
from casestudy.errors import CaseStudyError, DataValidationError, Problem
from casestudy.qual._io import (
    MAX_ENTRIES,
    MAX_ENTRY_BYTES,
    MAX_TOTAL_BYTES,
    ImportLog,
    check_zip,
)
from casestudy.qual._qdaxml import grandkids, kid, kids, local, parse_xml, sniff, text_of
from casestudy.qual.evidence import THEME_SEP, split_code_path
from casestudy.qual.qdaproject import (
    CODE_COLUMNS,
    CODING_COLUMNS,
    INT_COLUMNS,
    SET_COLUMNS,
    QdaCodebook,
    QdaProject,
)
from casestudy.qual.qdaproject import plural as _n
from casestudy.qual.refi_write import write_qdpx

__all__ = ["MAX_CODE_DEPTH", "QdaCodebook", "QdaProject", "norm_guid", "read_qdc",
           "read_qdpx", "write_qdpx"]

#: Refuse a ``<Code>`` tree nested deeper than this (real codebooks are a few levels
#: deep; the code paths of a deeper tree grow with the square of its depth).
MAX_CODE_DEPTH = 2_000

_KNOWN_PROJECT_CHILDREN = {"Users", "CodeBook", "Variables", "Cases", "Sources", "Notes",
                           "Links", "Sets", "Graphs", "Description", "NoteRef"}
#: Source element → (kind, its selection element, its text part, what the text part is).
_SOURCES = {"TextSource": ("text", "PlainTextSelection", None, "text"),
            "PDFSource": ("pdf", "PDFSelection", "Representation", "text representation"),
            "PictureSource": ("picture", "PictureSelection", "TextDescription",
                              "text description"),
            "AudioSource": ("audio", "AudioSelection", None, ""),
            "VideoSource": ("video", "VideoSelection", None, "")}
#: Selection kind → how warnings name one.
_KIND_NOUN = {"text": "text selection",
              "pdf-text": "text selection", "pdf-region": "region selection",
              "picture-text": "text-description selection",
              "picture-region": "region selection", "audio": "audio selection",
              "video": "video selection", "transcript": "transcript selection"}
_MEDIA_REASON = {"pdf": "a PDF's regions and pages are not read as text",
                 "picture": "pictures are not read",
                 "audio": "audio is not read", "video": "video is not read"}
_SOURCE_TITLE = {"text": "text", "pdf": "PDF", "picture": "picture", "audio": "audio",
                 "video": "video"}
_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
               "DateTimeValue")
_ATTRIBUTE_SET = re.compile(r"^\s*([^:]+?)\s*:\s*(.+?)\s*$")
#: Selection names that give a place, not the quoted text (qc's ``line:6``).
_POSITION_NAME = re.compile(r"^\s*(?:lines?|para(?:graph)?s?|pages?|pos(?:ition)?|p)\s*"
                            r"[:.#]?\s*\d+(?:\s*[-–]\s*\d+)?\s*$", re.IGNORECASE)

# --------------------------------------------------------------------------- helpers

def norm_guid(value: str | None) -> str | None:
    """A GUID in one spelling: braces stripped, lower case.

    >>> norm_guid("{0A1B2C3D-0000-4000-8000-00000000ABCD}")
    '0a1b2c3d-0000-4000-8000-00000000abcd'
    """
    if value is None:
        return None
    return value.strip().strip("{}").lower()


def _int(el: Element, attr: str) -> int | None:
    try:
        return int(el.get(attr, ""))
    except ValueError:
        return None


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

    def find_qde(self, log: ImportLog) -> str:
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
            log.warn(f"{self.label}: several .qde files ({', '.join(sorted(top))}); reading "
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

        GUID file names are matched case-insensitively and with or without braces; a
        bare relative path (qc writes ``interviews/a.txt``) is also looked up under the
        sources folder.
        """
        ref = ref.replace("\\", "/").lstrip("/")
        for candidate in (ref.lower(), f"sources/{ref.lower()}"):
            if candidate in self.by_lower:
                return self.by_lower[candidate]
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

class _CodeUnits:
    """Where each UTF-16 code unit of one text falls in its code points, built once per
    text (one vectorised pass over its UTF-32 code points), so that converting a
    position costs O(log k) for k characters outside the Basic Multilingual Plane.

    >>> units = _CodeUnits("a😀b")
    >>> units.n_units, [units.to_codepoint(u) for u in range(5)]
    (4, [0, 1, 2, 2, 3])
    """

    def __init__(self, text: str):
        self.n_chars = len(text)
        points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
        astral = np.flatnonzero(points > 0xFFFF)
        # The k-th astral character starts at code unit (its code point index + k).
        self._astral_units = astral + np.arange(len(astral))
        self.n_units = self.n_chars + len(astral)

    def to_codepoint(self, pos: int) -> int:
        """Code-point index of code unit ``pos``: the first character that starts at or
        after it (a position inside a surrogate pair moves past the pair)."""
        # astral characters whose pair ends at or before pos
        before = int(np.searchsorted(self._astral_units, pos - 2, side="right"))
        return max(0, min(pos - before, self.n_chars))


def _matches(quote: str | None, sliced: str) -> bool | None:
    """Whether a selection's stored name agrees with the sliced text (None: no name, or
    a name that gives a position such as ``line:6``)."""
    if not quote or not quote.strip() or _POSITION_NAME.match(quote):
        return None
    norm = " ".join(quote.split()).rstrip(".…")
    got = " ".join(sliced.split())
    if not norm:
        return None
    return got.startswith(norm) or (bool(got) and norm.startswith(got))


# --------------------------------------------------------------------------- codes, sets

def _codes_from(codes_el: Element | None, label: str, max_depth: int) -> pd.DataFrame:
    """The code tree as a table, in document order, walked with an explicit stack so
    that no depth reaches Python's recursion limit; deeper than ``max_depth`` is
    refused (after measuring the whole tree, so the error gives its depth)."""
    if codes_el is None:
        return pd.DataFrame(columns=CODE_COLUMNS)
    deepest, stack = 0, [(c, 1) for c in kids(codes_el, "Code")]
    while stack:
        el, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in kids(el, "Code"))
    if deepest > max_depth:
        raise DataValidationError(Problem(label, "too-deep", (
            f"refused: the <Code> tree is nested {deepest:,} levels deep, more than the "
            f"limit of {max_depth:,} (pass max_code_depth= to read it)")))
    rows: list[dict[str, Any]] = []
    todo: list[tuple[Element, str | None, list[str]]] = [
        (c, None, []) for c in reversed(list(kids(codes_el, "Code")))]
    while todo:
        code, parent_guid, parent_path = todo.pop()
        name = (code.get("name") or "").strip()
        parts = split_code_path(name) or [name]
        path = parent_path + parts
        guid = norm_guid(code.get("guid"))
        rows.append({"code_guid": guid, "name": parts[-1] if parts else name,
                     "code": THEME_SEP.join(path), "parent_guid": parent_guid,
                     "is_codable": (code.get("isCodable", "true").lower() != "false"),
                     "color": code.get("color"), "description": text_of(code, "Description")})
        todo.extend((c, guid, path) for c in reversed(list(kids(code, "Code"))))
    return pd.DataFrame(rows, columns=CODE_COLUMNS)


def _find_codes(root: Element) -> Element | None:
    if local(root.tag) == "Codes":
        return root
    book = root if local(root.tag) == "CodeBook" else kid(root, "CodeBook")
    return None if book is None else kid(book, "Codes")


def _sets_from(root: Element, names: dict[str, dict[str, str]]
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Set rows (an empty set keeps one row) and the attribute values of sets named
    ``attribute: value``. ``names`` maps member kind to GUID → name."""
    set_rows: list[dict[str, Any]] = []
    var_rows: list[dict[str, Any]] = []
    for st in grandkids(root, "Sets", "Set"):
        gguid = norm_guid(st.get("guid"))
        gname = st.get("name") or ""
        attr = _ATTRIBUTE_SET.match(gname)
        before = len(set_rows)
        for tag, kind in (("MemberCode", "code"), ("MemberSource", "source"),
                          ("MemberNote", "note")):
            for m in kids(st, tag):
                mguid = norm_guid(m.get("targetGUID") or m.get("guid"))
                member = names.get(kind, {}).get(mguid or "")
                set_rows.append({"set_guid": gguid, "set": gname, "member_kind": kind,
                                 "member_guid": mguid, "member": member})
                # Tools without typed variables export attributes as sets "name: value".
                if attr and kind == "source":
                    var_rows.append({"owner_kind": "set", "owner_guid": mguid,
                                     "owner": member, "variable": attr[1],
                                     "value": attr[2], "type": "text"})
        if len(set_rows) == before:
            set_rows.append({"set_guid": gguid, "set": gname, "member_kind": None,
                             "member_guid": None, "member": None})
    return set_rows, var_rows


def _variable_value(el: Element, variables: dict[str, tuple[str, str]]
                    ) -> tuple[str, str, str] | None:
    ref = kid(el, "VariableRef")
    guid = norm_guid(ref.get("targetGUID")) if ref is not None else None
    name, vtype = variables.get(guid or "", (None, None))
    if name is None:
        return None
    for tag in _VALUE_TAGS:
        val = text_of(el, tag)
        if val is not None:
            return name, val.strip(), vtype or tag.removesuffix("Value").lower()
    return name, "", vtype or "text"


# --------------------------------------------------------------------------- reading

def _read_checked(path: Path, expect: str, max_bytes: int) -> bytes:
    """The bytes of an XML file for ``read_qdc``, refusing a zip with the reader to use."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CaseStudyError(f"{path}: no such file") from None
    if size > max_bytes:
        raise DataValidationError(Problem(str(path), "too-large", (
            f"refused: {size:,} bytes, more than the limit of {max_bytes:,}")))
    raw = path.read_bytes()
    if sniff(raw) == "zip":
        raise DataValidationError(Problem(str(path), "wrong-reader", (
            f"this is a zip archive (a .qdpx project), not {expect}; read it with "
            "read_qdpx(path), whose .codes and .sets are the project's codebook")))
    return raw


def read_qdc(path: str | Path, *, max_bytes: int = MAX_ENTRY_BYTES,
             max_code_depth: int = MAX_CODE_DEPTH) -> QdaCodebook:
    """Read a REFI-QDA codebook (``.qdc``): its codes (see ``QdaProject.codes``) and sets.

    Namespaces are ignored (codebooks are written as ``urn:QDA-XML:codebook:1.0``,
    ``1:0`` and ``0:4``); nested codes and flat names with ``::`` or ``\\`` give paths. A
    ``.qdpx`` given here is refused with the reader to use instead.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "book.qdc"
    >>> _ = p.write_text('<CodeBook><Codes><Code guid="A" name="trust" isCodable="true"/>'
    ...                  '</Codes><Sets><Set guid="S" name="empty"/></Sets></CodeBook>')
    >>> book = read_qdc(p)
    >>> book.codes["code"].tolist(), book.sets["set"].tolist()
    (['trust'], ['empty'])
    """
    path = Path(path)
    label = str(path)
    log = ImportLog()
    try:
        root = parse_xml(_read_checked(path, "a .qdc codebook (XML)", max_bytes), label,
                         log.warn)
        if local(root.tag) not in ("CodeBook", "Project"):
            raise DataValidationError(Problem(label, "not-a-codebook", (
                f"root element is <{local(root.tag)}>, expected <CodeBook>")))
        codes_el = _find_codes(root)
        if codes_el is None:
            raise DataValidationError(Problem(label, "not-a-codebook", (
                "no <Codes> element under <CodeBook>")))
        codes = _codes_from(codes_el, label, max_code_depth)
        set_rows, _ = _sets_from(root, {"code": dict(zip(codes["code_guid"], codes["code"],
                                                         strict=True))})
        return QdaCodebook(origin=root.get("origin") or "", codes=codes,
                           sets=pd.DataFrame(set_rows, columns=SET_COLUMNS),
                           import_warnings=log.messages)
    finally:
        log.emit()


def _refuse_xml_as_qdpx(path: Path) -> None:
    """Say which reader to use when a ``.qdc`` or ``.qde`` XML file is given as a .qdpx."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return  # check_zip reports a missing or unreadable file
    what = sniff(head)
    if what == "CodeBook":
        raise DataValidationError(Problem(str(path), "wrong-reader", (
            "this is a .qdc codebook (XML), not a .qdpx project (a zip archive); read it "
            "with read_qdc(path)")))
    if what == "Project":
        raise DataValidationError(Problem(str(path), "wrong-reader", (
            "this is a bare project file (.qde XML), not a .qdpx archive; read_qdc(path) "
            "reads its codebook, and read_qdpx needs the .qdpx the program exported "
            "(the .qde zipped with its sources folder)")))


def read_qdpx(path: str | Path, *, offsets: str = "auto", external_root: str | Path | None
              = None, extract_to: str | Path | None = None, max_entries: int = MAX_ENTRIES,
              max_total_bytes: int = MAX_TOTAL_BYTES, max_entry_bytes: int = MAX_ENTRY_BYTES,
              max_code_depth: int = MAX_CODE_DEPTH) -> QdaProject:
    """Read a REFI-QDA project exchange file (``.qdpx``) into tidy tables.

    Args:
        path: the ``.qdpx`` file (a ``.qdc`` or ``.qde`` is refused, naming the reader
            to use).
        offsets: ``"auto"`` (NVivo projects count UTF-16 code units, others code points,
            each checked against the quotes), ``"codepoint"`` or ``"utf16"``.
        external_root: folder against which ``relative://`` sources missing from the
            archive are read; paths that leave it are refused. Without it such sources
            are reported and their codings imported without quotes. ``absolute://``
            paths are never followed (only a copy inside the archive is used).
        extract_to: when given, the archive's files are also written under this folder
            (after the safety checks); otherwise nothing is written to disk.
        max_entries, max_total_bytes, max_entry_bytes, max_code_depth: limits past which
            the archive is refused.

    Returns a ``QdaProject`` holding every coding of the file. Raises
    ``DataValidationError`` for a malformed or unsafe archive; warns
    (``QdaImportWarning``, also kept in ``import_warnings``) for what it cannot read.
    """
    if offsets not in ("auto", "codepoint", "utf16"):
        raise CaseStudyError(f"offsets must be 'auto', 'codepoint' or 'utf16', "
                             f"got {offsets!r}")
    path = Path(path)
    if path.is_file() and not zipfile.is_zipfile(path):
        _refuse_xml_as_qdpx(path)
    log = ImportLog()
    try:
        arc = _Archive(path, max_entries=max_entries, max_total_bytes=max_total_bytes,
                       max_entry_bytes=max_entry_bytes)
        with arc.zf:
            qde_name = arc.find_qde(log)
            label = f"{path}:{qde_name}"
            root = parse_xml(arc.read(qde_name), label, log.warn)
            if local(root.tag) != "Project":
                raise DataValidationError(Problem(label, "not-a-project", (
                    f"root element is <{local(root.tag)}>, expected <Project>")))
            reader = _ProjectReader(root, arc, label, log, offsets=offsets,
                                    external_root=Path(external_root) if external_root
                                    else None, max_code_depth=max_code_depth)
            project = reader.read()
            if extract_to is not None:
                _extract(arc, Path(extract_to))
        return project
    finally:
        log.emit()


def _extract(arc: _Archive, target: Path) -> None:
    root = target.resolve()
    for name in sorted(arc.files):
        dest = (root / name).resolve()
        if not dest.is_relative_to(root):  # already refused in _Archive; belt and braces
            raise DataValidationError(Problem(arc.label, "unsafe-path",
                                              f"refused: {name!r} leaves {target}"))
        data.atomic_write(dest, arc.read(name))


@dataclass
class _Text:
    """The text of a source (or of a PDF's or picture's text part), once looked up."""

    text: str | None
    ref: str  # where the file said it is
    why: str  # why it is absent ("" when read)
    units: _CodeUnits | None = None

    def __post_init__(self) -> None:
        if self.text is not None:
            self.units = _CodeUnits(self.text)


class _ProjectReader:
    """One pass over a parsed ``<Project>``, collecting its tables and what it cannot
    read (with exact counts) into ``log``."""

    def __init__(self, root: Element, arc: _Archive, label: str, log: ImportLog, *,
                 offsets: str, external_root: Path | None, max_code_depth: int):
        self.root, self.arc, self.label, self.log = root, arc, label, log
        self.external_root = external_root
        self.offsets = offsets
        codes_el = _find_codes(root)
        self.has_codebook = codes_el is not None
        self.codes = _codes_from(codes_el, label, max_code_depth)
        self.code_path = dict(zip(self.codes["code_guid"], self.codes["code"], strict=True))
        self.users = {norm_guid(u.get("guid")): (u.get("name") or u.get("id") or "")
                      for u in grandkids(root, "Users", "User")}
        self.variables = {norm_guid(v.get("guid")): (v.get("name") or "",
                                                     v.get("typeOfVariable") or "")
                          for v in grandkids(root, "Variables", "Variable")}
        origin = root.get("origin") or ""
        self.unit = offsets if offsets != "auto" else (
            "utf16" if "nvivo" in origin.lower() else "codepoint")
        self.other_unit = {"codepoint": "utf16", "utf16": "codepoint"}[self.unit]
        self.tally: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.src_rows: list[dict[str, Any]] = []
        self.var_rows: list[dict[str, Any]] = []
        self.rows: list[dict[str, Any]] = []

    # ---- the project

    def read(self) -> QdaProject:
        root, label = self.root, self.label
        unknown = sorted({local(c.tag) for c in root} - _KNOWN_PROJECT_CHILDREN)
        if unknown:
            self.log.warn(f"{label}: unknown element(s) under <Project> not read: "
                          f"{', '.join(unknown)}")
        for skipped in ("Notes", "Links", "Graphs"):
            el = kid(root, skipped)
            if el is not None and len(el):
                self.log.warn(f"{label}: {len(el)} {skipped.lower()} not imported (notes, "
                              "links and graphs are outside the evidence table)")
        sources_el = kid(root, "Sources")
        for src in (sources_el if sources_el is not None else []):
            self._source(src)
        self._report_offsets()
        self._report_unknown_codes()
        source_name = {r["source_guid"]: r["source"] for r in self.src_rows}
        case_rows = self._cases(source_name)
        set_rows, set_vars = _sets_from(root, {"code": self.code_path,
                                               "source": source_name})
        self.var_rows += set_vars
        codings = pd.DataFrame([{k: v for k, v in r.items() if k != "_why"}
                                for r in self.rows], columns=CODING_COLUMNS)
        for col in ("code", "text"):  # absent is NaN, as pandas users test for it
            codings[col] = codings[col].astype(object).where(codings[col].notna(), np.nan)
        return QdaProject(
            name=root.get("name") or Path(self.arc.label).stem,
            origin=root.get("origin") or "", offset_unit=self.unit, codes=self.codes,
            sources=pd.DataFrame(self.src_rows, columns=["source_guid", "source", "kind",
                                                         "path", "read", "n_chars"]),
            cases=pd.DataFrame(case_rows, columns=["case_guid", "case", "source_guid",
                                                   "source"]),
            variables=pd.DataFrame(self.var_rows, columns=["owner_kind", "owner_guid",
                                                           "owner", "variable", "value",
                                                           "type"]),
            sets=pd.DataFrame(set_rows, columns=SET_COLUMNS),
            codings=codings.astype({c: "Int64" for c in INT_COLUMNS}),
            import_warnings=self.log.messages)

    def _cases(self, source_name: dict[str, str]) -> list[dict[str, Any]]:
        case_rows: list[dict[str, Any]] = []
        for case in grandkids(self.root, "Cases", "Case"):
            cguid = norm_guid(case.get("guid"))
            cname = case.get("name") or cguid
            refs = [norm_guid(r.get("targetGUID")) for r in kids(case, "SourceRef")]
            for ref in refs or [None]:
                case_rows.append({"case_guid": cguid, "case": cname, "source_guid": ref,
                                  "source": source_name.get(ref) if ref else None})
            for vv in kids(case, "VariableValue"):
                got = _variable_value(vv, self.variables)
                if got:
                    self.var_rows.append({"owner_kind": "case", "owner_guid": cguid,
                                          "owner": cname, "variable": got[0],
                                          "value": got[1], "type": got[2]})
        return case_rows

    # ---- sources

    def _source(self, src: Element) -> None:
        tag = local(src.tag)
        sguid = norm_guid(src.get("guid"))
        path_attr = src.get("plainTextPath") if tag == "TextSource" else src.get("path")
        # qc writes no name, only the path
        sname = (src.get("name") or (PurePosixPath(path_attr.replace("\\", "/")).name
                                     if path_attr else "") or sguid or "?")
        if tag not in _SOURCES:
            n = sum(1 for e in src.iter() if local(e.tag) == "Coding")
            self.log.warn(f"{self.label}: unknown source element <{tag}> {sname!r} not read "
                          f"({_n(n, 'coding')} on it not imported)")
            return
        kind, sel_tag, part_tag, part_noun = _SOURCES[tag]
        for vv in kids(src, "VariableValue"):
            got = _variable_value(vv, self.variables)
            if got:
                self.var_rows.append({"owner_kind": "source", "owner_guid": sguid,
                                      "owner": sname, "variable": got[0], "value": got[1],
                                      "type": got[2]})
        where = {"source_guid": sguid, "source": sname}
        first = len(self.rows)
        texts: list[tuple[str, _Text]] = []  # (what it is, its text) for each text part
        if kind == "text":
            texts.append((part_noun, self._text(src)))
            self._text_selections(src, texts[0][1], "text", where)
        else:
            for coding in kids(src, "Coding"):
                self._add(coding, None, "source", where, why="media")
            for sel in kids(src, sel_tag):
                self._media_selection(sel, kind, where)
            part = kid(src, part_tag) if part_tag else None
            if part is not None:
                texts.append((part_noun, self._text(part)))
                self._text_selections(part, texts[-1][1], f"{kind}-text", where)
            for transcript in kids(src, "Transcript"):
                texts.append(("transcript", self._transcript(transcript, where)))
        read = [t.text for _, t in texts if t.text is not None]
        self.src_rows.append({**where, "kind": kind, "path": path_attr, "read": bool(read),
                              "n_chars": len(read[0]) if read else pd.NA})
        self._report_source(kind, sname, texts, self.rows[first:])

    def _text(self, el: Element) -> _Text:
        """The text of a text source (or text part), or why it is absent."""
        inline = text_of(el, "PlainTextContent")
        if inline is not None:
            return _Text(inline, "inline", "")
        ref = el.get("plainTextPath")
        if not ref:
            return _Text(None, "", "has neither plainTextPath nor PlainTextContent")
        scheme, sep, rest = ref.partition("://")
        if not sep:
            scheme, rest = "internal", ref
        scheme = scheme.lower()
        if scheme == "internal":
            entry = self.arc.find_source(rest)
        elif scheme in ("relative", "absolute"):
            # Some tools also copy externally referenced files into the archive.
            entry = self.arc.find_source(rest) or self.arc.find_source(PurePosixPath(
                rest.replace("\\", "/")).name)
        else:
            return _Text(None, ref, f"has an unknown path scheme ({ref})")
        if entry is not None:
            return _Text(_decode_text(self.arc.read(entry), f"{self.arc.label}:{entry}"),
                         ref, "")
        if scheme == "relative" and self.external_root is not None:
            root = self.external_root.resolve()
            target = (root / rest).resolve()
            if not target.is_relative_to(root):
                raise DataValidationError(Problem(self.label, "unsafe-path", (
                    f"refused: source path {ref!r} leaves {self.external_root}")))
            if target.is_file():
                if target.stat().st_size > self.arc.max_entry_bytes:
                    raise DataValidationError(Problem(str(target), "too-large",
                                                      "refused: the source file is too large"))
                return _Text(_decode_text(target.read_bytes(), str(target)), ref, "")
        hint = {"relative": f"; basePath {self.root.get('basePath')!r}, pass external_root= "
                            "to read it",
                "absolute": "; absolute paths are never followed"}.get(scheme, "")
        return _Text(None, ref, f"({ref}) is not in the archive{hint}")

    def _text_selections(self, el: Element, text: _Text, kind: str,
                         where: dict[str, Any]) -> None:
        have = text.text is not None
        for coding in kids(el, "Coding"):  # a code applied to the whole text
            self._add(coding, None, "source", where, why="" if have else "no-text",
                      start=0 if have else None, end=len(text.text) if have else None,
                      text=text.text)
        for sel in kids(el, "PlainTextSelection"):
            s, e = _int(sel, "startPosition"), _int(sel, "endPosition")
            if s is None or e is None or not 0 <= s <= e:
                self.tally["bad-position"] += 1
                self.tally["bad-position codings"] += self._add_all(
                    sel, kind, where, why="positions", start=s, end=e)
                continue
            if not have:
                self._add_all(sel, kind, where, why="no-text", start=s, end=e)
                continue
            span = self._span(text, s, e, sel.get("name"))
            if span is None:
                self.tally["outside"] += 1
                self.tally["outside codings"] += self._add_all(
                    sel, kind, where, why="positions", start=s, end=e)
                self.examples.setdefault("outside", f"{sel.get('guid')} ({s}–{e})")
                continue
            cs, ce = span
            self._add_all(sel, kind, where, why="", start=cs, end=ce, text=text.text[cs:ce])

    def _span(self, text: _Text, s: int, e: int, name: str | None) -> tuple[int, int] | None:
        """Code-point span of a selection, in the project's unit unless its quote lines
        up only in the other one (``offsets="auto"``); None when it runs past the text."""
        assert text.text is not None and text.units is not None
        units = text.units
        spans = {"codepoint": (s, e),
                 "utf16": (units.to_codepoint(s), units.to_codepoint(e))}
        used = self.unit
        verdict = _matches(name, text.text[slice(*spans[self.unit])])
        if verdict is not None:
            self.tally["checked"] += 1
            if verdict:
                self.tally[self.unit] += 1
            elif _matches(name, text.text[slice(*spans[self.other_unit])]):
                self.tally[self.other_unit] += 1
                used = self.other_unit if self.offsets == "auto" else self.unit
            else:
                self.tally["mismatch"] += 1
        limit = units.n_units if used == "utf16" else units.n_chars
        return spans[used] if e <= limit else None

    def _media_selection(self, sel: Element, kind: str, where: dict[str, Any]) -> None:
        pos: dict[str, Any]
        if kind in ("pdf", "picture"):
            pos = {"first_x": _int(sel, "firstX"), "first_y": _int(sel, "firstY"),
                   "second_x": _int(sel, "secondX"), "second_y": _int(sel, "secondY")}
            if kind == "pdf":
                pos["page"] = _int(sel, "page")
        else:
            pos = {"begin_ms": _int(sel, "begin"), "end_ms": _int(sel, "end")}
        # A PDF region may carry the text it covers in its own Representation.
        rep = kid(sel, "Representation")
        quote = text_of(rep, "PlainTextContent") if rep is not None else None
        self._add_all(sel, "pdf-region" if kind == "pdf" else
                      ("picture-region" if kind == "picture" else kind), where,
                      why="" if quote else "media", text=quote or None, **pos)

    def _transcript(self, el: Element, where: dict[str, Any]) -> _Text:
        text = self._text(el)
        points = {norm_guid(p.get("guid")): p for p in kids(el, "SyncPoint")}
        for sel in kids(el, "TranscriptSelection"):
            a = points.get(norm_guid(sel.get("fromSyncPoint")) or "")
            b = points.get(norm_guid(sel.get("toSyncPoint")) or "")
            s = _int(a, "position") if a is not None else None
            e = _int(b, "position") if b is not None else None
            pos = {"begin_ms": _int(a, "timeStamp") if a is not None else None,
                   "end_ms": _int(b, "timeStamp") if b is not None else None}
            span = (self._span(text, s, e, None) if text.text is not None and s is not None
                    and e is not None and 0 <= s <= e else None)
            if span is None:
                self._add_all(sel, "transcript", where, why="no-text" if text.text is None
                              else "positions", start=s, end=e, **pos)
            else:
                self._add_all(sel, "transcript", where, why="", start=span[0], end=span[1],
                              text=text.text[span[0]:span[1]], **pos)
        return text

    # ---- codings

    def _add_all(self, sel: Element, kind: str, where: dict[str, Any], **row: Any) -> int:
        codings = list(kids(sel, "Coding"))
        for coding in codings:
            self._add(coding, sel, kind, where, **row)
        return len(codings)

    def _add(self, coding: Element, sel: Element | None, kind: str, where: dict[str, Any],
             *, why: str, text: str | None = None, **pos: Any) -> None:
        ref = kid(coding, "CodeRef")
        cguid = norm_guid(ref.get("targetGUID")) if ref is not None else None
        user = norm_guid(coding.get("creatingUser") or (sel.get("creatingUser") if sel is
                                                        not None else None))
        self.rows.append({
            "coding_guid": norm_guid(coding.get("guid")),
            "selection_guid": norm_guid(sel.get("guid")) if sel is not None else None,
            **where, "code_guid": cguid, "code": self.code_path.get(cguid or ""),
            "selection_kind": kind, **pos, "text": text, "coder": self.users.get(user, user),
            "_why": why})

    # ---- what could not be read, counted exactly

    def _report_source(self, kind: str, sname: str, texts: list[tuple[str, _Text]],
                       rows: list[dict[str, Any]]) -> None:
        label = self.label
        if kind == "text" and texts[0][1].text is None:
            text = texts[0][1]
            n = len(rows)
            tail = ("it has no codings" if not n else
                    f"its {_n(n, 'coding')} {'is' if n == 1 else 'are'} imported without "
                    "quotes")
            self.log.warn(f"{label}: text of source {sname!r} {text.why}: {tail}")
        elif kind != "text":
            quoteless = [r for r in rows if r["_why"] in ("media", "no-text")]
            if not quoteless:
                return
            by_kind: dict[str, tuple[set[Any], int]] = {}
            for r in quoteless:
                sels, n = by_kind.get(r["selection_kind"], (set(), 0))
                sels.add(r["selection_guid"] or r["coding_guid"])
                by_kind[r["selection_kind"]] = (sels, n + 1)
            parts = [f"{_n(n, 'coding')} of the whole source" if k == "source" else
                     f"{_n(len(sels), _KIND_NOUN[k])} ({_n(n, 'coding')})"
                     for k, (sels, n) in by_kind.items()]
            reasons = []
            if any(r["_why"] == "media" for r in quoteless):
                reasons.append(_MEDIA_REASON[kind])
            if any(r["_why"] == "no-text" for r in quoteless):
                reasons += [f"its {noun} {t.why}" for noun, t in texts if t.text is None]
            joined = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 \
                else parts[0]
            self.log.warn(f"{label}: {_SOURCE_TITLE[kind]} source {sname!r}: {joined} "
                          f"imported without quotes ({'; '.join(reasons)})")

    def _report_offsets(self) -> None:
        t, label = self.tally, self.label
        if t["bad-position"]:
            self.log.warn(f"{label}: {_n(t['bad-position'], 'selection')} without valid "
                          f"startPosition/endPosition: {_n(t['bad-position codings'], 'coding')}"
                          " imported without quotes")
        if t["outside"]:
            self.log.warn(f"{label}: {_n(t['outside'], 'selection')} outside the text of "
                          f"their source (e.g. {self.examples['outside']}): "
                          f"{_n(t['outside codings'], 'coding')} imported without quotes")
        if t[self.other_unit]:
            action = "used" if self.offsets == "auto" else "kept"
            self.log.warn(f"{label}: {t[self.other_unit]} of {t['checked']} quotes line up only "
                          f"when offsets are read as {self.other_unit} rather than {self.unit} "
                          f"(origin {self.root.get('origin') or ''!r}); "
                          f"{self.other_unit if self.offsets == 'auto' else self.unit} offsets "
                          f"{action} for those selections")
        if t["mismatch"]:
            self.log.warn(f"{label}: {t['mismatch']} of {t['checked']} selections' stored "
                          "names do not match the text at their offsets; check the export")

    def _report_unknown_codes(self) -> None:
        missing = [r["code_guid"] for r in self.rows if r["code"] is None]
        if not missing:
            return
        distinct = sorted({g or "(no CodeRef)" for g in missing})
        n = len(missing)
        if not self.has_codebook:
            what = (f"the project has no codebook (<CodeBook>): its {_n(n, 'coding')} (on "
                    f"{_n(len(distinct), 'code GUID')}) {'is' if n == 1 else 'are'}")
        else:
            what = (f"{_n(n, 'coding')} {'points' if n == 1 else 'point'} to "
                    f"{_n(len(distinct), 'code')} not in the codebook (e.g. {distinct[0]}): "
                    f"{'it is' if n == 1 else 'they are'}")
        self.log.warn(f"{self.label}: {what} imported with their code_guid and no code name")
