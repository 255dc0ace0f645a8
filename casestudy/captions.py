"""Numbered captions and linked source notes, shared by ``tables.show`` and ``plots.show``.

A report's tables and figures are numbered "N.M": N is the report's number, read from the
notebook's file name (``02_context`` → 2), M the item's order in the report, counted per
kind ("table", "figure") in the running kernel. The report builder passes the notebook's
name to each kernel as ``$CASESTUDY_NOTEBOOK``; in JupyterLab ``$JPY_SESSION_NAME`` (the
notebook's path) stands in. Outside any numbered notebook items are numbered "M" alone.

>>> import os
>>> os.environ["CASESTUDY_NOTEBOOK"] = "02_context"
>>> reset()
>>> next_number("table"), next_number("table"), next_number("figure")
('2.1', '2.2', '2.1')
>>> anchor("tbl", "2.1")
'tbl-2-1'
>>> del os.environ["CASESTUDY_NOTEBOOK"]
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePath

from casestudy.errors import CaseStudyError

_NUMBERED = re.compile(r"^(\d+)_")
_counters: Counter[str] = Counter()


def report_number() -> int | None:
    """The running notebook's number: from ``$CASESTUDY_NOTEBOOK``, else the basename of
    ``$JPY_SESSION_NAME``; None when neither names an ``NN_…`` notebook.

    >>> import os
    >>> os.environ["CASESTUDY_NOTEBOOK"] = "05_impact"
    >>> report_number()
    5
    >>> del os.environ["CASESTUDY_NOTEBOOK"]
    """
    name = os.environ.get("CASESTUDY_NOTEBOOK") or os.environ.get("JPY_SESSION_NAME") or ""
    # JupyterLab gives a path (POSIX or Windows); the builder gives a bare stem.
    base = PurePath(name.replace("\\", "/")).name
    found = _NUMBERED.match(base)
    return int(found.group(1)) if found else None


def reset() -> None:
    """Start numbering again at 1 for every kind (a fresh kernel starts there anyway)."""
    _counters.clear()


def next_number(kind: str) -> str:
    """The next number of ``kind`` in this report: ``"N.M"``, or ``"M"`` outside a report."""
    _counters[kind] += 1
    n = report_number()
    m = _counters[kind]
    return f"{n}.{m}" if n is not None else str(m)


def anchor(prefix: str, number: str) -> str:
    """The HTML id of a numbered item: ``tbl-2-1``, ``fig-3-2``."""
    return f"{prefix}-{number.replace('.', '-')}"


def source_ids(ids: Iterable[object] | str | None) -> list[str]:
    """Distinct ids in study order (the order of ``data/raw/sources.csv``: England, Scotland,
    the Netherlands, Italy, then the statistics), ``;``-separated cells split; unknown ids
    raise.

    Checking against ``sources.csv`` here means a caption can never cite a source the
    project does not list, and every link finds its entry in the References.

    >>> source_ids(["S2;E10", "S1", "E2"])
    ['E2', 'E10', 'S1', 'S2']
    """
    from casestudy import data, sources

    if ids is None:
        return []
    found = sources.split_ids(ids)
    position = {sid: i for i, sid in enumerate(data.load_sources()["source_id"])}
    missing = [i for i in found if i not in position]
    if missing:
        raise CaseStudyError(
            f"source id(s) {', '.join(missing)} not in data/raw/sources.csv "
            f"(expected ids listed there, e.g. {next(iter(position))})"
        )
    return sorted(found, key=position.__getitem__)


def cite_link(sid: str) -> str:
    """A link to the References entry of ``sid``: ``<a class="cite" href="#ref-E3">E3</a>``
    (the form ``report.page.cited_ids`` collects)."""
    sid = html.escape(sid, quote=True)
    return f'<a class="cite" href="#ref-{sid}">{sid}</a>'


def cite_links(ids: Iterable[str]) -> str:
    """Comma-separated links to the References entries: ``<a class="cite" href="#ref-E3">``.

    >>> cite_links(["E3", "S1"])
    '<a class="cite" href="#ref-E3">E3</a>, <a class="cite" href="#ref-S1">S1</a>'
    """
    return ", ".join(cite_link(i) for i in ids)


def sources_sentence(ids: list[str]) -> str:
    """``Sources: <links>.``, or an empty string for no ids."""
    return f"Sources: {cite_links(ids)}." if ids else ""
