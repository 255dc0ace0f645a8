"""How result objects show themselves: plain text for ``repr`` and HTML for JupyterLab.

Both forms carry the same three parts, as statsmodels' summaries do: a title, a few
"name: value" facts about the fit, and the result's table. The HTML is escaped and has no
random ids, so an executed notebook is the same bytes on every run.

>>> import pandas as pd
>>> print(summary_text("Example", [("rows", "2")], pd.DataFrame({"a": [1.5, 2.0]})))
Example
rows: 2
  a
1.5
  2
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd


def _formatted(table: pd.DataFrame, digits: int) -> pd.DataFrame:
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}g}")
    return out.astype(object).where(out.notna(), "")


def summary_text(title: str, facts: Sequence[tuple[str, str]], table: pd.DataFrame, *,
                 note: str | None = None, digits: int = 4) -> str:
    """The ``repr`` of a result: title, facts, then the table without its index."""
    lines = [title, *(f"{k}: {v}" for k, v in facts)]
    if len(table):
        lines.append(_formatted(table, digits).to_string(index=False))
    if note:
        lines.append(note)
    return "\n".join(lines)


def summary_html(title: str, facts: Sequence[tuple[str, str]], table: pd.DataFrame, *,
                 note: str | None = None, digits: int = 4) -> str:
    """The ``_repr_html_`` of a result: the same parts as :func:`summary_text`."""
    esc = html.escape
    parts = [f"<div class=\"cs-result\"><p><strong>{esc(title)}</strong></p>"]
    if facts:
        parts.append("<p>" + "<br>".join(f"{esc(k)}: {esc(v)}" for k, v in facts) + "</p>")
    if len(table):
        body = _formatted(table, digits)
        head = "".join(f"<th>{esc(str(c))}</th>" for c in body.columns)
        rows = "".join("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>"
                       for row in body.itertuples(index=False))
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    if note:
        parts.append(f"<p>{esc(note)}</p>")
    parts.append("</div>")
    return "".join(parts)
