"""The whole report set as one PDF, printed by headless Chromium (``casestudy report --pdf``).

The reports are joined into one print document (each report's ``<main>``, its ids prefixed
with the report's name so that links between and within reports still resolve), which
Chromium prints with the reports' own print CSS: a page break before each report, table
rows and figures never split. Chromium is Debian's ``/usr/bin/chromium`` (or
``$CASESTUDY_CHROMIUM``), driven by Playwright with ``executable_path`` because Playwright's
own browser downloads are not available everywhere.

>>> joined = join([("01_a", '<html><head><title>A</title></head><body><main>'
...                 '<h2 id="s">S</h2><a href="#s">S</a> <a href="02_b.html#fig-2-1">F</a>'
...                 '</main></body></html>')])
>>> 'id="01_a--s"' in joined and 'href="#01_a--s"' in joined and 'href="#02_b--fig-2-1"' in joined
True
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from casestudy.errors import ReportError
from casestudy.paths import atomic_write

#: Quiet, offline, container-safe: no GPU, no sandbox (CI runs as root), no background
#: requests to Google's services.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-default-apps", "--disable-extensions",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--metrics-recording-only", "--mute-audio"]
PDF_NAME = "casestudy-reports.pdf"

_REPORT_LINK = re.compile(r'href="(\d{2}_[\w-]+)\.html(?:#([^"]*))?"')
_ID_ATTR = re.compile(r'\b(id|aria-labelledby|aria-describedby)="([^"]+)"')
_LOCAL_LINK = re.compile(r'href="#([^"]+)"')


def chromium_path() -> Path | None:
    """The Chromium to drive: ``$CASESTUDY_CHROMIUM``, else ``chromium`` on PATH, else None."""
    named = os.environ.get("CASESTUDY_CHROMIUM")
    if named:
        return Path(named) if Path(named).is_file() else None
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


def unavailable() -> str | None:
    """Why no browser can be driven here (None when one can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("Python package playwright is not installed (it is in the dev extra: "
                "`make venv` installs it)")
    if chromium_path() is None:
        return ("Chromium was not found (looked for $CASESTUDY_CHROMIUM, then `chromium` on "
                "PATH); install it with `apt-get install -y chromium`")
    return None


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium, closed on exit; :class:`ReportError` saying why when there is none."""
    why = unavailable()
    if why:
        raise ReportError(f"cannot print: {why}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(chromium_path()), headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _part(name: str, page: str) -> str:
    start, end = page.find("<main>"), page.rfind("</main>")
    if start < 0 or end < 0:
        raise ReportError(f"{name}.html: no <main> element (was it built by casestudy report?)")
    inner = page[start + len("<main>"):end]
    inner = _ID_ATTR.sub(lambda m: f'{m.group(1)}="{name}--{m.group(2)}"', inner)
    inner = _LOCAL_LINK.sub(lambda m: f'href="#{name}--{m.group(1)}"', inner)
    inner = _REPORT_LINK.sub(
        lambda m: f'href="#{m.group(1)}--{m.group(2)}"' if m.group(2) else
        f'href="#part-{m.group(1)}"', inner)
    return f'<section class="cs-report-part" id="part-{name}">{inner}</section>'


def join(pages: list[tuple[str, str]]) -> str:
    """One print document from ``(name, html)`` pairs, in order; the first page's head."""
    head = pages[0][1]
    head = head[:head.find("</head>")]
    style = ("<style>.cs-report-part:first-child { break-before: auto; }"
             " .cs-report-part + .cs-report-part { break-before: page; }</style>")
    parts = "\n".join(_part(name, page) for name, page in pages)
    return (f"{head}{style}</head>\n<body class=\"jp-Notebook\" data-jp-theme-light=\"true\">"
            f"\n<main>\n{parts}\n</main>\n</body>\n</html>\n")


def write(reports: Path, names: list[str], target: Path | None = None) -> Path:
    """Print ``reports/NAME.html`` for each name, in order, into one PDF; return its path."""
    pages = []
    for name in names:
        path = reports / f"{name}.html"
        if not path.is_file():
            raise ReportError(f"{path}: not built; run `casestudy report` first")
        pages.append((name, path.read_text(encoding="utf-8")))
    if not pages:
        raise ReportError(f"no reports to print in {reports}")
    target = target or reports / PDF_NAME
    joined = reports / ".build" / "print.html"
    atomic_write(joined, join(pages))
    with browser() as chromium:
        page = chromium.new_page()
        page.goto(joined.resolve().as_uri(), wait_until="load")
        # Paper cannot be clicked: text kept behind <details> on screen is printed open.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                        outline=True, tagged=True)
    atomic_write(target, data)
    return target
