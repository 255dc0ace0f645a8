"""The house table: no index, nothing cut, numbers aligned, numbered, sourced, escaped."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from casestudy import captions, tables
from casestudy.errors import CaseStudyError


@pytest.fixture(autouse=True)
def _report_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASESTUDY_NOTEBOOK", "02_context")
    captions.reset()


def _cells(markup: str) -> list[str]:
    return re.findall(r"<t[dh](?:\s[^>]*)?>(.*?)</t[dh]>", markup, flags=re.S)


def test_caption_numbering_and_anchor() -> None:
    df = pd.DataFrame({"a": [1]})
    first = tables.show(df, caption="First.", source_ids=None)
    second = tables.show(df, caption="Second.", source_ids=None)
    assert '<div class="cs-table" id="tbl-2-1">' in first.html
    assert "<caption>Table 2.1: First.</caption>" in first.html
    assert "<caption>Table 2.2: Second.</caption>" in second.html
    assert second.anchor == "tbl-2-2"
    assert repr(second) == "Table 2.2: Second. (1 rows × 1 columns)"


def test_no_integer_index_column() -> None:
    df = pd.DataFrame({"name": ["x", "y", "z"]}, index=[7, 8, 9])
    cells = _cells(tables.show(df, caption="c", source_ids=None).html)
    assert cells == ["name", "x", "y", "z"]


def test_named_index_becomes_the_key_row_header() -> None:
    df = pd.crosstab(pd.Series(["NL", "IT", "NL"], name="case"),
                     pd.Series(["a", "b", "b"], name="tier"))
    markup = tables.show(df, caption="c", source_ids=None).html
    assert markup.count('scope="col"') == 3
    assert 'scope="row" class="data row0 col0 cs-text">IT</th>' in markup
    assert _cells(markup)[:3] == ["case", "a", "b"]


def test_unnamed_label_index_is_kept_as_the_key() -> None:
    df = pd.DataFrame({"NL": ["a"], "IT": ["b"]}, index=["legislation"])
    markup = tables.show(df, caption="c", source_ids=None).html
    assert _cells(markup) == ["", "NL", "IT", "legislation", "a", "b"]
    assert 'scope="row"' in markup


def test_concatenated_parts_keep_their_label_not_their_row_numbers() -> None:
    part = pd.DataFrame({"effect": ["level", "slope"]})
    df = pd.concat({"attendances": part, "share": part}).rename_axis(["model", None])
    cells = _cells(tables.show(df, caption="c", source_ids=None).html)
    assert cells == ["model", "effect", "attendances", "level", "attendances", "slope",
                     "share", "level", "share", "slope"]


def test_long_text_is_whole_never_cut() -> None:
    text = "word " * 80 + "end of the sentence."
    markup = tables.show(pd.DataFrame({"rationale": [text]}), caption="c",
                         source_ids=None).html
    assert "end of the sentence." in markup
    assert "..." not in markup and "…" not in markup
    assert "cs-long" in markup


def test_details_keep_every_word_expandable() -> None:
    text = " ".join(f"w{i}" for i in range(100))
    markup = tables.show(pd.DataFrame({"note": [text, "short"]}), caption="c",
                         source_ids=None, details=["note"]).html
    summary, rest = re.search(r"<details><summary>(.*?) <span class=\"cs-more\">\(more\)"
                              r"</span></summary>(.*?)</details>", markup).groups()
    assert f"{summary} {rest}" == text
    assert 'class="data row1 col0 cs-text cs-long" >short</td>' in markup


def test_multi_line_cells_keep_their_lines_and_open_on_the_first() -> None:
    text = "\n".join(f"(+) finding number {i} " + "x" * 40 for i in range(4))
    markup = tables.show(pd.DataFrame({"cell": [text]}), caption="c", source_ids=None,
                         details=["cell"]).html
    summary, rest = re.search(r"<details><summary>(.*?)</summary>(.*?)</details>",
                              markup).groups()
    assert summary == "(+) finding number 0 " + "x" * 40 + ' <span class="cs-more">(+3 more)</span>'

    assert rest.count("<br>") == 2 and rest.startswith("(+) finding number 1")


def test_decimals_per_column_and_alignment() -> None:
    df = pd.DataFrame({"state": ["NLD", "ITA"], "share": [7.25, 10.0], "n": [3, 1200],
                       "p": [0.123456, -0.5]})
    markup = tables.show(df, caption="c", source_ids=None, decimals={"share": 1},
                         units={"share": "% of GDP"}, labels={"n": "count"}).html
    cells = _cells(markup)
    assert cells[:4] == ["state", "share (% of GDP)", "count", "p"]
    # Stated decimals for share; integers with thousands separators; p auto (3 places).
    assert cells[4:8] == ["NLD", "7.2", "3", "0.123"]
    assert cells[8:] == ["ITA", "10.0", "1,200", "−0.500"]
    assert 'class="data row0 col1 cs-num" >7.2</td>' in markup
    assert 'class="data row0 col0 cs-text" >NLD</td>' in markup
    assert re.search(r"th\.col1 \{\s*text-align: right;", markup)
    assert re.search(r"th\.col0 \{\s*text-align: left;", markup)


def test_years_have_no_separator_and_small_p_values_read_below() -> None:
    df = pd.DataFrame({"first_year": [2000], "n": [20000], "p_value": [3e-5],
                       "estimate": [-0.00002]})
    cells = _cells(tables.show(df, caption="c", source_ids=None,
                               decimals={"p_value": 3, "estimate": 3}).html)
    assert cells[4:] == ["2000", "20,000", "&lt;0.001", "0.000"]


def test_auto_decimals_show_values_exactly() -> None:
    cells = _cells(tables.show(pd.DataFrame({"m": [0.33, 1.0, 0.67]}), caption="c",
                               source_ids=None).html)
    assert cells[1:] == ["0.33", "1.00", "0.67"]


def test_source_note_from_rows_split_deduped_in_study_order() -> None:
    df = pd.DataFrame({"fact": ["a", "b", "c"], "source_id": ["E3;E1", "N2", "E1"]})
    shown = tables.show(df, caption="c")
    assert shown.source_ids == ["E1", "E3", "N2"]
    assert ('<p class="cs-source-note">Sources: <a class="cite" href="#ref-E1">E1</a>, '
            '<a class="cite" href="#ref-E3">E3</a>, '
            '<a class="cite" href="#ref-N2">N2</a>.</p>') in shown.html
    # The row's own ids are links too.
    assert ('<a class="cite" href="#ref-E3">E3</a>, <a class="cite" href="#ref-E1">E1</a>'
            '</td>') in shown.html


def test_source_ids_as_a_list_and_unknown_ids_raise() -> None:
    shown = tables.show(pd.DataFrame({"x": [1]}), caption="c", source_ids=["S1"])
    assert 'href="#ref-S1"' in shown.html
    with pytest.raises(CaseStudyError, match="NOPE"):
        tables.show(pd.DataFrame({"x": [1]}), caption="c", source_ids=["NOPE"])
    with pytest.raises(CaseStudyError, match="'refs' is not a column"):
        tables.show(pd.DataFrame({"x": [1]}), caption="c", source_ids="refs")


def test_row_ids_are_links_even_when_the_note_cites_a_list() -> None:
    df = pd.DataFrame({"fact": ["a"], "source_id": ["E2;E5"]})
    shown = tables.show(df, caption="c", source_ids=["S1"], details="fact")
    assert shown.source_ids == ["S1"]
    assert '<a class="cite" href="#ref-E2">E2</a>, <a class="cite" href="#ref-E5">E5</a>' in (
        shown.html)


def test_html_is_escaped() -> None:
    df = pd.DataFrame({"<b>col</b>": ["<script>alert(1)</script>"], "x": ["a & b"]})
    markup = tables.show(df, caption="<i>caption</i>", source_ids=None).html
    assert "<script>alert" not in markup and "<b>col" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;i&gt;caption&lt;/i&gt;" in markup
    assert "a &amp; b" in markup


def test_markdown_links_are_rendered_but_javascript_is_not() -> None:
    df = pd.DataFrame({"x": ["see [the Act](https://www.legislation.gov.uk/asp/2014/9)",
                             "[bad](javascript:alert(1))"]})
    markup = tables.show(df, caption="c", source_ids=None).html
    assert '<a href="https://www.legislation.gov.uk/asp/2014/9">the Act</a>' in markup
    assert 'href="javascript' not in markup


def test_bytes_are_deterministic() -> None:
    df = pd.DataFrame({"case": ["NL", "IT"], "v": [1.5, 2.25], "source_id": ["N1", "I1"]})
    captions.reset()
    first = tables.show(df, caption="c", key="case").html
    captions.reset()
    second = tables.show(df, caption="c", key="case").html
    assert first == second
    assert "T_tbl-2-1" in first  # the Styler's table id is the fixed anchor, not a uuid


def test_wide_tables_scroll_in_their_own_focusable_region() -> None:
    markup = tables.show(pd.DataFrame({f"c{i}": [i] for i in range(30)}), caption="c",
                         source_ids=None).html
    assert '<div class="cs-scroll" tabindex="0" role="region" aria-label="Table 2.1">' in markup
    assert "div.cs-table div.cs-scroll{overflow-x:auto" in markup


def test_unknown_columns_are_named() -> None:
    with pytest.raises(CaseStudyError, match=r"column\(s\) nope not in the table"):
        tables.show(pd.DataFrame({"x": [1]}), caption="c", source_ids=None,
                    decimals={"nope": 1})


def test_missing_values_are_blank_and_dates_are_days() -> None:
    df = pd.DataFrame({"when": pd.to_datetime(["2016-04-01", None]), "v": [1.0, None]})
    cells = _cells(tables.show(df, caption="c", source_ids=None).html)
    assert cells[2:] == ["2016-04-01", "1", "", ""]
