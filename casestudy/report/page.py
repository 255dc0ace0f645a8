"""A rendered notebook → the reviewer's page: contents, navigation, citations and references.

nbconvert renders each notebook once, when it runs, into a *body* that keeps three
placeholders (see ``templates/casestudy/index.html.j2``). :func:`assemble` fills them on
every build that changed the body, the neighbouring reports or ``data/raw/sources.csv``:
that is a few string operations, so adding a report or a source never re-executes notebooks.

Prose cites sources as Quarto does, ``[@E3]`` or ``[@E3; @N2]`` (:func:`link_citations`
turns them into links before rendering); tables and figures cite with
``<a class="cite" href="#ref-E3">E3</a>`` in their source notes. The page ends with a
References section listing every id cited anywhere on it.

>>> text, ids = link_citations("Set up in 2022 [@E3; @E4].")
>>> ids
['E3', 'E4']
>>> text
'Set up in 2022 [<a class="cite" href="#ref-E3">E3</a>; <a class="cite" href="#ref-E4">E4</a>].'
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from casestudy.captions import cite_link
from casestudy.errors import ReportError

#: Where the template leaves room for what only the whole set knows.
NAV_TOP, NAV_BOTTOM, REFERENCES = "<!--cs:nav-top-->", "<!--cs:nav-bottom-->", "<!--cs:refs-->"
#: Appended to the first markdown cell: the contents go after the title and summary.
TOC = "<!--cs:toc-->"

_CITATION = re.compile(r"(`[^`\n]*`)|\[(@[\w.-]+(?:\s*;\s*@[\w.-]+)*)\]")
_A_TAG = re.compile(r"<a\s([^>]*)>")
_CITE_HREF = re.compile(r'href="#ref-([^"]+)"')
_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_FIGURE = re.compile(r'<figure\s[^>]*class="[^"]*\bcs-figure\b')
_TABLE = re.compile(r'<div\s[^>]*class="[^"]*\bcs-table\b')
_FIRST_FIGURE_PNG = re.compile(
    r'<figure\s[^>]*class="[^"]*\bcs-figure\b.*?<img\s[^>]*src="data:image/png;base64,([^"]+)"',
    re.S)
_ANY_PNG = re.compile(r'<img\s[^>]*src="data:image/png;base64,([^"]+)"')
_ALT = re.compile(r'\balt="([^"]*)"')
_TAGS = re.compile(r"<[^>]+>")


def link_citations(markdown: str) -> tuple[str, list[str]]:
    """Quarto-style ``[@id; @id]`` → links to the References; also the ids, in order.

    Citations inside inline code are left as written.
    """
    ids: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        keys = [k.strip()[1:] for k in match.group(2).split(";")]
        ids.extend(keys)
        return "[" + "; ".join(cite_link(k) for k in keys) + "]"

    return _CITATION.sub(replace, markdown), list(dict.fromkeys(ids))


def prepare(nb: object) -> object:
    """A copy of an executed notebook ready to render: citations linked, contents marked."""
    import copy

    nb = copy.deepcopy(nb)
    first = True
    for cell in nb.cells:  # type: ignore[attr-defined]
        if cell.cell_type != "markdown":
            continue
        cell.source, _ = link_citations(cell.source)
        if first:
            cell.source += "\n\n" + TOC
            first = False
    return nb


def cited_ids(page: str) -> list[str]:
    """Every id an ``a.cite`` on the page links to, in first-cited order."""
    ids = []
    for attrs in _A_TAG.findall(page):
        if re.search(r'class="[^"]*\bcite\b', attrs) and (href := _CITE_HREF.search(attrs)):
            ids.append(html.unescape(href.group(1)))
    return list(dict.fromkeys(ids))


# --------------------------------------------------------------------------- sources

def read_sources(path: Path) -> dict[str, dict[str, str]]:
    """``sources.csv`` by id, read with the csv module: the builder's no-op path stays light.

    The file is checked by ``casestudy validate``; here it is only read, and everything
    taken from it is escaped on the page.
    """
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["source_id"]: row for row in csv.DictReader(fh)}


def citation(row: dict[str, str]) -> str:
    """One References entry: "Publisher (year). *Title*. URL. Licence: …" as HTML."""
    e = html.escape
    year = (row.get("year") or "").strip() or "n.d."
    text = f"{e(row.get('publisher') or '')} ({e(year)}). <cite>{e(row.get('title') or '')}</cite>."
    url = (row.get("url") or "").strip()
    if re.match(r"https?://", url):
        text += f' <a href="{e(url)}">{e(url)}</a>.'
    elif url:
        text += f" {e(url)}."
    if licence := (row.get("licence") or "").strip():
        text += f" Licence: {e(licence)}."
    return text


def _natural(sid: str) -> tuple[str, int, str]:
    match = re.match(r"([A-Za-z]*)(\d*)(.*)", sid)
    assert match is not None  # the pattern matches every string
    prefix, number, rest = match.groups()
    return prefix, int(number) if number else -1, rest


def references(ids: list[str], sources: dict[str, dict[str, str]], notebook: str) -> str:
    """The References section for ``ids``; an id not in ``sources.csv`` is a build error."""
    unknown = [i for i in ids if i not in sources]
    if unknown:
        raise ReportError(
            f"{notebook}: cites source id(s) {', '.join(unknown)}, not found in "
            "data/raw/sources.csv (expected an id listed there; add the source or fix the "
            "citation)")
    if not ids:
        return ""
    items = "\n".join(
        f'<li id="ref-{html.escape(i)}"><span class="cs-ref-id">[{html.escape(i)}]</span> '
        f"{citation(sources[i])}</li>" for i in sorted(ids, key=_natural))
    return (f'<section class="cs-references jp-RenderedHTMLCommon" '
            f'aria-labelledby="references">\n'
            f'<h2 id="references">References</h2>\n<ol>\n{items}\n</ol>\n</section>')


# --------------------------------------------------------------------------- navigation

@dataclass(frozen=True)
class Link:
    """A report as another page links to it."""

    href: str
    title: str


def nav(previous: Link | None, following: Link | None, where: str) -> str:
    """Links to the previous report, the index and the next report."""
    e = html.escape
    parts = []
    if previous:
        parts.append(f'<a class="cs-prev" rel="prev" href="{e(previous.href)}">'
                     f'&larr; Previous: {e(previous.title)}</a>')
    parts.append('<a class="cs-home" href="index.html">All reports</a>')
    if following:
        parts.append(f'<a class="cs-next" rel="next" href="{e(following.href)}">'
                     f'Next: {e(following.title)} &rarr;</a>')
    return f'<nav class="cs-pager" aria-label="Reports ({where})">' + "".join(parts) + "</nav>"


def contents(body: str) -> str:
    """The table of contents: one in-page link per ``##`` section."""
    items = []
    for anchor, inner in _H2.findall(body):
        text = " ".join(html.unescape(_TAGS.sub("", inner)).replace("¶", "").split())
        items.append(f'<li><a href="#{anchor}">{html.escape(text)}</a></li>')
    if not items:
        return ""
    return ('<nav class="cs-toc" aria-label="Contents"><p class="cs-toc-title">Contents</p>'
            f"<ol>{''.join(items)}</ol></nav>")


# --------------------------------------------------------------------------- the page

@dataclass(frozen=True)
class Page:
    """A finished report and what the index says about it."""

    html: str
    figures: int
    tables: int
    thumbnail: str | None  # a small PNG as a data: URI
    thumbnail_alt: str | None  # the figure's own alt text


#: A report's thumbnail as the index shows it: a data: URI and the figure's alt text, or
#: None for a report without a figure.
Thumbnail = tuple[str, str | None] | None


def thumbnail(body: str, width: int = 240) -> Thumbnail:
    """The report's first figure (or, failing a numbered one, its first PNG), shrunk to
    ``width`` pixels, as a data: URI; with the image's alt text where it has one."""
    match = _FIRST_FIGURE_PNG.search(body) or _ANY_PNG.search(body)
    if not match:
        return None
    tag = body[body.rfind("<img", 0, match.end()):match.end() + body[match.end():].find(">")]
    alt = _ALT.search(tag)
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(match.group(1))))
    # plots.show's images are opaque RGB already; laying them on white, as an image with
    # transparency needs, was half the time of the index's eight thumbnails.
    if image.mode != "RGB":
        image = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"),
                                      image).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)),
                             Image.Resampling.LANCZOS)
    # A chart needs few colours: a 64-colour palette keeps each thumbnail near 10 kB.
    image = image.quantize(colors=64, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    uri = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    return uri, html.unescape(alt.group(1)) if alt and alt.group(1).strip() else None


def assemble(body: str, notebook: str, previous: Link | None, following: Link | None,
             sources: dict[str, dict[str, str]], *,
             thumb: Thumbnail = None) -> Page:
    """Fill a rendered body's placeholders; ``notebook`` names it in errors. ``thumb`` is
    ``thumbnail(body)`` when the caller has made it already (None: made here).

    Images are left as they are: ``plots.show``, which knows the width a figure is shown
    at, has already rendered it at twice that, so a second, lossy pass here would only
    blur it.
    """
    page = body.replace(REFERENCES, references(cited_ids(body), sources, notebook), 1)
    toc = contents(page)
    page = page.replace(TOC, toc, 1) if TOC in page else page.replace("<main>", "<main>" + toc, 1)
    page = page.replace(NAV_TOP, nav(previous, following, "top"), 1)
    page = page.replace(NAV_BOTTOM, nav(previous, following, "bottom"), 1)
    uri, alt = thumb or thumbnail(body) or (None, None)
    return Page(page, len(_FIGURE.findall(body)), len(_TABLE.findall(body)), uri, alt)
