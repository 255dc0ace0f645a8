"""Rich display of QCA results in JupyterLab: escaped, deterministic HTML (no random ids).

Every result object renders as a ``<div class="cs-qca">`` holding a heading line and its
tables (pandas' ``to_html`` with escaping on and no index), so the same object always
gives the same bytes and no label or case name can inject markup.
"""

from __future__ import annotations

from html import escape

import pandas as pd


def frame_html(frame: pd.DataFrame, *, decimals: int = 3) -> str:
    """A table without the pandas index, numbers at ``decimals`` places, text escaped.

    The columns' name (a pivot's, say) is dropped too: ``to_html`` would give it a header
    cell and every row a blank index cell, one column more than the table has.

    >>> frame_html(pd.DataFrame({"term": ["A<B"], "incl": [0.5]}))[:40]
    '<table border="1" class="dataframe cs-qc'
    >>> "<th></th>" in frame_html(pd.DataFrame({"a": [1]}).rename_axis(columns="term"))
    False
    """
    return frame.rename_axis(columns=None).to_html(index=False, escape=True, na_rep="", border=1,
                         classes="cs-qca-table",
                         float_format=lambda v: f"{v:.{decimals}f}")


def block(title: str, *parts: str, notes: tuple[str, ...] = ()) -> str:
    """The object's HTML: a bold title (escaped), the parts (already HTML), notes (escaped).

    >>> block("Truth <table>", "<p>x</p>")
    '<div class="cs-qca"><p><strong>Truth &lt;table&gt;</strong></p><p>x</p></div>'
    """
    body = "".join(parts) + "".join(f"<p>{escape(n)}</p>" for n in notes)
    return f'<div class="cs-qca"><p><strong>{escape(title)}</strong></p>{body}</div>'


def code_list(lines: list[str]) -> str:
    """Lines as a list of ``<code>`` items (models, one per line)."""
    items = "".join(f"<li><code>{escape(line)}</code></li>" for line in lines)
    return f"<ul>{items}</ul>"
