"""Benchmark ``read_qdpx`` on a large NVivo-style source (run by ``make bench``).

The case of issue 9: one 800,000-character text source with 400 coded selections whose
offsets count UTF-16 code units (NVivo's convention), over a text with characters outside
the Basic Multilingual Plane, so that every offset needs converting. The project is
written to a temporary folder first (not timed); the time of one ``read_qdpx`` run is
printed with its ratio to the 0.5 s target (below 1 meets it), and the CPU time of the same
run beside it. No assertions.
"""

from __future__ import annotations

import tempfile
import time
import warnings
import zipfile
from pathlib import Path

from casestudy.qual import read_qdpx

TARGET_S = 0.5
N_CHARS = 800_000
N_SELECTIONS = 400
SOURCE = "0a1b2c3d-0000-4000-8000-000000000001"
CODE = "0a1b2c3d-0000-4000-8000-0000000000a1"


def make_text() -> str:
    """800,000 characters of prose with an emoji every 200 or so characters."""
    unit = "The partnership board pooled budgets and trust grew slowly 🤝. "
    return (unit * (N_CHARS // len(unit) + 1))[:N_CHARS]


def units_before(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def write_project(path: Path, text: str) -> Path:
    step = len(text) // N_SELECTIONS
    sels = []
    for k in range(N_SELECTIONS):
        start, end = k * step, k * step + 60
        sels.append(f'<PlainTextSelection guid="0a1b2c3d-0000-4000-8000-{k:012d}" '
                    f'name="{text[start:start + 20].replace(chr(34), "")}" '
                    f'startPosition="{units_before(text, start)}" '
                    f'endPosition="{units_before(text, end)}"><Coding guid="0a1b2c3d-0000-'
                    f'4000-9000-{k:012d}"><CodeRef targetGUID="{CODE}"/></Coding>'
                    "</PlainTextSelection>")
    qde = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
           'name="bench" origin="NVivo 14"><CodeBook><Codes>'
           f'<Code guid="{CODE}" name="trust" isCodable="true"/></Codes></CodeBook><Sources>'
           f'<TextSource guid="{SOURCE}" name="long interview" '
           f'plainTextPath="internal://{SOURCE}.txt">{"".join(sels)}</TextSource></Sources>'
           "</Project>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde)
        zf.writestr(f"sources/{SOURCE}.txt", text.encode("utf-8"))
    return path


def main() -> None:
    text = make_text()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_project(Path(tmp) / "bench.qdpx", text)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning here would mean quotes misaligned
            started, cpu = time.perf_counter(), time.process_time()
            project = read_qdpx(path)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    ok = len(project.codings) == N_SELECTIONS and project.codings["text"].notna().all()
    print(f"read_qdpx: {N_CHARS:,}-character source, {N_SELECTIONS} UTF-16 selections "
          f"{seconds:8.4f} s   target {TARGET_S:g} s   ratio {seconds / TARGET_S:6.3f}  "
          f"(CPU {cpu:.4f} s: on a shared machine wall time includes waiting)  "
          f"quotes={'all aligned' if ok else 'MISALIGNED'}")


if __name__ == "__main__":
    main()
