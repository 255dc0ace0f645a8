"""What the CAQDAS readers and writers share: the import warning, the safety checks on
an untrusted zip (a ``.qdpx`` project or an ``.xlsx`` workbook), and reproducible zip
entries.

>>> import io
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w") as zf:
...     add_entry(zf, "a.txt", b"x")
>>> zipfile.ZipFile(buf).getinfo("a.txt").date_time
(2020, 1, 1, 0, 0, 0)
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

from casestudy.errors import CaseStudyError, DataValidationError, Problem

#: Refuse archives with more entries than this.
MAX_ENTRIES = 10_000
#: Refuse archives whose entries add up to more than this many bytes uncompressed.
MAX_TOTAL_BYTES = 512 * 1024 * 1024
#: Refuse any single entry larger than this (the .qde, each text source, a CSV export).
MAX_ENTRY_BYTES = 128 * 1024 * 1024

#: What a file of each kind is, for the message when it is not a zip at all.
_ZIP_KINDS = {
    "qdpx": "a .qdpx file is a zip holding a .qde file and a sources folder",
    "xlsx": "an .xlsx workbook is a zip of XML parts (save the export as .xlsx or .csv)",
    "xlsm": "an .xlsm workbook is a zip of XML parts (save the export as .xlsx or .csv)",
}
#: Fixed entry time, so the same content gives the same bytes on every build.
ZIP_DATE_TIME = (2020, 1, 1, 0, 0, 0)


class QdaImportWarning(UserWarning):
    """Part of a REFI-QDA file or spreadsheet export could not be read."""


def warn_import(message: str) -> None:
    """Report something an import could not read (never dropped silently)."""
    warnings.warn(message, QdaImportWarning, stacklevel=3)


class ImportLog:
    """What one import could not read: kept for the result (its ``import_warnings``) and
    emitted as ``QdaImportWarning`` once the reader returns, so that every warning points
    at the caller's line.

    >>> log = ImportLog()
    >>> log.warn("2 codings without quotes")
    >>> with warnings.catch_warnings(record=True) as got:
    ...     warnings.simplefilter("always")
    ...     log.emit()
    >>> [str(w.message) for w in got], log.messages
    (['2 codings without quotes'], ['2 codings without quotes'])
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    def warn(self, message: str) -> None:
        self.messages.append(message)

    def emit(self, stacklevel: int = 3) -> None:
        """Warn each message; ``stacklevel`` 3 points past the reader at its caller."""
        for message in self.messages:
            warnings.warn(message, QdaImportWarning, stacklevel=stacklevel)


def check_zip(path: str | Path, *, kind: str, max_entries: int = MAX_ENTRIES,
              max_total_bytes: int = MAX_TOTAL_BYTES,
              max_entry_bytes: int = MAX_ENTRY_BYTES) -> zipfile.ZipFile:
    """Open an untrusted zip and check it before anything reads an entry.

    ``kind`` (``"qdpx"``, ``"xlsx"``, ...) names the file type in the errors. Refuses
    (``DataValidationError``) a file that is not a zip, has more than ``max_entries``
    entries, an entry with an absolute path or ``..``, or declared uncompressed sizes
    over the limits. Returns the open ``ZipFile``; the caller closes it.

    >>> import tempfile
    >>> bad = Path(tempfile.mkdtemp()) / "broken.xlsx"
    >>> _ = bad.write_bytes(b"not a zip")
    >>> check_zip(bad, kind="xlsx")
    Traceback (most recent call last):
    ...
    casestudy.errors.DataValidationError: ...not a zip archive; an .xlsx workbook is a zip...
    """
    label = str(path)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise CaseStudyError(f"{path}: no such file") from None
    except zipfile.BadZipFile:
        what = _ZIP_KINDS.get(kind, f"a .{kind} file is a zip archive")
        raise DataValidationError(Problem(label, "not-a-zip", (
            f"not a zip archive; {what}"))) from None
    try:
        _check_entries(zf, label, max_entries=max_entries, max_total_bytes=max_total_bytes,
                       max_entry_bytes=max_entry_bytes)
    except DataValidationError:
        zf.close()
        raise
    return zf


def _check_entries(zf: zipfile.ZipFile, label: str, *, max_entries: int,
                   max_total_bytes: int, max_entry_bytes: int) -> None:
    infos = zf.infolist()
    if len(infos) > max_entries:
        raise DataValidationError(Problem(label, "too-many-entries", (
            f"refused: the archive has {len(infos)} entries, more than the limit of "
            f"{max_entries}")))
    total = 0
    for info in infos:
        name = info.filename
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise DataValidationError(Problem(label, "unsafe-path", (
                f"refused: entry {name!r} has an absolute path or '..' (a zip-slip "
                "archive could write outside the folder it is unpacked into)")))
        total += info.file_size
        if info.file_size > max_entry_bytes or total > max_total_bytes:
            raise DataValidationError(Problem(label, "too-large", (
                f"refused: entry {name!r} declares {info.file_size:,} bytes "
                f"uncompressed (running total {total:,}); limits are "
                f"{max_entry_bytes:,} per entry and {max_total_bytes:,} in all")))


def add_entry(zf: zipfile.ZipFile, name: str, content: bytes) -> None:
    """Write one deflated entry with a fixed time and permissions, so a rebuilt archive
    is byte-identical."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, content)
