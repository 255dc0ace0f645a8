"""The reports as a reviewer sees them: opened in headless Chromium, checked with axe-core.

Here the project's own report set, brought up to date once per session in ``reports/`` (the
``real_reports`` fixture; the test that every notebook builds clean is here too, to share
that build); the same checks run on three tiny notebooks in test_browser_tiny.py, which
show the report contract's figure and table markup directly. Two modules so that
pytest-xdist (``--dist loadfile``) puts the tiny set on the other worker while this one
builds the real set. The browser checks skip, saying why, where Chromium or Playwright is
absent; CI installs Chromium first (``.ci/run``).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from casestudy import report
from casestudy.report import pdf

pytestmark = pytest.mark.slow

#: axe-core's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
WIDTHS = (1280, 390)
REPRS = ("PosixPath(", "<Axes", "<Figure size", "object at 0x")
ROOT = Path(__file__).resolve().parent.parent

def test_every_notebook_builds_clean(real_reports):
    """The project's notebooks build into reports free of stderr and local paths. Here, not in
    test_notebooks.py, so that it shares this module's worker, and build, under xdist."""
    layout, result = real_reports
    assert result.ok, [n.error for n in result.notebooks if n.error]
    notebooks = report.discover(layout.notebooks)
    for path in notebooks:
        executed = json.loads((layout.reports / "executed" / path.name).read_text())
        for i, cell in enumerate(executed["cells"]):
            for out in cell.get("outputs", []):
                # Warnings and other stderr text would end up in front of reviewers.
                assert out.get("name") != "stderr", f"{path.name} cell {i + 1}: {out['text']}"
        page = (layout.reports / f"{path.stem}.html").read_text(encoding="utf-8")
        assert str(ROOT) not in page
    assert len(notebooks) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert len(list(layout.figures.glob("*.png"))) >= len(notebooks)


@dataclass
class Audit:
    """What a reviewer's browser found on one page."""

    name: str
    violations: list[str] = field(default_factory=list)  # serious/critical axe findings
    facts: dict[str, Any] = field(default_factory=dict)
    overflow: dict[int, int] = field(default_factory=dict)  # width -> px of page overflow
    foreign_requests: list[str] = field(default_factory=list)
    pdf_bytes: int = 0
    styled_as_before: int = 0  # elements the colour-contrast check skipped


_FACTS = """() => {
  const text = (el) => (el ? el.innerText.trim() : null);
  const main = document.querySelector('main') || document.body;
  return {
    lang: document.documentElement.getAttribute('lang'),
    text: document.body.innerText,
    alts: [...document.querySelectorAll('img')].map(i => i.getAttribute('alt')),
    figures: [...main.querySelectorAll('figure')].map(f => ({
      cs: f.classList.contains('cs-figure'), id: f.id,
      caption: text(f.querySelector('figcaption'))})),
    loose_images: [...main.querySelectorAll('img')].filter(i => !i.closest('figure.cs-figure'))
      .length,
    tables: [...main.querySelectorAll('table')].map(t => ({
      cs: !!t.closest('div.cs-table'), caption: t.caption ? text(t.caption) : null})),
    cut_cells: [...document.querySelectorAll('td, th')].map(c => c.innerText.trim())
      .filter(t => t.endsWith('...')),
    toc: [...document.querySelectorAll('nav.cs-toc a')].map(a => a.getAttribute('href')),
    toc_targets_missing: [...document.querySelectorAll('nav.cs-toc a')]
      .filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length,
    pagers: [...document.querySelectorAll('nav.cs-pager')].map(n => ({
      prev: !!n.querySelector('a[rel=prev]'), next: !!n.querySelector('a[rel=next]'),
      home: !!n.querySelector('a[href="index.html"]')})),
    cites_unresolved: [...document.querySelectorAll('a.cite')]
      .filter(a => !document.getElementById(a.getAttribute('href').slice(1)))
      .map(a => a.getAttribute('href')),
  };
}"""


#: Hides what is styled as something axe's colour-contrast rule has already been given, and
#: returns how many elements it hid. Two kinds: a table row whose every element is styled as
#: one in an earlier row of its table, and a text element without child elements (a
#: citation link, say) styled and placed on the same backgrounds as an earlier one. "Styled
#: as" is what the rule reads: tag, whether it holds text, colours, background, font size and
#: weight, opacity, text shadow, visibility, and for a lone element its ancestors' tags and
#: backgrounds. Such an element's contrast is that of the earlier one, and axe takes about
#: 5 ms per text element (it walks each one's stack of backgrounds): 10.6 s of colour
#: contrast on report 08's 1,835 table cells alone, and the real set's whole audit took
#: 37.9 s rather than 22.2 s. A row or link with a style of its own (a highlighted cell, a
#: pale note) stays, and is checked. Hidden, not removed, so that the places axe names
#: (``tr:nth-child(9) > td``) are those of the page.
_HIDE_RESTYLED = """() => {
  const style = (el) => {
    const s = getComputedStyle(el);
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    return [el.tagName, text, s.color, s.backgroundColor, s.backgroundImage, s.fontSize,
            s.fontWeight, s.opacity, s.textShadow, s.visibility].join('|');
  };
  const hide = [];
  for (const table of document.querySelectorAll('table')) {
    const seen = new Set();
    for (const row of table.rows) {
      const styles = [row, ...row.querySelectorAll('*')].map(style);
      if (styles.every(s => seen.has(s))) hide.push(row);
      else styles.forEach(s => seen.add(s));
    }
  }
  hide.forEach(row => { row.style.display = 'none'; });
  const backgrounds = new Map();
  const under = (el) => {
    if (!el) return '';
    if (!backgrounds.has(el)) {
      const s = getComputedStyle(el);
      backgrounds.set(el, [el.tagName, s.backgroundColor, s.backgroundImage, s.opacity,
                           s.position].join('|') + '<' + under(el.parentElement));
    }
    return backgrounds.get(el);
  };
  const seen = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    if (el.childElementCount || !el.textContent.trim() || !el.checkVisibility()) continue;
    const key = style(el) + '<' + under(el.parentElement);
    if (seen.has(key)) hide.push(el);
    else seen.add(key);
  }
  hide.forEach(el => { el.style.display = 'none'; });
  return hide.length;
}"""


#: Pages audited at once: axe runs in each page's own renderer process, so two keep both
#: cores busy when the other pytest-xdist worker has finished its share.
PARALLEL_PAGES = 2


async def audit(context: Any, path: Path) -> Audit:
    from axe_playwright_python.async_playwright import Axe

    found = Audit(path.name)
    page = await context.new_page()

    def on_request(request: Any) -> None:
        if not request.url.startswith(("file:", "data:")):
            found.foreign_requests.append(request.url)

    page.on("request", on_request)
    await page.goto(path.resolve().as_uri(), wait_until="load")
    # Violations only: the passes of a page with thousands of table cells (every node, with
    # its HTML and selector) made a 2 MB answer and a third of axe's time.
    every_rule_but_contrast = {"runOnly": {"type": "tag", "values": WCAG_TAGS},
                               "rules": {"color-contrast": {"enabled": False}},
                               "resultTypes": ["violations"]}
    _keep_violations(found, (await Axe().run(page, options=every_rule_but_contrast)).response)
    found.facts = await page.evaluate(_FACTS)
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        found.overflow[width] = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    found.pdf_bytes = len(await page.pdf(format="A4"))
    # Colour contrast last, as it hides elements (see _HIDE_RESTYLED).
    found.styled_as_before = await page.evaluate(_HIDE_RESTYLED)
    _keep_violations(found, await page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']},"
        " resultTypes: ['violations']})"))
    await page.close()
    return found


def _keep_violations(found: Audit, response: dict[str, Any]) -> None:
    for v in response["violations"]:
        if v.get("impact") in ("serious", "critical"):
            targets = [n["target"] for n in v["nodes"][:3]]
            found.violations.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")


async def _audit_all(paths: list[Path]) -> list[Audit]:
    """Every page audited in one browser, PARALLEL_PAGES at a time. The asynchronous API,
    because the synchronous one holds an event loop open that a later report build's own
    ``asyncio.run`` cannot share; this one's loop ends with the audit."""
    from playwright.async_api import async_playwright

    slots = asyncio.Semaphore(PARALLEL_PAGES)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(pdf.chromium_path()),
                                           headless=True, args=pdf.CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        # Anything else is refused, so that a page that would fetch from the network fails
        # here rather than quietly working on a connected machine.
        await context.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())

        async def one(path: Path) -> Audit:
            async with slots:
                return await audit(context, path)

        try:
            return await asyncio.gather(*(one(p) for p in paths))
        finally:
            await browser.close()


def _audits(layout: report.Layout) -> dict[str, Audit]:
    pages = [*sorted(layout.reports.glob("[0-9][0-9]_*.html")), layout.reports / "index.html"]
    # Most elements first: axe's time grows with them (not with the bytes, mostly images),
    # and a long page started last would run alone at the end.
    largest_first = sorted(pages, key=lambda p: -p.read_text(encoding="utf-8").count("<"))
    found = {a.name: a for a in asyncio.run(_audit_all(largest_first))}
    return {p.name: found[p.name] for p in pages}


@pytest.fixture(scope="module")
def audits(built_set: tuple[report.Layout, report.BuildResult], chromium: None
           ) -> dict[str, Audit]:
    """The module's report set (its ``built_set`` fixture), audited once."""
    layout, result = built_set
    assert result.ok, [n.error for n in result.notebooks if n.error]
    return _audits(layout)


@pytest.fixture(scope="module")
def built_set(real_reports: tuple[report.Layout, report.BuildResult],
              ) -> tuple[report.Layout, report.BuildResult]:
    """The set this module's checks audit: the project's own notebooks."""
    return real_reports


def reports_only(audits: dict[str, Audit]) -> list[Audit]:
    return [a for name, a in audits.items() if name != "index.html"]


def test_no_serious_or_critical_wcag_violations(audits):
    found = {name: a.violations for name, a in audits.items() if a.violations}
    assert found == {}


def test_pages_are_offline(audits):
    assert {n: a.foreign_requests for n, a in audits.items() if a.foreign_requests} == {}


def test_no_horizontal_overflow_at_desktop_and_phone_widths(audits):
    wide = {n: a.overflow for n, a in audits.items() if any(a.overflow.values())}
    assert wide == {}


def test_every_page_prints_to_pdf(audits):
    assert all(a.pdf_bytes > 1000 for a in audits.values())


def test_every_image_has_real_alt_text(audits):
    bad = {n: [alt for alt in a.facts["alts"]
               if not alt or len(alt.split()) < 4 or "No description has been provided" in alt]
           for n, a in audits.items()}
    assert {n: b for n, b in bad.items() if b} == {}


def test_every_figure_and_table_is_numbered_and_captioned(audits):
    problems = {}
    for a in reports_only(audits):
        figs = a.facts["figures"]
        bad = [f for f in figs if not f["cs"] or not re.match(r"Figure \d+\.\d+: \S",
                                                               f["caption"] or "")]
        bad += [t for t in a.facts["tables"] if not t["cs"] or not re.match(
            r"Table \d+\.\d+: \S", t["caption"] or "")]
        if a.facts["loose_images"]:
            bad.append(f"{a.facts['loose_images']} image(s) outside figure.cs-figure")
        if bad:
            problems[a.name] = bad
    assert problems == {}


def test_no_table_cell_is_cut_short(audits):
    assert {n: a.facts["cut_cells"] for n, a in audits.items() if a.facts["cut_cells"]} == {}


def test_no_python_repr_in_visible_text(audits):
    found = {n: [r for r in REPRS if r in a.facts["text"]] for n, a in audits.items()}
    assert {n: r for n, r in found.items() if r} == {}


def test_every_report_has_contents_and_previous_next_links(audits):
    reports = reports_only(audits)
    assert reports
    for i, a in enumerate(reports):
        assert a.facts["lang"] == "en", a.name
        assert a.facts["toc"] and a.facts["toc_targets_missing"] == 0, a.name
        assert len(a.facts["pagers"]) == 2, a.name  # top and bottom
        for pager in a.facts["pagers"]:
            assert pager == {"prev": i > 0, "next": i < len(reports) - 1, "home": True}, a.name


def test_every_citation_finds_its_reference(audits):
    assert {n: a.facts["cites_unresolved"] for n, a in audits.items()
            if a.facts["cites_unresolved"]} == {}


def test_reports_stay_small(built_set):
    layout, _ = built_set
    sizes = {p.name: p.stat().st_size for p in layout.reports.glob("*.html")}
    assert {n: s for n, s in sizes.items() if s >= 2.5e6} == {}
