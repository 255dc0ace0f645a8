"""Reading the XML of REFI-QDA files safely: element lookup by local name, parsing with
``defusedxml``, a check that the encoding the XML declaration names agrees with the bytes,
and telling a ``.qdpx`` archive from a ``.qdc`` or ``.qde`` XML file.

>>> root = parse_xml(b'<Project xmlns="urn:QDA-XML:project:1.0"><Sources/></Project>', "x")
>>> local(root.tag), kid(root, "Sources") is not None
('Project', True)
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from casestudy.errors import DataValidationError, Problem

_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml\b[^>]*?\bencoding\s*=\s*"
                          rb"([\"'])([A-Za-z0-9._:-]+)\1")
_FIRST_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")


def local(tag: Any) -> str:
    """An element's tag without its namespace (``{urn:…}Code`` → ``Code``)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def kids(el: Element, name: str) -> Iterator[Element]:
    return (c for c in el if local(c.tag) == name)


def kid(el: Element, name: str) -> Element | None:
    return next(kids(el, name), None)


def grandkids(el: Element, name: str, child: str) -> list[Element]:
    """``el/name/child`` elements (none when ``name`` is absent)."""
    box = kid(el, name)
    return [] if box is None else list(kids(box, child))


def text_of(el: Element, name: str) -> str | None:
    k = kid(el, name)
    return None if k is None else (k.text or "")


def parse_xml(raw: bytes, label: str, warn: Callable[[str], None] | None = None) -> Element:
    """Parse untrusted XML: no entities or external references; an encoding declaration
    the bytes contradict is read right (bytes that are UTF-8 although the declaration
    names a single-byte encoding: read as UTF-8, with a warning through ``warn``) or
    refused (bytes that are not UTF-8 where UTF-8 is declared or implied), never
    garbled.

    >>> said = []
    >>> parse_xml('<?xml version="1.0" encoding="ISO-8859-1"?><C n="é"/>'.encode(), "f.qdc",
    ...           said.append).get("n")
    'é'
    >>> said[0][:67]
    "f.qdc: the XML declaration says encoding 'ISO-8859-1' but the bytes"
    """
    decl, canonical = _declared(raw)
    if canonical not in ("utf-8", "utf-16", "utf-32", None):
        raw = _utf8_declared_otherwise(raw, decl, label, warn)
    try:
        return SafeET.fromstring(raw)
    except DefusedXmlException as exc:
        raise DataValidationError(Problem(label, "unsafe-xml", (
            f"refused: the XML declares {type(exc).__name__.replace('Forbidden', '')} "
            "(entity declarations and external references are not allowed in imported "
            "files)"))) from None
    except ParseError as exc:
        if canonical == "utf-8":
            _refuse_if_not_utf8(raw, decl, label)
        line = getattr(exc, "position", (None, None))[0]
        raise DataValidationError(Problem(label, "malformed-xml", f"not well-formed XML: "
                                          f"{exc}", row=line)) from None


def _declared(raw: bytes) -> tuple[re.Match[bytes] | None, str | None]:
    """The XML declaration's encoding and its codec name (``utf-8`` when none is
    declared, as XML says; ``utf-16`` for UTF-16 bytes; None for an unknown name, which
    expat reports itself)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return None, "utf-16"
    decl = _DECLARATION.match(raw)
    if decl is None:
        return None, "utf-8"
    try:
        name = codecs.lookup(decl.group(2).decode("ascii")).name
    except LookupError:
        return decl, None
    return decl, next((u for u in ("utf-8", "utf-16", "utf-32") if name.startswith(u)), name)


def _refuse_if_not_utf8(raw: bytes, decl: re.Match[bytes] | None, label: str) -> None:
    """Explain a parse failure that comes from bytes that are not UTF-8."""
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as bad:
        at = bad.start + (len(raw) - len(body))
        context = raw[max(0, at - 20): at + 20].decode("cp1252", errors="replace")
        said = (f"declares encoding {decl.group(2).decode('ascii')!r}" if decl
                else "has no encoding declaration, so it is UTF-8")
        raise DataValidationError(Problem(label, "encoding", (
            f"the XML {said} but byte 0x{raw[at]:02x} at offset {at:,} is not UTF-8 "
            f"(around {context.strip()!r} read as Windows-1252); re-export the file as "
            "UTF-8, or correct its XML declaration to the encoding it was written in"),
            row=raw.count(b"\n", 0, at) + 1)) from None


def _utf8_declared_otherwise(raw: bytes, decl: re.Match[bytes] | None, label: str,
                             warn: Callable[[str], None] | None) -> bytes:
    """Bytes that are UTF-8 (with multibyte characters) under a declaration naming a
    single-byte encoding, re-declared as UTF-8; other bytes unchanged."""
    assert decl is not None
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    multibyte = list(re.finditer(rb"[\xc2-\xf4][\x80-\xbf]+", body))
    if not multibyte:
        return raw  # plain ASCII reads the same either way
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return raw  # genuinely in the declared encoding
    first = multibyte[0]
    if warn is not None:
        warn(f"{label}: the XML declaration says encoding {decl.group(2).decode('ascii')!r} "
             f"but the bytes are UTF-8 ({len(multibyte)} multibyte "
             f"character{'s' if len(multibyte) > 1 else ''}, first "
             f"{first.group().decode('utf-8')!r} at byte "
             f"{first.start() + len(raw) - len(body):,}); read as UTF-8")
    start, end = decl.span(2)
    return raw[:start] + b"UTF-8" + raw[end:]


def sniff(raw: bytes) -> str:
    """What a file's first bytes say it is: ``"zip"``, the local name of the first
    element of an XML file (``"CodeBook"``, ``"Project"``, …), or ``""``.

    >>> sniff(b"PK\\x03\\x04..."), sniff(b'<?xml version="1.0"?>\\n<CodeBook xmlns="x">')
    ('zip', 'CodeBook')
    """
    if raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    head = raw[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", head, flags=re.S)
    found = _FIRST_ELEMENT.search(head)
    return found.group(1).decode("ascii", errors="replace") if found else ""
