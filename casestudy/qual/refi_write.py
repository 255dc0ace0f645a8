"""A small REFI-QDA ``.qdpx`` writer: standard text sources, a code tree, codings and
cases, byte-identical for the same input (the demonstration project is written with it).

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "one.qdpx"
>>> _ = write_qdpx(path, sources=pd.DataFrame({"source": ["d"], "text": ["Pooled."]}),
...                codings=pd.DataFrame({"source": ["d"], "code": ["finance/pooling"],
...                                      "start": [0], "end": [6]}))
>>> import zipfile
>>> sorted(zipfile.ZipFile(path).namelist())[0]
'project.qde'
"""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

from casestudy import data
from casestudy.errors import CaseStudyError
from casestudy.qual._io import add_entry
from casestudy.qual.evidence import THEME_SEP

_NS_DEMO = uuid.UUID("6f1c2a52-3d4e-5b6a-8c7d-9e0f1a2b3c4d")


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(_NS_DEMO, "\x1f".join(parts)))


def write_qdpx(path: str | Path, *, sources: pd.DataFrame, codings: pd.DataFrame,
               cases: pd.DataFrame | None = None, name: str = "casestudy project",
               origin: str = "casestudy", coder: str = "casestudy") -> Path:
    """Write a small standard REFI-QDA project: text sources, a code tree, codings, cases.

    Args:
        sources: columns ``source`` (name) and ``text``.
        codings: columns ``source``, ``code`` (path, levels joined by ``/``; nested
            ``Code`` elements are written for each level), ``start``, ``end`` (code points,
            end exclusive) and optionally ``coder``.
        cases: optional columns ``case`` and ``source`` (membership), and any further
            columns written as text variables of the case (e.g. ``tier``).

    Offsets are code points as the standard says, GUIDs are derived from names (so the
    same input gives the same bytes), texts go to ``sources/<guid>.txt`` referenced as
    ``internal://<guid>.txt``. The file is written atomically.
    """
    for col in ("source", "text"):
        if col not in sources.columns:
            raise CaseStudyError(f"write_qdpx: sources needs a '{col}' column")
    for col in ("source", "code", "start", "end"):
        if col not in codings.columns:
            raise CaseStudyError(f"write_qdpx: codings needs a '{col}' column")
    src_guid = {s: _guid("source", s) for s in sources["source"]}
    text_of = dict(zip(sources["source"], sources["text"], strict=True))
    coders = sorted(set(codings["coder"].dropna()) if "coder" in codings else set()) or [coder]
    user_guid = {u: _guid("user", u) for u in coders}
    tree: dict[str, dict] = {}
    for code in sorted(set(codings["code"])):
        node = tree
        for part in code.split(THEME_SEP):
            node = node.setdefault(part, {})

    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<Project xmlns="urn:QDA-XML:project:1.0" name={quoteattr(name)} '
           f'origin={quoteattr(origin)}>', "  <Users>"]
    out += [f'    <User guid="{g}" name={quoteattr(u)}/>' for u, g in user_guid.items()]
    out += ["  </Users>", "  <CodeBook>", "    <Codes>"]

    def emit(node: dict, prefix: list[str], depth: int) -> None:
        for part, children in node.items():
            path = [*prefix, part]
            pad = "  " * depth
            g = _guid("code", THEME_SEP.join(path))
            if children:
                out.append(f'{pad}<Code guid="{g}" name={quoteattr(part)} isCodable="true">')
                emit(children, path, depth + 1)
                out.append(f"{pad}</Code>")
            else:
                out.append(f'{pad}<Code guid="{g}" name={quoteattr(part)} isCodable="true"/>')

    emit(tree, [], 3)
    out += ["    </Codes>", "  </CodeBook>"]
    extra = [c for c in (cases.columns if cases is not None else []) if c not in
             ("case", "source")]
    if extra:
        out.append("  <Variables>")
        out += [f'    <Variable guid="{_guid("variable", v)}" name={quoteattr(v)} '
                f'typeOfVariable="Text"/>' for v in extra]
        out.append("  </Variables>")
    if cases is not None and len(cases):
        out.append("  <Cases>")
        for cname, grp in cases.groupby("case", sort=True):
            out.append(f'    <Case guid="{_guid("case", str(cname))}" '
                       f'name={quoteattr(str(cname))}>')
            for v in extra:
                val = grp[v].dropna().iloc[0] if grp[v].notna().any() else ""
                out += [f"      <VariableValue><VariableRef targetGUID="
                        f'"{_guid("variable", v)}"/><TextValue>{escape(str(val))}'
                        "</TextValue></VariableValue>"]
            out += [f'      <SourceRef targetGUID="{src_guid[s]}"/>' for s in grp["source"]]
            out.append("    </Case>")
        out.append("  </Cases>")
    out.append("  <Sources>")
    for sname in sources["source"]:
        g = src_guid[sname]
        out.append(f'    <TextSource guid="{g}" name={quoteattr(str(sname))} '
                   f'plainTextPath="internal://{g}.txt">')
        for i, c in enumerate(codings[codings["source"] == sname].itertuples(index=False)):
            text = text_of[sname]
            s, e = int(c.start), int(c.end)
            if not 0 <= s <= e <= len(text):
                raise CaseStudyError(f"write_qdpx: coding {i} of {sname!r} spans {s}–{e}, "
                                     f"outside its text of {len(text)} characters")
            who = getattr(c, "coder", None) or coders[0]
            sg = _guid("selection", str(sname), str(i), c.code)
            out += [f'      <PlainTextSelection guid="{sg}" '
                    f"name={quoteattr(text[s:e][:60])} startPosition=\"{s}\" "
                    f'endPosition="{e}" creatingUser="{user_guid[who]}">',
                    f'        <Coding guid="{_guid("coding", sg)}" '
                    f'creatingUser="{user_guid[who]}">',
                    f'          <CodeRef targetGUID="{_guid("code", c.code)}"/>',
                    "        </Coding>", "      </PlainTextSelection>"]
        out.append("    </TextSource>")
    out += ["  </Sources>", "</Project>", ""]

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        add_entry(zf, "project.qde", "\n".join(out).encode("utf-8"))
        for sname in sources["source"]:
            add_entry(zf, f"sources/{src_guid[sname]}.txt",
                      str(text_of[sname]).encode("utf-8"))
    return data.atomic_write(path, buf.getvalue())
