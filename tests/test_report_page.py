"""Page assembly and the index, on hand-written HTML (no notebooks run)."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
from PIL import Image

from casestudy.errors import ReportError
from casestudy.report import index, page

SOURCES = {
    "E3": {"source_id": "E3", "title": "Health and Care Act 2022", "publisher": "UK Parliament",
           "year": "2022", "url": "https://www.legislation.gov.uk/ukpga/2022/31",
           "licence": "OGL-UK-3.0"},
    "E10": {"source_id": "E10", "title": "A <b>bold</b> title", "publisher": "NHS & co",
            "year": "", "url": "javascript:alert(1)", "licence": ""},
    "N2": {"source_id": "N2", "title": "Wmo 2015", "publisher": "Overheid", "year": "2015",
           "url": "", "licence": "Public domain"},
}


def png_uri(width: int = 800, height: int = 400) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def body(main: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><title>T</title></head><body>"
            f"<header>{page.NAV_TOP}</header><main>{main}{page.REFERENCES}</main>"
            f"<footer>{page.NAV_BOTTOM}</footer></body></html>")


def test_prose_citations_become_links_and_code_is_left_alone():
    text, ids = page.link_citations("As enacted [@E3]; see also [@N2; @E3] but not `[@X1]`.")
    assert ids == ["E3", "N2"]
    assert '[<a class="cite" href="#ref-E3">E3</a>]' in text
    assert ('[<a class="cite" href="#ref-N2">N2</a>; <a class="cite" href="#ref-E3">E3</a>]'
            in text)
    assert "`[@X1]`" in text


def test_email_like_and_plain_brackets_are_not_citations():
    assert page.link_citations("mail a@b.org [see below] [@]") == (
        "mail a@b.org [see below] [@]", [])


def test_cited_ids_come_from_every_cite_link_in_order():
    html = ('<p><a class="cite" href="#ref-N2">N2</a></p><a href="#ref-E9">not a cite</a>'
            '<div class="cs-table">Sources: <a href="#ref-E3" class="cite x">E3</a>, '
            '<a class="cite" href="#ref-N2">N2</a></div>')
    assert page.cited_ids(html) == ["N2", "E3"]


def test_references_are_sorted_escaped_and_linked_only_to_web_urls():
    refs = page.references(["N2", "E10", "E3"], SOURCES, "01_x.ipynb")
    assert [m for m in re.findall(r'<li id="ref-([^"]+)"', refs)] == ["E3", "E10", "N2"]
    assert ('UK Parliament (2022). <cite>Health and Care Act 2022</cite>. '
            '<a href="https://www.legislation.gov.uk/ukpga/2022/31">') in refs
    assert "Licence: OGL-UK-3.0." in refs
    assert "NHS &amp; co (n.d.). <cite>A &lt;b&gt;bold&lt;/b&gt; title</cite>." in refs
    assert 'href="javascript' not in refs
    assert '<h2 id="references">References</h2>' in refs


def test_an_unknown_cited_id_names_the_notebook_and_the_id():
    with pytest.raises(ReportError, match=r"02_beta.ipynb: cites source id\(s\) Z9, not found"):
        page.references(["E3", "Z9"], SOURCES, "02_beta.ipynb")


def test_no_citations_no_references_section():
    assert page.references([], {}, "01_x.ipynb") == ""


def test_contents_lists_the_sections_with_their_anchors():
    html = ('<h1 id="T">T</h1><h2 id="First-part">First <em>part</em>'
            '<a class="anchor-link" href="#First-part">¶</a></h2><h3 id="s">s</h3>'
            '<h2 id="Second">Second &amp; last</h2>')
    toc = page.contents(html)
    assert '<nav class="cs-toc" aria-label="Contents">' in toc
    assert re.findall(r'<li><a href="#([^"]+)">([^<]+)</a>', toc) == [
        ("First-part", "First part"), ("Second", "Second &amp; last")]
    assert page.contents("<h1>Only a title</h1>") == ""


def test_navigation_links_previous_index_and_next():
    first = page.nav(None, page.Link("02_b.html", "B"), "top")
    assert "cs-prev" not in first and 'href="02_b.html"' in first
    assert 'href="index.html"' in first
    middle = page.nav(page.Link("01_a.html", "A <1>"), page.Link("03_c.html", "C"), "bottom")
    assert 'rel="prev" href="01_a.html">&larr; Previous: A &lt;1&gt;</a>' in middle
    assert 'aria-label="Reports (bottom)"' in middle


def test_assemble_fills_every_placeholder_and_counts_figures_and_tables():
    main = (f'<h1 id="t">Title</h1><p>Prose [<a class="cite" href="#ref-E3">E3</a>].</p>'
            f'{page.TOC}<h2 id="a">A</h2>'
            f'<figure class="cs-figure" id="fig-1-1"><img src="{png_uri()}" alt="A bar chart.">'
            f'<figcaption>Figure 1.1: x.</figcaption></figure>'
            f'<div class="cs-table" id="tbl-1-1"><table><caption>Table 1.1: y</caption></table>'
            f'Sources: <a class="cite" href="#ref-N2">N2</a></div>')
    done = page.assemble(body(main), "01_a.ipynb", None, page.Link("02_b.html", "B"), SOURCES)
    assert "<!--cs:" not in done.html
    assert done.html.count('class="cs-pager"') == 2
    assert done.html.index("Title") < done.html.index('class="cs-toc"') < done.html.index(
        '<h2 id="a">')
    assert '<a href="#references">References</a>' in done.html
    assert re.findall(r'<li id="ref-([^"]+)"', done.html) == ["E3", "N2"]
    assert (done.figures, done.tables) == (1, 1)
    assert done.thumbnail_alt == "A bar chart."
    thumb = Image.open(io.BytesIO(base64.b64decode(done.thumbnail.split(",", 1)[1])))
    assert thumb.size == (240, 120)
    assert len(done.thumbnail) < 20_000


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "P"])
def test_thumbnails_lay_transparency_on_white(mode):
    """An image whose left half is transparent: white in the thumbnail; in RGB, which has
    no transparency, that half was black and stays black."""
    image = Image.new("RGBA", (480, 240), (200, 30, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 240, 240))
    out = io.BytesIO()
    image.convert(mode).save(out, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    thumb, _ = page.thumbnail(f'<img src="{uri}" alt="">')
    small = Image.open(io.BytesIO(base64.b64decode(thumb.split(",", 1)[1]))).convert("RGB")
    assert small.size == (240, 120)
    assert small.getpixel((20, 60)) == ((0, 0, 0) if mode == "RGB" else (255, 255, 255))


def test_assemble_takes_a_thumbnail_made_already():
    main = f'<figure class="cs-figure" id="fig-1-1"><img src="{png_uri()}" alt="A"></figure>'
    done = page.assemble(body(main), "01_a.ipynb", None, None, {},
                         thumb=("data:image/png;base64,MADE", "Made before"))
    assert (done.thumbnail, done.thumbnail_alt) == ("data:image/png;base64,MADE", "Made before")


def test_assemble_without_a_marker_puts_the_contents_first_in_main():
    done = page.assemble(body('<h2 id="a">A</h2>'), "01_a.ipynb", None, None, {})
    assert '<main><nav class="cs-toc"' in done.html
    assert done.thumbnail is None and done.figures == 0


def test_the_index_lists_reports_with_counts_thumbnail_and_provenance():
    entries = [index.Entry("01_a.html", "A & co", "Sum.", 1, 2, png_uri(10, 5), "Alt <x>."),
               index.Entry("02_b.html", "B", "Other.", 0, 1, None, None)]
    prov = index.Provenance("0.1.0", "abc123 with uncommitted changes",
                            [("data/raw/x.csv", "ff" * 32)])
    html = index.render(entries, prov)
    assert '<a href="01_a.html">A &amp; co</a>' in html
    assert "1 figure, 2 tables" in html and "0 figures, 1 table" in html
    assert html.count('<img class="cs-thumb"') == 1 and 'alt="Alt &lt;x&gt;."' in html
    assert "abc123 with uncommitted changes" in html and "ff" * 32 in html
    assert index.render(entries, prov) == html


def test_provenance_reads_the_manifest_and_survives_a_folder_outside_git(tmp_path):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    manifest = {"resources": [{"name": "s", "path": "sources.csv", "sha256": "ab" * 32}]}
    (tmp_path / "data" / "raw" / "datapackage.json").write_text(json.dumps(manifest))
    prov = index.provenance(tmp_path)
    assert prov.commit == "none (the project is not under git)"
    assert prov.data_files == [("data/raw/sources.csv", "ab" * 32)]


def test_the_print_document_joins_reports_with_a_break_before_each():
    from casestudy.report import pdf

    def report_page(title: str, main: str) -> str:
        return (f"<html><head><title>{title}</title><style>x{{}}</style></head><body>"
                f"<header>nav</header><main>{main}</main><footer>f</footer></body></html>")

    joined = pdf.join([
        ("01_a", report_page("A", '<h2 id="s">S</h2><li id="ref-E3">E3</li>'
                                  '<a class="cite" href="#ref-E3">E3</a>'
                                  '<a href="02_b.html">B</a>')),
        ("02_b", report_page("B", '<h2 id="s">S</h2><a href="01_a.html#s">back</a>')),
    ])
    assert joined.count('<section class="cs-report-part"') == 2
    assert ".cs-report-part + .cs-report-part { break-before: page; }" in joined
    assert 'id="01_a--s"' in joined and 'id="02_b--s"' in joined  # ids stay unique
    assert 'href="#01_a--ref-E3"' in joined and 'id="01_a--ref-E3"' in joined
    assert 'href="#part-02_b"' in joined and 'href="#01_a--s">back' in joined
    assert "<header>" not in joined and "<title>A</title>" in joined


def test_printing_without_built_reports_is_an_error(tmp_path):
    from casestudy.report import pdf

    with pytest.raises(ReportError, match=r"01_a\.html: not built"):
        pdf.write(tmp_path, ["01_a"])


def test_assemble_keeps_the_images_plots_show_rendered():
    big = png_uri(2400, 1200)
    main = f'<figure class="cs-figure" id="fig-1-1"><img src="{big}" alt="a" width="800">'
    done = page.assemble(body(main), "01_a.ipynb", None, None, {})
    assert f'<img src="{big}" alt="a" width="800">' in done.html
