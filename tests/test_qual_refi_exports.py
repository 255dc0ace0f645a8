"""REFI-QDA imports against projects built here to mimic what real programs write.

The vendors' files cannot ship with the tests, so each builder below writes the quirks
named in issue 9 for one program, with element and attribute names as the REFI-QDA 1.5
schema (``Project-mrt2019.xsd``, ``Codebook.xsd``) gives them:

* ATLAS.ti 8.4: an empty ``Sources/`` folder (the texts are not exported), text, PDF
  (regions and its text representation), picture and video selections; upper-case GUIDs.
* qc (qualitative-coding): no source ``name``, a bare relative ``plainTextPath`` whose file
  sits under ``sources/``, selection names ``line:N`` rather than quotes, several coders.
* NVivo 14: offsets in UTF-16 code units over a text with emoji, CRLF and a BOM.
* MAXQDA 24: sets with source and code members and an empty set, no codings.
* ATLAS.ti 23: no ``<CodeBook>``; codings point to code GUIDs it does not define.

Plus the file-level quirks: a ``<Code>`` tree deeper than Python's recursion limit, an
XML declaration the bytes contradict, and the wrong reader for the file.
"""

from __future__ import annotations

import html
import random
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from casestudy.errors import DataValidationError
from casestudy.qual import QdaImportWarning, read_qdc, read_qdpx

NS = "urn:QDA-XML:project:1.0"


def g(n: int, upper: bool = False) -> str:
    guid = f"{n:08x}-0000-4000-8000-{n:012x}"
    return guid.upper() if upper else guid


def build(path: Path, qde: str | bytes, files: dict[str, str | bytes] | None = None,
          dirs: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for d in dirs:
            zf.writestr(zipfile.ZipInfo(d), b"")  # a directory entry, as zip tools write
        zf.writestr("project.qde", qde)
        for name, content in (files or {}).items():
            zf.writestr(name, content)
    return path


def record(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    assert all(issubclass(w.category, QdaImportWarning) for w in got)
    return result, [str(w.message) for w in got]


def coding(n: int, code: str, user: str | None = None) -> str:
    who = f' creatingUser="{user}"' if user else ""
    return f'<Coding guid="{g(9000 + n)}"{who}><CodeRef targetGUID="{code}"/></Coding>'


# --------------------------------------------------------------------------- ATLAS.ti 8.4

A_TRUST, A_POOL, A_LEAD = g(1, True), g(2, True), g(3, True)


def atlas8(tmp_path: Path) -> Path:
    """16 codings: 7 on two text sources (4 on 3 selections, 3 on 3), 2 on a PDF's text
    representation, 4 PDF regions, 2 picture regions, 1 video selection; no source files."""
    n = iter(range(1, 100))

    def text_sel(s: int, e: int, *codes: str) -> str:
        return (f'<PlainTextSelection guid="{g(100 + next(n), True)}" name="quote" '
                f'startPosition="{s}" endPosition="{e}">'
                + "".join(coding(next(n), c) for c in codes) + "</PlainTextSelection>")

    def region(tag: str, page: int | None, code: str) -> str:
        pg = f' page="{page}"' if page is not None else ""
        return (f'<{tag} guid="{g(200 + next(n), True)}" name="region"{pg} firstX="10" '
                f'firstY="20" secondX="110" secondY="220">{coding(next(n), code)}</{tag}>')

    sources = (
        f'<TextSource guid="{g(11, True)}" name="Interview NHS lead" '
        f'plainTextPath="internal://{g(11, True)}.txt">'
        + text_sel(0, 40, A_TRUST, A_LEAD) + text_sel(41, 90, A_POOL) + text_sel(91, 99, A_TRUST)
        + "</TextSource>"
        f'<TextSource guid="{g(12, True)}" name="Interview council" '
        f'plainTextPath="internal://{g(12, True)}.txt">'
        + text_sel(0, 5, A_TRUST) + text_sel(6, 12, A_POOL) + text_sel(13, 30, A_LEAD)
        + "</TextSource>"
        f'<PDFSource guid="{g(13, True)}" name="Board papers.pdf" '
        f'path="internal://{g(13, True)}.pdf">'
        + region("PDFSelection", 1, A_POOL) + region("PDFSelection", 2, A_POOL)
        + region("PDFSelection", 2, A_TRUST) + region("PDFSelection", 7, A_LEAD)
        + f'<Representation guid="{g(14, True)}" plainTextPath="internal://{g(14, True)}.txt">'
        + text_sel(100, 180, A_POOL) + text_sel(500, 520, A_TRUST)
        + "</Representation></PDFSource>"
        f'<PictureSource guid="{g(15, True)}" name="Whiteboard.jpg" '
        f'path="internal://{g(15, True)}.jpg">'
        + region("PictureSelection", None, A_LEAD) + region("PictureSelection", None, A_TRUST)
        + "</PictureSource>"
        f'<VideoSource guid="{g(16, True)}" name="Workshop.mp4" '
        f'path="internal://{g(16, True)}.mp4">'
        f'<VideoSelection guid="{g(300, True)}" name="clip" begin="61000" end="95500">'
        f"{coding(99, A_POOL)}</VideoSelection></VideoSource>")
    codes = (f'<Code guid="{A_TRUST}" name="trust" isCodable="true"/>'
             f'<Code guid="{A_POOL}" name="pooled budgets" isCodable="true"/>'
             f'<Code guid="{A_LEAD}" name="leadership" isCodable="true"/>')
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="ICS study" '
           f'origin="ATLAS.ti 8.4.4 (1135)"><CodeBook><Codes>{codes}</Codes></CodeBook>'
           f"<Sources>{sources}</Sources></Project>")
    return build(tmp_path / "atlas8.qdpx", qde, dirs=("Sources/",))


def test_atlas8_empty_sources_folder_imports_all_16_codings(tmp_path):
    p, said = record(read_qdpx, atlas8(tmp_path))
    c = p.codings
    assert len(c) == 16
    assert c["selection_kind"].value_counts().to_dict() == {
        "text": 6 + 1, "pdf-region": 4, "pdf-text": 2, "picture-region": 2, "video": 1}
    assert c["text"].isna().all() and c["code"].notna().all()
    assert all(isinstance(v, float) for v in c["text"])  # NaN, as pandas users test for it
    assert c.groupby("source").size().to_dict() == {
        "Board papers.pdf": 6, "Interview NHS lead": 4, "Interview council": 3,
        "Whiteboard.jpg": 2, "Workshop.mp4": 1}
    # positions are kept, each in its own columns
    nhs = c[c["source"] == "Interview NHS lead"]
    assert nhs[["start", "end"]].values.tolist() == [[0, 40], [0, 40], [41, 90], [91, 99]]
    pdf = c[c["selection_kind"] == "pdf-region"]
    assert pdf["page"].tolist() == [1, 2, 2, 7]
    assert pdf[["first_x", "first_y", "second_x", "second_y"]].values.tolist()[0] == [
        10, 20, 110, 220]
    assert c.loc[c["selection_kind"] == "video", ["begin_ms", "end_ms"]].values.tolist() == [
        [61000, 95500]]
    assert c.loc[c["selection_kind"] == "video", "start"].isna().all()
    # one warning per source, each counting exactly what it affects
    assert len(said) == 5, said
    assert said[0].endswith(f"text of source 'Interview NHS lead' (internal://{g(11, True)}"
                            ".txt) is not in the archive: its 4 codings are imported without "
                            "quotes")
    assert said[1].endswith("its 3 codings are imported without quotes")
    assert said[2].endswith(
        "PDF source 'Board papers.pdf': 4 region selections (4 codings) and 2 text selections "
        "(2 codings) imported without quotes (a PDF's regions and pages are not read as text; "
        f"its text representation (internal://{g(14, True)}.txt) is not in the archive)")
    assert said[3].endswith("picture source 'Whiteboard.jpg': 2 region selections "
                            "(2 codings) imported without quotes (pictures are not read)")
    assert said[4].endswith("video source 'Workshop.mp4': 1 video selection (1 coding) "
                            "imported without quotes (video is not read)")
    assert p.import_warnings == said
    assert p.counts().set_index("part")["count"].to_dict() == {
        "sources": 5, "codes": 3, "codings": 16, "cases": 0, "sets": 0, "warnings": 5}


def test_atlas8_codings_without_quotes_are_left_out_of_evidence_with_one_count(tmp_path):
    p, _ = record(read_qdpx, atlas8(tmp_path))
    with pytest.warns(QdaImportWarning, match=r"16 of 16 codings left out of the evidence "
                      r"table: 16 codings without a quote"):
        ev = p.to_evidence()
    assert ev.empty


# --------------------------------------------------------------------------- qc

QC_LINES = [f"Line {i}: the partnership board met and agreed {'x' * (i % 7)}.\n"
            for i in range(12)]


def qc_project(tmp_path: Path, *, standard_path: bool = False) -> Path:
    text = "".join(QC_LINES)
    starts = [sum(len(x) for x in QC_LINES[:i]) for i in range(len(QC_LINES) + 1)]
    users = ('<Users><User guid="' + g(501) + '" name="chris"/><User guid="' + g(502)
             + '" name="jo"/></Users>')
    codes = (f'<Code guid="{g(601)}" name="governance" isCodable="true">'
             f'<Code guid="{g(602)}" name="board" isCodable="true"/></Code>')
    sels = "".join(
        f'<PlainTextSelection guid="{g(700 + i)}" name="line:{i}" startPosition="{starts[i]}" '
        f'endPosition="{starts[i + 1]}">{coding(2 * i, g(602), g(501))}'
        f"{coding(2 * i + 1, g(601), g(502))}</PlainTextSelection>"
        for i in range(len(QC_LINES)))
    ref = f"internal://{g(800)}.txt" if standard_path else "interviews/board.txt"
    qde = (f'<Project xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           f'origin="qc 1.2.0" name="qc project">{users}<CodeBook><Codes>{codes}</Codes>'
           f'</CodeBook><Sources><TextSource plainTextPath="{ref}" guid="{g(800)}">{sels}'
           "</TextSource></Sources></Project>")
    where = f"sources/{g(800)}.txt" if standard_path else "sources/interviews/board.txt"
    return build(tmp_path / f"qc{int(standard_path)}.qdpx", qde, {where: text})


@pytest.mark.parametrize("standard_path", [False, True])
def test_qc_line_names_are_not_quotes_and_bare_paths_resolve(tmp_path, standard_path):
    p, said = record(read_qdpx, qc_project(tmp_path, standard_path=standard_path))
    assert said == []
    assert len(p.codings) == 24
    assert p.codings["text"].tolist()[::2] == QC_LINES
    assert p.codings["coder"].tolist()[:2] == ["chris", "jo"]
    assert p.codings["code"].tolist()[:2] == ["governance/board", "governance"]
    assert p.sources.loc[0, "source"] == ("board.txt" if not standard_path else
                                         f"{g(800)}.txt")


# --------------------------------------------------------------------------- NVivo 14

NVIVO_TEXT = ("Interview 3 🙂\r\nWe pooled budgets 💷💷 in 2019.\r\nTrust 🤝 took years; "
              "the ICS board 🏥 helped.\r\n" * 40)


def _units(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def nvivo_project(tmp_path: Path) -> tuple[Path, list[str]]:
    quotes = []
    sels = []
    for k, word in enumerate(["pooled budgets 💷💷", "Trust 🤝 took years", "ICS board 🏥"]):
        for rep in (0, 17, 39):
            start = NVIVO_TEXT.index(word, rep * len(NVIVO_TEXT) // 40)
            end = start + len(word)
            quotes.append(NVIVO_TEXT[start:end])
            sels.append(f'<PlainTextSelection guid="{g(1000 + 10 * k + rep)}" '
                        f'name="{word}" startPosition="{_units(NVIVO_TEXT, start)}" '
                        f'endPosition="{_units(NVIVO_TEXT, end)}">'
                        f"{coding(10 * k + rep, g(1100))}</PlainTextSelection>")
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="NV" '
           f'origin="NVivo 14.23.0 (Windows)"><CodeBook><Codes><Code guid="{g(1100)}" '
           'name="integration" isCodable="true"/></Codes></CodeBook><Sources>'
           f'<TextSource guid="{g(1200)}" name="Interview 3" '
           f'plainTextPath="internal://{g(1200)}.txt">{"".join(sels)}</TextSource>'
           "</Sources></Project>")
    path = build(tmp_path / "nvivo.qdpx", qde,
                 {f"sources/{g(1200)}.txt": NVIVO_TEXT.encode("utf-8-sig")})
    return path, quotes


def test_nvivo_utf16_offsets_with_emoji_read_right(tmp_path):
    path, quotes = nvivo_project(tmp_path)
    p, said = record(read_qdpx, path)
    assert said == [] and p.offset_unit == "utf16"
    assert p.codings["text"].tolist() == quotes
    first = p.codings.loc[0]
    assert NVIVO_TEXT[first["start"]:first["end"]] == quotes[0]


def test_code_unit_index_agrees_with_counting_every_character():
    from casestudy.qual.refi import _CodeUnits

    def naive(text: str, pos: int) -> int:
        units = 0
        for i, ch in enumerate(text):
            if units >= pos:
                return i
            units += 2 if ord(ch) > 0xFFFF else 1
        return len(text)

    rng = random.Random(9)
    for _ in range(30):
        text = "".join(rng.choice("ab 😀🤝\r\né") for _ in range(rng.randint(0, 40)))
        units = _CodeUnits(text)
        assert units.n_units == len(text.encode("utf-16-le")) // 2
        for pos in range(units.n_units + 3):
            assert units.to_codepoint(pos) == naive(text, pos), (text, pos)


# --------------------------------------------------------------------------- MAXQDA 24

def test_maxqda24_sets_with_members_and_zero_codings(tmp_path):
    sources = "".join(f'<TextSource guid="{g(1300 + i)}" name="Doc {i}">'
                      f"<PlainTextContent>Document {i}.</PlainTextContent></TextSource>"
                      for i in range(3))
    sets = (f'<Sets><Set guid="{g(1400)}" name="Interviews 2024">'
            f'<MemberSource targetGUID="{g(1300)}"/><MemberSource targetGUID="{g(1302)}"/>'
            f'</Set><Set guid="{g(1401)}" name="Key codes"><MemberCode targetGUID="{g(1500)}"/>'
            f'<MemberCode targetGUID="{g(1501)}"/></Set>'
            f'<Set guid="{g(1402)}" name="To code next"><Description>empty for now'
            "</Description></Set></Sets>")
    codes = (f'<Code guid="{g(1500)}" name="Finanzierung" isCodable="true"/>'
             f'<Code guid="{g(1501)}" name="Vertrauen" isCodable="true"/>')
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="MX" '
           f'origin="MAXQDA 24 (Release 24.4.0)"><CodeBook><Codes>{codes}</Codes></CodeBook>'
           f"<Sources>{sources}</Sources>{sets}</Project>")
    p, said = record(read_qdpx, build(tmp_path / "maxqda.qdpx", qde))
    assert said == [] and p.codings.empty
    s = p.sets
    assert s["set"].tolist() == ["Interviews 2024"] * 2 + ["Key codes"] * 2 + ["To code next"]
    assert s["member"].tolist()[:4] == ["Doc 0", "Doc 2", "Finanzierung", "Vertrauen"]
    assert s.iloc[4][["member_kind", "member_guid", "member"]].isna().all()
    assert p.counts().set_index("part")["count"]["sets"] == 3
    assert p.to_evidence().empty


def test_read_qdc_keeps_sets_including_empty_ones(tmp_path):
    qdc = ('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
           f'origin="MAXQDA 24"><Codes><Code guid="{g(1)}" name="a" isCodable="true"/>'
           f'<Code guid="{g(2)}" name="b" isCodable="true"/></Codes><Sets>'
           f'<Set guid="{g(3)}" name="pair"><MemberCode targetGUID="{g(1)}"/>'
           f'<MemberCode targetGUID="{g(2)}"/></Set><Set guid="{g(4)}" name="none"/>'
           "</Sets></CodeBook>")
    path = tmp_path / "book.qdc"
    path.write_text(qdc, encoding="utf-8")
    book = read_qdc(path)
    assert book.sets["set"].tolist() == ["pair", "pair", "none"]
    assert book.sets["member"].tolist()[:2] == ["a", "b"]
    assert pd.isna(book.sets.loc[2, "member_guid"])
    assert book.origin == "MAXQDA 24" and book.table() is book.codes
    assert repr(book).splitlines()[0] == "QdaCodebook (origin 'MAXQDA 24')"


# --------------------------------------------------------------------------- ATLAS.ti 23

def test_atlas23_without_codebook_keeps_codings_with_their_code_guids(tmp_path):
    sels = "".join(f'<PlainTextSelection guid="{g(1600 + i)}" name="Budgets" '
                   f'startPosition="0" endPosition="7">{coding(i, g(1700 + i % 2, True))}'
                   "</PlainTextSelection>" for i in range(5))
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="A23" '
           f'origin="ATLAS.ti 23.2.1"><Sources><TextSource guid="{g(1800)}" name="memo">'
           f"<PlainTextContent>Budgets pooled.</PlainTextContent>{sels}</TextSource>"
           "</Sources></Project>")
    p, said = record(read_qdpx, build(tmp_path / "a23.qdpx", qde))
    assert len(p.codings) == 5 and p.codes.empty
    assert p.codings["code"].isna().all()
    assert p.codings["code_guid"].tolist() == [g(1700), g(1701), g(1700), g(1701), g(1700)]
    assert p.codings["text"].tolist() == ["Budgets"] * 5
    assert said == [f"{tmp_path / 'a23.qdpx'}:project.qde: the project has no codebook "
                    "(<CodeBook>): its 5 codings (on 2 code GUIDs) are imported with their "
                    "code_guid and no code name"]
    with pytest.warns(QdaImportWarning, match="5 codings without a code name"):
        assert p.to_evidence().empty


# --------------------------------------------------------------------------- audio transcripts

def test_audio_transcript_selections_take_sync_point_positions(tmp_path):
    text = "Q: How did pooling go? A: Slowly, then well."
    a, b = text.index("Slowly"), len(text)
    src = (f'<AudioSource guid="{g(1900)}" name="int.mp3" path="internal://{g(1900)}.mp3">'
           f'<Transcript guid="{g(1901)}" name="t"><PlainTextContent>{text}</PlainTextContent>'
           f'<SyncPoint guid="{g(1902)}" timeStamp="12000" position="{a}"/>'
           f'<SyncPoint guid="{g(1903)}" timeStamp="15500" position="{b}"/>'
           f'<TranscriptSelection guid="{g(1904)}" fromSyncPoint="{g(1902)}" '
           f'toSyncPoint="{g(1903)}">{coding(1, g(1950))}</TranscriptSelection></Transcript>'
           f'<AudioSelection guid="{g(1905)}" begin="0" end="4000">{coding(2, g(1950))}'
           "</AudioSelection></AudioSource>")
    qde = (f'<Project xmlns="{NS}" name="au" origin="QualCoder 3.6"><CodeBook><Codes>'
           f'<Code guid="{g(1950)}" name="pace" isCodable="true"/></Codes></CodeBook>'
           f"<Sources>{src}</Sources></Project>")
    p, said = record(read_qdpx, build(tmp_path / "au.qdpx", qde))
    c = p.codings
    assert c["selection_kind"].tolist() == ["audio", "transcript"]
    assert c["text"].tolist()[1] == "Slowly, then well."
    assert c[["begin_ms", "end_ms"]].values.tolist() == [[0, 4000], [12000, 15500]]
    assert said == [f"{tmp_path / 'au.qdpx'}:project.qde: audio source 'int.mp3': 1 audio "
                    "selection (1 coding) imported without quotes (audio is not read)"]
    # a transcript whose text file is missing is named as the reason
    lost = src.replace(f"<PlainTextContent>{text}</PlainTextContent>", "").replace(
        f'<Transcript guid="{g(1901)}" name="t">',
        f'<Transcript guid="{g(1901)}" name="t" plainTextPath="internal://{g(1901)}.txt">')
    p, said = record(read_qdpx, build(tmp_path / "au2.qdpx", qde.replace(src, lost)))
    assert p.codings["text"].isna().all() and p.codings["start"].tolist()[1] == a
    assert said[0].endswith(
        "audio source 'int.mp3': 1 audio selection (1 coding) and 1 transcript selection "
        "(1 coding) imported without quotes (audio is not read; its transcript "
        f"(internal://{g(1901)}.txt) is not in the archive)")


# --------------------------------------------------------------------------- deep code trees

def _deep_codes(depth: int) -> str:
    return ("".join(f'<Code guid="{g(i)}" name="c{i}" isCodable="true">' for i in range(depth))
            + "</Code>" * depth)


def test_code_tree_deeper_than_recursion_limit_is_walked(tmp_path):
    qde = (f'<Project xmlns="{NS}" name="deep" origin="x"><CodeBook><Codes>{_deep_codes(1500)}'
           "</Codes></CodeBook><Sources/></Project>")
    p = read_qdpx(build(tmp_path / "deep.qdpx", qde))
    assert len(p.codes) == 1500
    assert p.codes["code"].iloc[-1].count("/") == 1499
    assert p.codes["parent_guid"].iloc[-1] == g(1498)
    book = tmp_path / "deep.qdc"
    book.write_text(f"<CodeBook><Codes>{_deep_codes(1500)}</Codes></CodeBook>")
    assert len(read_qdc(book).codes) == 1500


def test_code_tree_past_the_depth_limit_is_refused_naming_file_and_depth(tmp_path):
    qde = (f'<Project xmlns="{NS}" name="deep" origin="x"><CodeBook><Codes>{_deep_codes(2500)}'
           "</Codes></CodeBook></Project>")
    path = build(tmp_path / "deeper.qdpx", qde)
    with pytest.raises(DataValidationError, match=r"deeper\.qdpx:project\.qde: "
                       r"refused: the <Code> tree is nested 2,500 levels deep, more than the "
                       r"limit of 2,000"):
        read_qdpx(path)
    assert len(read_qdpx(path, max_code_depth=3000).codes) == 2500
    book = tmp_path / "deeper.qdc"
    book.write_text(f"<CodeBook><Codes>{_deep_codes(2500)}</Codes></CodeBook>")
    with pytest.raises(DataValidationError, match=r"deeper\.qdc: .*nested 2,500 levels"):
        read_qdc(book)


# --------------------------------------------------------------------------- encodings

NAME = "fogékonyság"  # Hungarian, as in the garbled example


def _encoded(declared: str, written: str) -> bytes:
    return (f'<?xml version="1.0" encoding="{declared}"?><Project xmlns="{NS}" name="e" '
            f'origin="x"><CodeBook><Codes><Code guid="{g(1)}" name="{NAME}" isCodable="true"/>'
            "</Codes></CodeBook></Project>").encode(written)


def test_declared_latin1_with_utf8_bytes_is_read_right_and_said(tmp_path):
    p, said = record(read_qdpx, build(tmp_path / "enc.qdpx", _encoded("ISO-8859-1", "utf-8")))
    assert p.codes["name"].tolist() == [NAME]
    assert len(said) == 1
    assert ("the XML declaration says encoding 'ISO-8859-1' but the bytes are UTF-8 "
            "(2 multibyte characters, first 'é' at byte") in said[0]
    assert said[0].endswith("read as UTF-8")
    book = tmp_path / "enc.qdc"
    book.write_bytes(_encoded("ISO-8859-1", "utf-8").replace(b"<CodeBook>", b"")
                     .replace(b"</CodeBook>", b"").replace(b"Project", b"CodeBook"))
    got, said = record(read_qdc, book)
    assert got.codes["name"].tolist() == [NAME] and "read as UTF-8" in said[0]
    assert got.import_warnings == said


def test_true_latin1_is_read_without_a_word(tmp_path):
    p, said = record(read_qdpx, build(tmp_path / "l1.qdpx", _encoded("ISO-8859-1",
                                                                      "iso-8859-1")))
    assert p.codes["name"].tolist() == [NAME] and said == []


def test_declared_utf8_with_latin1_bytes_is_refused_with_the_byte(tmp_path):
    with pytest.raises(DataValidationError, match=r"the XML declares encoding "
                       r"'utf-8' but byte 0xe9 at offset \d+ is not UTF-8 \(around .*fog"
                       r"ékonys.* read as Windows-1252\)"):
        read_qdpx(build(tmp_path / "bad.qdpx", _encoded("utf-8", "iso-8859-1")))
    undeclared = _encoded("utf-8", "iso-8859-1").split(b"?>", 1)[1]
    with pytest.raises(DataValidationError, match=r"has no encoding declaration, so it is "
                       r"UTF-8 but byte 0xe9"):
        read_qdpx(build(tmp_path / "bad2.qdpx", undeclared))


# --------------------------------------------------------------------------- the wrong reader

def test_read_qdc_on_a_qdpx_and_read_qdpx_on_a_qdc_name_the_right_reader(tmp_path):
    archive = atlas8(tmp_path)
    with pytest.raises(DataValidationError, match=r"zip archive \(a \.qdpx project\), not a "
                       r"\.qdc codebook \(XML\); read it with read_qdpx\(path\)"):
        read_qdc(archive)
    book = tmp_path / "book.qdc"
    book.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!-- MAXQDA -->\n'
                    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>')
    with pytest.raises(DataValidationError, match=r"this is a \.qdc codebook \(XML\), not a "
                       r"\.qdpx project \(a zip archive\); read it with read_qdc\(path\)"):
        read_qdpx(book)
    bare = tmp_path / "project.qde"
    bare.write_text(f'<Project xmlns="{NS}" name="x"/>')
    with pytest.raises(DataValidationError, match=r"bare project file \(\.qde XML\)"):
        read_qdpx(bare)


# --------------------------------------------------------------------------- rich display

def test_project_repr_and_html_count_parts_deterministically_and_escape(tmp_path):
    qde = (f'<Project xmlns="{NS}" name="&lt;b&gt;Study &amp; co" origin="ATLAS.ti 8.4">'
           f'<CodeBook><Codes><Code guid="{g(1)}" name="t" isCodable="true"/></Codes>'
           f'</CodeBook><Cases><Case guid="{g(2)}" name="Scotland"><SourceRef targetGUID='
           f'"{g(3)}"/></Case></Cases><Sources><TextSource guid="{g(3)}" name="d" '
           f'plainTextPath="internal://{g(3)}.txt"><PlainTextSelection guid="{g(4)}" '
           f'startPosition="0" endPosition="1">{coding(1, g(1))}</PlainTextSelection>'
           "</TextSource></Sources></Project>")
    path = build(tmp_path / "r.qdpx", qde)
    p, said = record(read_qdpx, path)
    assert repr(p).splitlines() == [
        "QdaProject '<b>Study & co' (origin 'ATLAS.ti 8.4', offsets codepoint)",
        "  sources   1 (0 with text read)",
        "  codes     1",
        "  codings   1 (1 without quotes)",
        "  cases     1",
        "  sets      0",
        "  warnings  1"]
    page = p._repr_html_()
    assert "&lt;b&gt;Study &amp; co" in page and "<b>Study" not in page
    assert "<summary>1 import warning</summary>" in page
    assert html_escaped(said[0]) in page
    assert page == record(read_qdpx, path)[0]._repr_html_()
    assert " id=" not in page and "0x" not in page


def html_escaped(text: str) -> str:
    return html.escape(text)
