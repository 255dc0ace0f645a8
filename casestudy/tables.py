"""The house table: numbered caption, no index, nothing cut, a linked source note.

``show(df, caption=…)`` is the last expression of a notebook cell; JupyterLab and the
report render it as

.. code-block:: html

    <div class="cs-table" id="tbl-2-1">
      <div class="cs-scroll" …><table><caption>Table 2.1: …</caption>…</table></div>
      <p class="cs-source-note">Sources: <a class="cite" href="#ref-E3">E3</a>, …</p>
    </div>

The markup is made by a pandas ``Styler`` (the renderer pandas ships, so no extra
dependency) from cells this module formats and escapes itself: text left-aligned and
wrapped, numbers right-aligned with a fixed number of decimals per column, units in the
header, a key column (or none) instead of pandas' integer index, long text in an
expandable ``<details>`` rather than cut, source ids linked to the report's References.
Wide tables scroll inside their own container, so the page never overflows. Ids are fixed
(``tbl-N-M``), so the same table gives the same bytes every build.

>>> import pandas as pd
>>> t = show(pd.DataFrame({"case": ["NL"], "share": [0.24]}), caption="Shares.", key="case",
...          decimals={"share": 1}, units={"share": "%"})
>>> "<caption" in t._repr_html_() and "0.2</td>" in t._repr_html_()
True
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real

import pandas as pd

from casestudy import captions
from casestudy.errors import CaseStudyError

#: Cells of a ``details`` column longer than this go into an expandable ``<details>``.
DETAILS_CHARS = 160
#: Characters of such a cell shown before it is expanded (cut at a word boundary).
SUMMARY_CHARS = 90
#: Text columns whose longest cell exceeds this get a wider minimum width, so that wrapped
#: prose stays readable instead of one word per line.
LONG_TEXT = 40
#: Most decimals chosen automatically for a float column whose decimals are not stated.
MAX_AUTO_DECIMALS = 3

# Element-and-class selectors outrank JupyterLab's and nbconvert's table rules (which
# right-align every cell and fix the layout); identical for every table, so the report
# template may also carry it once. ``break-word`` (not ``anywhere``) keeps a column at
# least as wide as its longest word.
CSS = """\
div.cs-table{margin:1.2em 0;max-width:100%}
div.cs-table div.cs-scroll{overflow-x:auto;max-width:100%}
div.cs-table table{border-collapse:collapse;table-layout:auto;margin:0;font-size:0.9em}
div.cs-table caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 0.4em}
div.cs-table td,div.cs-table th{padding:0.3em 0.6em;vertical-align:top;white-space:normal;\
overflow-wrap:break-word;max-width:32rem;border-bottom:1px solid #ddd;line-height:1.35}
div.cs-table thead th{border-bottom:2px solid #555;vertical-align:bottom}
div.cs-table td.cs-text,div.cs-table th.cs-text{text-align:left}
div.cs-table td.cs-num,div.cs-table th.cs-num{text-align:right;\
font-variant-numeric:tabular-nums;white-space:nowrap}
div.cs-table .cs-long{min-width:12rem}
div.cs-table details summary{cursor:pointer}
div.cs-table span.cs-more{color:#555;font-style:italic}
div.cs-table p.cs-source-note{font-size:0.85em;color:#444;margin:0.4em 0 0}"""

_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|#|\./|\.\./|[\w-]+\.html)[^)\s]*)\)")


@dataclass
class Table:
    """A table ready to show: the data, its number and how to format it.

    ``html`` is the full markup; ``data`` the frame as given (for further work).
    """

    data: pd.DataFrame
    caption: str
    number: str
    source_ids: list[str] = field(default_factory=list)
    html: str = ""

    @property
    def anchor(self) -> str:
        """The table's HTML id, e.g. ``tbl-2-1``, for links from other reports."""
        return captions.anchor("tbl", self.number)

    def table(self) -> pd.DataFrame:
        """The data shown, as a DataFrame."""
        return self.data

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        rows, cols = self.data.shape
        return f"Table {self.number}: {self.caption} ({rows} rows × {cols} columns)"


def show(df: pd.DataFrame, caption: str, *, key: str | None = None,
         source_ids: Iterable[str] | str | None = "source_id",
         decimals: Mapping[str, int] | None = None, units: Mapping[str, str] | None = None,
         labels: Mapping[str, str] | None = None, details: Iterable[str] = (),
         ) -> Table:
    """Number ``df`` as the report's next table and render it in the house style.

    - ``key``: the column that identifies a row, shown first as the row header; with
      ``None`` there is no row header. An index of labels (named or not, e.g. a crosstab's
      or a profile's) is turned into columns first, its first level the key when none is
      given (name it with ``rename_axis`` for a header); an unnamed integer index (pandas'
      default, or row labels left by filtering) is never shown.
    - ``source_ids``: a column of ``;``-separated ids (default ``"source_id"``, used when
      present; its cells are shown as links) or a list of ids. The note under the table
      lists them once each, in study order (that of ``sources.csv``); unknown ids raise.
    - ``decimals``: decimals per numeric column; float columns not named get the fewest
      decimals (up to 3) that show every value exactly, integers none. Columns named for
      years have no thousands separator; p-values (``p``, ``p_value``, ``…_p``) below the
      precision shown read "<0.001".
    - ``units``: appended to the header in parentheses, ``{"share": "%"}`` → "share (%)".
    - ``labels``: header text per column; other headers are the column names with
      underscores as spaces.
    - ``details``: columns whose long cells (over ``DETAILS_CHARS``) are shown in an
      expandable ``<details>``; every other cell is shown whole, wrapped.

    Text is HTML-escaped; markdown links ``[text](https://…)`` in it become links.

    >>> import pandas as pd
    >>> t = show(pd.DataFrame({"x": ["<script>"]}), caption="Escaped.", source_ids=None)
    >>> "&lt;script&gt;" in t.html and "<script>" not in t.html
    True
    """
    frame, index_key = _tidy_frame(df)
    key = key if key is not None else index_key
    details = [details] if isinstance(details, str) else list(details)
    _check_columns(frame, key, decimals, units, labels, details)
    if key is not None:
        frame = frame[[key, *[c for c in frame.columns if c != key]]]
    named_column = isinstance(source_ids, str)
    if named_column and source_ids not in frame and source_ids != "source_id":
        raise CaseStudyError(
            f"tables.show: source_ids={source_ids!r} is not a column of the table "
            f"(columns: {', '.join(map(str, frame.columns))}); pass a column name or "
            "a list of source ids"
        )
    # The rows' own ids are links whenever the table has its column, whatever the note cites.
    cite_col = source_ids if named_column and source_ids in frame else (
        "source_id" if "source_id" in frame else None)
    row_ids = captions.source_ids(frame[cite_col]) if cite_col else []
    ids = row_ids if named_column else captions.source_ids(source_ids)
    number = captions.next_number("table")
    markup = _render(frame, caption=caption, number=number, key=key, ids=ids,
                     source_col=cite_col, decimals=dict(decimals or {}),
                     units=dict(units or {}), labels=dict(labels or {}),
                     details=set(details))
    return Table(df, caption, number, ids, markup)


# --------------------------------------------------------------------------- the frame

def _tidy_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Flat string column names and a named index moved into the columns (its first
    level returned as the key)."""
    if not isinstance(df, pd.DataFrame):
        raise CaseStudyError(
            f"tables.show expects a pandas DataFrame, got {type(df).__name__}; "
            "use .to_frame() for a Series"
        )
    frame = df.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = [" ".join(str(p) for p in col if str(p) != "").strip()
                         for col in frame.columns]
    else:
        frame.columns = [str(c) for c in frame.columns]
    key = None
    if frame.index.nlevels > 1:
        # pd.concat({...}) leaves each part's row numbers as an unnamed integer level.
        positions = [i for i, (name, level) in enumerate(zip(frame.index.names,
                                                              frame.index.levels, strict=True))
                     if name is None and pd.api.types.is_integer_dtype(level.dtype)]
        if len(positions) == frame.index.nlevels:
            frame = frame.reset_index(drop=True)
        elif positions:
            frame = frame.droplevel(positions)
    index = frame.index
    unnamed_numbers = (index.nlevels == 1 and index.name is None
                       and pd.api.types.is_integer_dtype(index.dtype))
    if unnamed_numbers:
        # Row positions or labels left over from filtering: not something to show.
        frame = frame.reset_index(drop=True)
    else:
        names = [str(n) if n is not None else "" for n in index.names]
        key = names[0]
        frame = frame.reset_index()
        frame.columns = [*names, *[str(c) for c in frame.columns[len(names):]]]
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise CaseStudyError(
            f"tables.show: duplicate column name(s) {', '.join(duplicated)}; rename them "
            "so each header is unique"
        )
    return frame, key


def _check_columns(frame: pd.DataFrame, key: str | None, *maps: object) -> None:
    known = set(frame.columns)
    asked = ([key] if key is not None else [])
    for mapping in maps:
        asked.extend(mapping or ())  # type: ignore[arg-type]
    unknown = [str(c) for c in asked if c not in known]
    if unknown:
        raise CaseStudyError(
            f"tables.show: column(s) {', '.join(unknown)} not in the table "
            f"(columns: {', '.join(frame.columns)})"
        )


def _is_numeric(series: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(series)
            and not pd.api.types.is_bool_dtype(series))


def _auto_decimals(series: pd.Series) -> int:
    values = pd.to_numeric(series, errors="coerce").dropna()
    if pd.api.types.is_integer_dtype(series):
        return 0
    for places in range(MAX_AUTO_DECIMALS + 1):
        if ((values.round(places) - values).abs() < 1e-9).all():
            return places
    return MAX_AUTO_DECIMALS


# --------------------------------------------------------------------------- cells

def _text(value: object) -> str:
    """Escaped text with markdown links made live and line breaks kept."""
    escaped = html.escape(str(value), quote=True)
    linked = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', escaped)
    return linked.replace("\n", "<br>")


def _is_year(col: str) -> bool:
    return "year" in col.lower()


def _is_p_value(col: str) -> bool:
    name = col.lower().replace("-", "_")
    return name in {"p", "p_value", "pvalue", "pr"} or name.endswith("_p")


def _number(value: object, places: int, *, col: str) -> str:
    # Years read as years ("2016", never "2,016"); other numbers get thousands separators.
    sep = "" if _is_year(col) else ","
    if isinstance(value, Integral) and not isinstance(value, bool):
        return f"{value:{sep}d}" if places == 0 else f"{value:{sep}.{places}f}"
    if isinstance(value, Real):
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "−∞"
        # A p-value below the shown precision is "<0.001", as journals print it, not 0.000.
        if _is_p_value(col) and 0 <= number < 0.5 * 10 ** -places:
            return f"&lt;{10 ** -places:.{places}f}" if places else "&lt;1"
        # Rounded to zero reads 0.000, not −0.000; minus signs are true minus signs.
        number = 0.0 if round(number, places) == 0 else number
        return f"{number:{sep}.{places}f}".replace("-", "−")
    return _text(value)


def _details(text: str) -> str:
    """Short text as it is; long text with its opening as the summary and the rest inside.

    A multi-line cell (one entry a line, as in the framework matrix) opens on its first
    entry, whole, and says how many more it holds; a long single text opens on the words
    that fit in ``SUMMARY_CHARS``. Nothing is dropped.
    """
    if len(text) <= DETAILS_CHARS:
        return _text(text)
    lines = text.split("\n")
    if len(lines) > 1 and len(lines[0]) <= 3 * DETAILS_CHARS:
        head, rest = lines[0], "\n".join(lines[1:])
        more = f"(+{len(lines) - 1} more)"
    else:
        cut = text.rfind(" ", 0, SUMMARY_CHARS)
        cut = cut if cut > 0 else SUMMARY_CHARS
        head, rest = text[:cut], text[cut:].lstrip(" ")
        more = "(more)"
    return (f'<details><summary>{_text(head)} <span class="cs-more">{more}</span></summary>'
            f"{_text(rest)}</details>")


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell(value: object, *, col: str, numeric: bool, places: int, detail: bool,
          cite: bool) -> str:
    if _missing(value):
        return ""
    if cite:
        from casestudy import sources

        return captions.cite_links(sources.split_ids(str(value)))
    if numeric:
        return _number(value, places, col=col)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    return _details(str(value)) if detail else _text(value)


# --------------------------------------------------------------------------- markup

def _render(frame: pd.DataFrame, *, caption: str, number: str, key: str | None,
            ids: list[str], source_col: str | None, decimals: dict[str, int],
            units: dict[str, str], labels: dict[str, str], details: set[str]) -> str:
    shown = pd.DataFrame(index=range(len(frame)))
    classes = pd.DataFrame(index=range(len(frame)))
    headers = {}
    for col in frame.columns:
        series = frame[col]
        numeric = _is_numeric(series)
        places = decimals.get(col, _auto_decimals(series) if numeric else 0)
        shown[col] = [_cell(v, col=col, numeric=numeric, places=places,
                            detail=col in details, cite=col == source_col) for v in series]
        long = (not numeric and col in details) or (
            not numeric and series.dropna().astype(str).str.len().max() > LONG_TEXT)
        kind = "cs-num" if numeric else "cs-text"
        classes[col] = f"{kind} cs-long" if long else kind
        label = labels.get(col, col.replace("_", " "))
        if col in units:
            label = f"{label} ({units[col]})"
        headers[col] = (html.escape(label), kind)
    anchor = captions.anchor("tbl", number)
    styler = shown.style
    styler.hide(axis="index")
    styler.relabel_index([h for h, _ in headers.values()], axis="columns")
    styler.set_td_classes(classes)
    styler.set_table_styles(
        {col: [{"selector": "th", "props": [("text-align",
                                             "right" if kind == "cs-num" else "left")]}]
         for col, (_, kind) in headers.items()}, overwrite=True)
    # Styler escapes nothing here: every cell was escaped (or made into links) above.
    styler.set_caption(f"Table {html.escape(number)}: {html.escape(caption)}")
    table_html = styler.to_html(table_uuid=anchor, cell_ids=False,
                                table_attributes='class="cs-table-body"')
    table_html = _row_headers(table_html.replace('class="col_heading',
                                                 'scope="col" class="col_heading'),
                              key is not None)
    note = captions.sources_sentence(ids)
    note_html = f'\n<p class="cs-source-note">{note}</p>' if note else ""
    # A focusable, labelled region: keyboard users can scroll a wide table (WCAG 2.1.1).
    return (f'<div class="cs-table" id="{anchor}">\n<style>\n{CSS}\n</style>\n'
            f'<div class="cs-scroll" tabindex="0" role="region" '
            f'aria-label="Table {html.escape(number)}">\n{table_html}</div>{note_html}\n</div>')


_FIRST_TD = re.compile(r'(<tr>\s*)<td( id="[^"]*")? class="([^"]*)"\s*>(.*?)</td>', re.S)


def _row_headers(markup: str, keyed: bool) -> str:
    """The key column's cells as row headers (``<th scope="row">``) for screen readers."""
    if not keyed:
        return markup
    return _FIRST_TD.sub(lambda m: f'{m.group(1)}<th{m.group(2) or ""} scope="row" '
                                   f'class="{m.group(3)}">{m.group(4)}</th>', markup)
