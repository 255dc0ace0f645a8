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
_UNICODE = ("utf-8", "utf-16", "utf-32")


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
    raw = _fix_encoding(raw, label, warn)
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


def _fix_encoding(raw: bytes, label: str, warn: Callable[[str], None] | None) -> bytes:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return raw  # UTF-16: expat decodes it from the BOM or the byte pattern
    decl = _DECLARATION.match(raw)
    declared = decl.group(2).decode("ascii") if decl else None
    try:
        canonical = codecs.lookup(declared).name if declared else "utf-8"
    except LookupError:
        return raw  # expat names the unknown encoding itself
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if canonical.startswith(_UNICODE[1:]):
        return raw
    try:
        body.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError as exc:
        utf8, bad = False, exc
    if canonical == "utf-8":
        if utf8:
            return raw
        at = bad.start + (len(raw) - len(body))
        line = raw.count(b"\n", 0, at) + 1
        context = raw[max(0, at - 20): at + 20].decode("cp1252", errors="replace")
        said = (f"declares encoding {declared!r}" if declared
                else "has no encoding declaration, so it is UTF-8")
        raise DataValidationError(Problem(label, "encoding", (
            f"the XML {said} but byte 0x{raw[at]:02x} at offset {at:,} is not UTF-8 "
            f"(around {context.strip()!r} read as Windows-1252); re-export the file as "
            "UTF-8, or correct its XML declaration to the encoding it was written in"),
            row=line)) from None
    multibyte = [m for m in re.finditer(rb"[\xc2-\xf4][\x80-\xbf]+", body)]
    if not utf8 or not multibyte:
        return raw  # genuinely in the declared encoding (or plain ASCII either way)
    first = multibyte[0]
    offset = first.start() + (len(raw) - len(body))
    if warn is not None:
        warn(f"{label}: the XML declaration says encoding {declared!r} but the bytes are "
             f"UTF-8 ({len(multibyte)} multibyte character{'s' if len(multibyte) > 1 else ''}"
             f", first {first.group().decode('utf-8')!r} at byte {offset:,}); read as UTF-8")
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
