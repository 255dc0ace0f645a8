"""The index page: every report with its summary, counts and first figure; the build's provenance.

>>> page = render([Entry("01_x.html", "X", "About X.", 2, 1, None, None)],
...               Provenance("0.1.0", "none", []))
>>> "2 figures, 1 table" in page and 'lang="en"' in page
True
"""

from __future__ import annotations

import html
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from casestudy import __version__


@dataclass(frozen=True)
class Entry:
    """One report as the index lists it."""

    href: str
    title: str
    summary: str
    figures: int
    tables: int
    thumbnail: str | None  # data: URI
    thumbnail_alt: str | None


@dataclass(frozen=True)
class Provenance:
    """What the set was built from: package version, commit and the data files' sha256."""

    version: str
    commit: str
    data_files: list[tuple[str, str]]  # (path, sha256)


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=False, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def provenance(root: Path) -> Provenance:
    """The package version, the commit (marked when tracked files have uncommitted changes)
    and each data file with its sha256 from ``data/raw/datapackage.json``."""
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        described = "none (the project is not under git)"
    else:
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
        described = commit + (" with uncommitted changes" if dirty else "")
    manifest = root / "data" / "raw" / "datapackage.json"
    files = []
    if manifest.is_file():
        for res in json.loads(manifest.read_text(encoding="utf-8")).get("resources", []):
            digest = str(res.get("sha256") or "not recorded")
            files.append((f"data/raw/{res.get('path', '?')}", digest))
    return Provenance(__version__, described, files)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _entry(entry: Entry) -> str:
    e = html.escape
    thumb = ""
    if entry.thumbnail:
        alt = entry.thumbnail_alt or f"First figure of the report {entry.title}."
        thumb = (f'<img class="cs-thumb" src="{entry.thumbnail}" alt="{e(alt)}" width="160">')
    return (f'<li class="cs-entry">{thumb}<div><h2><a href="{e(entry.href)}">{e(entry.title)}'
            f'</a></h2><p>{e(entry.summary)}</p><p class="cs-counts">'
            f'{_plural(entry.figures, "figure")}, {_plural(entry.tables, "table")}</p></div></li>')


def render(entries: list[Entry], prov: Provenance) -> str:
    """The whole index page (deterministic: nothing in it depends on when it was built)."""
    e = html.escape
    rows = "\n".join(f"<tr><td><code>{e(path)}</code></td><td><code>{e(digest)}</code></td></tr>"
                     for path, digest in prov.data_files)
    data = ("<table><caption>Data files and their sha256 (from data/raw/datapackage.json)"
            f"</caption><thead><tr><th scope=\"col\">File</th><th scope=\"col\">sha256</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>") if rows else "<p>No data manifest.</p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>casestudy reports</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         max-width: 56rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; color: #1f2328;
         line-height: 1.5; overflow-wrap: break-word; }}
  a {{ color: #0b5cad; }}
  ol.cs-reports {{ list-style: none; padding: 0; }}
  .cs-entry {{ display: flex; gap: 1rem; align-items: flex-start; margin-bottom: 1.5rem; }}
  .cs-entry > div {{ min-width: 0; }}
  .cs-entry h2 {{ font-size: 1.2rem; margin: 0; }}
  .cs-entry h2 a {{ display: inline-block; min-height: 24px; }}
  .cs-entry p {{ margin: 0.25rem 0 0; }}
  .cs-thumb {{ flex: 0 0 auto; width: 160px; max-width: 35%; height: auto;
              border: 1px solid #d0d7de; }}
  .cs-counts {{ color: #4d5560; font-size: 0.9rem; }}
  .cs-provenance {{ font-size: 0.85rem; color: #4d5560; border-top: 1px solid #d0d7de;
                   margin-top: 2rem; }}
  .cs-provenance .cs-scroll {{ overflow-x: auto; max-width: 100%; }}
  .cs-provenance table {{ border-collapse: collapse; }}
  .cs-provenance caption {{ text-align: left; font-weight: 600; padding: 0.3rem 0; }}
  .cs-provenance td, .cs-provenance th {{ text-align: left; padding: 0.1rem 0.8rem 0.1rem 0;
    overflow-wrap: anywhere; vertical-align: top; }}
  @media print {{ .cs-entry {{ break-inside: avoid; }} }}
</style>
</head>
<body>
<header><h1>casestudy reports</h1>
<p>Integrated health and social care systems: England's integrated care systems compared with
the Netherlands, Italy and Scotland.</p></header>
<main>
<ol class="cs-reports">
{chr(10).join(_entry(x) for x in entries)}
</ol>
</main>
<footer class="cs-provenance">
<h2>Provenance</h2>
<p>Built by casestudy {e(prov.version)} with <code>make report</code>.
Commit: <code>{e(prov.commit)}</code>.</p>
<div class="cs-scroll">{data}</div>
</footer>
</body>
</html>
"""
