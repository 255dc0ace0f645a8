"""REFI-QDA readers against small projects built here: each export variant, offsets,
GUID spellings, and hostile archives."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from casestudy.errors import CaseStudyError, DataValidationError
from casestudy.qual import QdaImportWarning, cooccurrence, read_qdc, read_qdpx, write_qdpx

NS = "urn:QDA-XML:project:1.0"
G_SRC = "0a1b2c3d-0000-4000-8000-000000000001"
G_TRUST = "0a1b2c3d-0000-4000-8000-0000000000a1"
G_POOL = "0a1b2c3d-0000-4000-8000-0000000000a2"
G_FIN = "0a1b2c3d-0000-4000-8000-0000000000a3"
G_USER = "0a1b2c3d-0000-4000-8000-0000000000f1"


def qdpx(tmp_path: Path, qde: str, files: dict[str, bytes | str] | None = None,
         qde_name: str = "project.qde", name: str = "p.qdpx") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(qde_name, qde)
        for fname, content in (files or {}).items():
            zf.writestr(fname, content.encode("utf-8") if isinstance(content, str)
                        else content)
    return path


def project(sources: str, *, origin: str = "Test 1.0", codes: str | None = None,
            extra: str = "", ns: str = NS, base: str = "") -> str:
    codes = codes if codes is not None else (
        f'<Code guid="{G_FIN}" name="finance" isCodable="true">'
        f'<Code guid="{G_POOL}" name="pooling" isCodable="true"/></Code>'
        f'<Code guid="{G_TRUST}" name="trust" isCodable="true"/>')
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{ns}" name="t" '
            f'origin="{origin}"{base}><Users><User guid="{G_USER}" name="ann"/></Users>'
            f"<CodeBook><Codes>{codes}</Codes></CodeBook>{extra}<Sources>{sources}</Sources>"
            "</Project>")


def text_source(path_attr: str, selections: str, guid: str = G_SRC) -> str:
    return (f'<TextSource guid="{guid}" name="doc" plainTextPath="{path_attr}">{selections}'
            "</TextSource>")


def sel(start: int, end: int, code: str, guid: str, name: str = "") -> str:
    return (f'<PlainTextSelection guid="{guid}" name="{name}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{G_USER}"><Coding guid="c-{guid}" '
            f'creatingUser="{G_USER}"><CodeRef targetGUID="{code}"/></Coding>'
            "</PlainTextSelection>")


TEXT = "Budgets pooled. Trust built slowly."


# --------------------------------------------------------------------------- basics

def test_standard_project_reads_codes_sources_codings(tmp_path):
    s = text_source(f"internal://{G_SRC}.txt",
                    sel(0, 15, G_POOL, "s1", "Budgets pooled.") + sel(16, 35, G_TRUST, "s2"))
    p = read_qdpx(qdpx(tmp_path, project(s), {f"sources/{G_SRC}.txt": TEXT}))
    assert p.codes["code"].tolist() == ["finance", "finance/pooling", "trust"]
    assert p.codes.loc[1, "parent_guid"] == G_FIN
    assert p.codings["text"].tolist() == ["Budgets pooled.", "Trust built slowly."]
    assert p.codings["code"].tolist() == ["finance/pooling", "trust"]
    assert p.codings["coder"].tolist() == ["ann", "ann"]
    assert p.offset_unit == "codepoint"
    assert p.sources.loc[0, "n_chars"] == len(TEXT)


@pytest.mark.parametrize("qde_name", ["project.qde", "Project.qde", "My study.qde"])
@pytest.mark.parametrize("folder", ["sources", "Sources"])
@pytest.mark.parametrize("scheme", ["internal://{g}.txt", "{g}.txt",
                                    "internal://{G}.txt", "internal://{{{G}}}.txt"])
def test_file_folder_and_path_variants(tmp_path, qde_name, folder, scheme):
    ref = scheme.format(g=G_SRC, G=G_SRC.upper())
    s = text_source(ref, sel(0, 7, G_POOL, "s1"))
    path = qdpx(tmp_path, project(s), {f"{folder}/{G_SRC}.txt": TEXT}, qde_name=qde_name)
    assert read_qdpx(path).codings["text"].tolist() == ["Budgets"]


def test_relative_path_reads_archive_copy_or_confined_external_root(tmp_path):
    s = text_source("relative://docs/doc.txt", sel(0, 7, G_POOL, "s1"))
    qde = project(s, base=' basePath="/home/x/study"')
    with pytest.warns(QdaImportWarning, match="external_root"):
        p = read_qdpx(qdpx(tmp_path, qde))
    assert not p.sources.loc[0, "read"]
    assert p.codings[["start", "end"]].values.tolist() == [[0, 7]]
    assert p.codings["text"].isna().all()
    (tmp_path / "ext" / "docs").mkdir(parents=True)
    (tmp_path / "ext" / "docs" / "doc.txt").write_text(TEXT, encoding="utf-8")
    p = read_qdpx(qdpx(tmp_path, qde), external_root=tmp_path / "ext")
    assert p.codings["text"].tolist() == ["Budgets"]
    escape = text_source("relative://../../etc/passwd", "")
    with pytest.raises(DataValidationError, match="leaves"):
        read_qdpx(qdpx(tmp_path, project(escape), name="esc.qdpx"),
                  external_root=tmp_path / "ext")


def test_absolute_path_never_followed_but_archive_copy_used(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    s = text_source(f"absolute://{outside}", sel(0, 3, G_POOL, "s1"))
    with pytest.warns(QdaImportWarning, match="never followed"):
        p = read_qdpx(qdpx(tmp_path, project(s)))
    assert len(p.codings) == 1 and p.codings["text"].isna().all()
    s = text_source("absolute://C:\\Users\\x\\doc.txt", sel(0, 7, G_POOL, "s1"))
    p = read_qdpx(qdpx(tmp_path, project(s), {"sources/doc.txt": TEXT}, name="b.qdpx"))
    assert p.codings["text"].tolist() == ["Budgets"]


def test_inline_plain_text_content(tmp_path):
    s = (f'<TextSource guid="{G_SRC}" name="doc"><PlainTextContent>{TEXT}'
         f"</PlainTextContent>{sel(8, 14, G_POOL, 's1')}</TextSource>")
    assert read_qdpx(qdpx(tmp_path, project(s))).codings["text"].tolist() == ["pooled"]


# --------------------------------------------------------------------------- offsets

EMOJI_TEXT = "Hi 😀 team\r\nTrust 🙂 grows"


def _units(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def test_nvivo_origin_counts_utf16_units_over_emoji_and_crlf(tmp_path):
    start = EMOJI_TEXT.index("Trust")
    end = len(EMOJI_TEXT)
    s = text_source(f"internal://{G_SRC}.txt",
                    sel(_units(EMOJI_TEXT, start), _units(EMOJI_TEXT, end), G_TRUST, "s1",
                        "Trust 🙂 grows"))
    # NVivo writes a BOM; offsets count UTF-16 units after it.
    raw = "\ufeff".encode() + EMOJI_TEXT.encode("utf-8")
    p = read_qdpx(qdpx(tmp_path, project(s, origin="NVivo 14 (Windows)"),
                       {f"sources/{G_SRC}.txt": raw}))
    assert p.offset_unit == "utf16"
    assert p.codings.loc[0, "text"] == "Trust 🙂 grows"
    assert (p.codings.loc[0, "start"], p.codings.loc[0, "end"]) == (start, end)


def test_codepoint_origin_slices_code_points(tmp_path):
    start = EMOJI_TEXT.index("team")
    s = text_source(f"internal://{G_SRC}.txt", sel(start, start + 4, G_TRUST, "s1", "team"))
    p = read_qdpx(qdpx(tmp_path, project(s, origin="MAXQDA 2022"),
                       {f"sources/{G_SRC}.txt": EMOJI_TEXT}))
    assert p.codings.loc[0, "text"] == "team"


def test_quote_check_switches_unit_and_warns_when_origin_misleads(tmp_path):
    start = EMOJI_TEXT.index("Trust")
    s = text_source(f"internal://{G_SRC}.txt",
                    sel(_units(EMOJI_TEXT, start), _units(EMOJI_TEXT, start + 5), G_TRUST,
                        "s1", "Trust"))
    with pytest.warns(QdaImportWarning, match="line up only when offsets are read as utf16"):
        p = read_qdpx(qdpx(tmp_path, project(s, origin="SomeTool"),
                           {f"sources/{G_SRC}.txt": EMOJI_TEXT}))
    assert p.codings.loc[0, "text"] == "Trust"


def test_quote_mismatch_is_reported(tmp_path):
    s = text_source(f"internal://{G_SRC}.txt", sel(0, 7, G_POOL, "s1", "Nothing like it"))
    with pytest.warns(QdaImportWarning, match="do not match"):
        read_qdpx(qdpx(tmp_path, project(s), {f"sources/{G_SRC}.txt": TEXT}))


def test_forced_offsets_and_bad_value(tmp_path):
    s = text_source(f"internal://{G_SRC}.txt", sel(0, 7, G_POOL, "s1"))
    path = qdpx(tmp_path, project(s), {f"sources/{G_SRC}.txt": TEXT})
    assert read_qdpx(path, offsets="utf16").offset_unit == "utf16"
    with pytest.raises(CaseStudyError, match="offsets must be"):
        read_qdpx(path, offsets="bytes")


def test_selection_outside_text_is_kept_without_quote_and_counted(tmp_path):
    s = text_source(f"internal://{G_SRC}.txt", sel(0, 999, G_POOL, "s1")
                    + sel(0, 7, G_POOL, "s2") + sel(5, 998, G_TRUST, "s3"))
    with pytest.warns(QdaImportWarning, match=r"^.*: 2 selections outside the text of their "
                      r"source \(e\.g\. s1 \(0–999\)\): 2 codings imported without quotes$"):
        p = read_qdpx(qdpx(tmp_path, project(s), {f"sources/{G_SRC}.txt": TEXT}))
    assert p.codings["text"].tolist()[1] == "Budgets"
    assert p.codings["text"].isna().tolist() == [True, False, True]
    assert p.codings["start"].tolist() == [0, 0, 5]


# --------------------------------------------------------------------------- GUIDs, namespaces

def test_upper_case_and_braced_guids_resolve(tmp_path):
    codes = (f'<Code guid="{{{G_POOL.upper()}}}" name="pooling" isCodable="true"/>')
    s = (f'<TextSource guid="{{{G_SRC.upper()}}}" name="doc" '
         f'plainTextPath="internal://{{{G_SRC.upper()}}}.txt">'
         f'{sel(0, 7, G_POOL.upper(), "S1")}</TextSource>')
    cases_el = (f'<Cases><Case guid="{{AA000000-0000-4000-8000-000000000001}}" name="c1">'
                f'<SourceRef targetGUID="{G_SRC.upper()}"/></Case></Cases>')
    p = read_qdpx(qdpx(tmp_path, project(s, codes=codes, extra=cases_el),
                       {f"sources/{G_SRC.upper()}.txt": TEXT}))
    assert p.codings["code"].tolist() == ["pooling"]
    assert p.codings.loc[0, "source_guid"] == G_SRC
    assert p.cases.loc[0, "source"] == "doc"


@pytest.mark.parametrize("ns", [NS, "urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4",
                                ""])
def test_namespaces_matched_on_local_names(tmp_path, ns):
    s = text_source(f"internal://{G_SRC}.txt", sel(0, 7, G_POOL, "s1"))
    p = read_qdpx(qdpx(tmp_path, project(s, ns=ns), {f"sources/{G_SRC}.txt": TEXT}))
    assert p.codings["code"].tolist() == ["finance/pooling"]


# --------------------------------------------------------------------------- hierarchy, attributes

@pytest.mark.parametrize("flat", ["finance::pooling", "finance\\pooling",
                                  "finance :: pooling"])
def test_flat_code_names_become_paths(tmp_path, flat):
    codes = f'<Code guid="{G_POOL}" name="{flat}" isCodable="true"/>'
    s = text_source(f"internal://{G_SRC}.txt", sel(0, 7, G_POOL, "s1"))
    p = read_qdpx(qdpx(tmp_path, project(s, codes=codes), {f"sources/{G_SRC}.txt": TEXT}))
    assert p.codings["code"].tolist() == ["finance/pooling"]
    assert p.codes.loc[0, "name"] == "pooling"


VARS = ('<Variables><Variable guid="v1" name="case" typeOfVariable="Text"/>'
        '<Variable guid="v2" name="tier" typeOfVariable="Text"/></Variables>')


def _vv(guid: str, value: str) -> str:
    return (f'<VariableValue><VariableRef targetGUID="{guid}"/><TextValue>{value}'
            "</TextValue></VariableValue>")


def test_attributes_on_cases_sources_and_as_sets(tmp_path):
    case_el = (f'<Cases><Case guid="k1" name="Scotland">{_vv("v1", "SCO")}'
               f'{_vv("v2", "regional")}<SourceRef targetGUID="{G_SRC}"/></Case></Cases>')
    s1 = text_source(f"internal://{G_SRC}.txt", sel(0, 7, G_POOL, "s1"))
    p = read_qdpx(qdpx(tmp_path, project(s1, extra=VARS + case_el),
                       {f"sources/{G_SRC}.txt": TEXT}))
    ev = p.to_evidence(source_id="S3")
    assert ev.loc[0, ["case", "tier", "theme", "text", "source_id"]].tolist() == [
        "SCO", "regional", "finance/pooling", "Budgets", "S3"]

    # VariableValue directly under the source
    s2 = (f'<TextSource guid="{G_SRC}" name="doc" plainTextPath="internal://{G_SRC}.txt">'
          f'{sel(0, 7, G_POOL, "s1")}{_vv("v1", "Italy")}{_vv("v2", "national")}'
          "</TextSource>")
    p = read_qdpx(qdpx(tmp_path, project(s2, extra=VARS), {f"sources/{G_SRC}.txt": TEXT},
                       name="b.qdpx"))
    assert p.to_evidence().loc[0, ["case", "tier"]].tolist() == ["IT", "national"]

    # Sets named "attribute: value"
    sets = (f'<Sets><Set guid="x1" name="case: ENG"><MemberSource targetGUID="{G_SRC}"/>'
            f'</Set><Set guid="x2" name="tier : frontline"><MemberSource targetGUID='
            f'"{G_SRC}"/></Set></Sets>')
    qde = project(s1).replace("</Sources>", "</Sources>" + sets)
    p = read_qdpx(qdpx(tmp_path, qde, {f"sources/{G_SRC}.txt": TEXT}, name="c.qdpx"))
    assert set(p.sets["set"]) == {"case: ENG", "tier : frontline"}
    assert p.to_evidence().loc[0, ["case", "tier"]].tolist() == ["ENG", "frontline"]


def test_project_without_cases_says_so_once_and_how_to_map_them(tmp_path):
    sels = "".join(sel(0, 7, G_POOL, f"s{i}") for i in range(20))
    s = text_source(f"internal://{G_SRC}.txt", sels)
    p = read_qdpx(qdpx(tmp_path, project(s, extra=VARS), {f"sources/{G_SRC}.txt": TEXT}))
    with pytest.raises(DataValidationError) as err:
        p.to_evidence()
    problems = [pr for pr in err.value.problems if pr.column == "case"]
    assert len(problems) == 1 and "'case' is empty" not in str(err.value)
    msg = problems[0].message
    assert "the project has no cases for its 20 codings" in msg
    assert "none of its sources belongs to a REFI-QDA case" in msg
    assert "case_variable=" in msg and "cases=<case sheet" in msg
    assert "the project has no variable values" in msg
    land = VARS.replace("</Variables>", '<Variable guid="v3" name="Land" '
                        'typeOfVariable="Text"/></Variables>')
    s2 = s.replace("</TextSource>", _vv("v3", "Scotland") + "</TextSource>")
    p2 = read_qdpx(qdpx(tmp_path, project(s2, extra=land), {f"sources/{G_SRC}.txt": TEXT},
                        name="land.qdpx"))
    with pytest.raises(DataValidationError, match="variables with values in the project: "
                       "'Land'"):
        p2.to_evidence()
    assert p2.to_evidence(case_variable="Land", cases=pd.DataFrame(
        {"document": ["doc"], "tier": ["national"]}))["case"].astype(str).tolist()[0] == "SCO"
    # the case sheet maps them
    sheet = pd.DataFrame({"document": ["doc"], "case": ["Scotland"], "tier": ["regional"]})
    ev = p.to_evidence(cases=sheet)
    assert len(ev) == 20 and set(ev["case"].astype(str)) == {"SCO"}
    assert set(ev["tier"].astype(str)) == {"regional"}


def test_one_selection_per_code_on_the_same_span_cooccurs_by_offsets(tmp_path):
    # Two selections, same span, one code each (as NVivo and ATLAS.ti write them), and a
    # third selection elsewhere that shares no offsets.
    s = text_source(f"internal://{G_SRC}.txt",
                    sel(0, 15, G_POOL, "s1") + sel(0, 15, G_TRUST, "s2")
                    + sel(16, 35, G_FIN, "s3"))
    case_el = (f'<Cases><Case guid="k1" name="Scotland">{_vv("v2", "regional")}'
               f'<SourceRef targetGUID="{G_SRC}"/></Case></Cases>')
    p = read_qdpx(qdpx(tmp_path, project(s, extra=VARS + case_el),
                       {f"sources/{G_SRC}.txt": TEXT}))
    co = cooccurrence(p.to_evidence(), by="span").table()
    assert co[["theme_a", "theme_b", "count"]].values.tolist() == [
        ["finance/pooling", "trust", 1]]


# --------------------------------------------------------------------------- warnings

def test_media_sources_and_unknown_elements_warn(tmp_path):
    s = (text_source(f"internal://{G_SRC}.txt", sel(0, 7, G_POOL, "s1"))
         + '<PDFSource guid="p1" name="report.pdf" path="internal://p1.pdf">'
         '<PDFSelection guid="ps1" page="1"/></PDFSource>'
         '<AudioSource guid="a1" name="int.mp3" path="internal://a1.mp3"/>')
    qde = project(s, extra="<Gadgets/>")
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        p = read_qdpx(qdpx(tmp_path, qde, {f"sources/{G_SRC}.txt": TEXT}))
    text = " | ".join(str(w.message) for w in got)
    # the PDF selection has no Coding child and the audio none: nothing without a quote
    assert "report.pdf" not in text and "int.mp3" not in text
    assert "Gadgets" in text
    assert all(issubclass(w.category, QdaImportWarning) for w in got)
    assert p.import_warnings == [str(w.message) for w in got]
    assert p.sources["kind"].tolist() == ["text", "pdf", "audio"]
    assert len(p.codings) == 1


def test_coding_to_unknown_code_warns(tmp_path):
    s = text_source(f"internal://{G_SRC}.txt", sel(0, 7, "ffffffff-0000-4000-8000-0", "s1"))
    with pytest.warns(QdaImportWarning, match=r"1 coding points to 1 code not in the "
                      r"codebook \(e\.g\. ffffffff-0000-4000-8000-0\): it is imported"):
        p = read_qdpx(qdpx(tmp_path, project(s), {f"sources/{G_SRC}.txt": TEXT}))
    assert p.codings["code_guid"].tolist() == ["ffffffff-0000-4000-8000-0"]
    assert p.codings["code"].isna().all() and p.codings["text"].tolist() == ["Budgets"]


# --------------------------------------------------------------------------- hostile input

def test_zip_slip_entry_refused(tmp_path):
    path = qdpx(tmp_path, project(""), {"../../evil.txt": "x"})
    with pytest.raises(DataValidationError, match="zip-slip"):
        read_qdpx(path)


@pytest.mark.parametrize("entry", ["/etc/evil.txt", "C:/evil.txt", "sources\\..\\..\\x.txt"])
def test_absolute_and_backslash_paths_refused(tmp_path, entry):
    with pytest.raises(DataValidationError, match=r"absolute path or '\.\.'"):
        read_qdpx(qdpx(tmp_path, project(""), {entry: "x"}))


def test_zip_bomb_by_declared_size_refused(tmp_path):
    path = qdpx(tmp_path, project(""), {"sources/big.txt": b"0" * 200_000})
    with pytest.raises(DataValidationError, match="declares 200,000 bytes"):
        read_qdpx(path, max_total_bytes=100_000)


def test_entry_inflating_past_declared_size_refused(tmp_path):
    src = text_source("internal://big.txt", sel(0, 1, G_POOL, "s1"))
    path = qdpx(tmp_path, project(src), {"sources/big.txt": b"0" * 5000})
    # Lie in both the local header and the central directory: declare 10 bytes.
    raw = bytearray(path.read_bytes())
    name = b"sources/big.txt"
    for sig, size_at, name_len_at, header in ((b"PK\x03\x04", 22, 26, 30),
                                              (b"PK\x01\x02", 24, 28, 46)):
        pos = raw.find(sig)
        while pos != -1:
            nlen = int.from_bytes(raw[pos + name_len_at: pos + name_len_at + 2], "little")
            if raw[pos + header: pos + header + nlen] == name:
                raw[pos + size_at: pos + size_at + 4] = (10).to_bytes(4, "little")
            pos = raw.find(sig, pos + 4)
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("sources/big.txt").file_size == 10
    with pytest.raises(DataValidationError, match=r"sources/big\.txt"):
        read_qdpx(path)


def test_too_many_entries_refused(tmp_path):
    files = {f"sources/f{i}.txt": "x" for i in range(30)}
    with pytest.raises(DataValidationError, match="31 entries, more than the limit of 20"):
        read_qdpx(qdpx(tmp_path, project(""), files), max_entries=20)


def test_entity_expansion_refused(tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Project name="&lol2;"/>')
    with pytest.raises(DataValidationError, match="refused: the XML declares"):
        read_qdpx(qdpx(tmp_path, bomb))


def test_external_entity_refused(tmp_path):
    xxe = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<Project name="&xxe;"/>')
    with pytest.raises(DataValidationError, match="refused: the XML declares"):
        read_qdpx(qdpx(tmp_path, xxe))


def test_malformed_xml_not_a_zip_no_qde(tmp_path):
    with pytest.raises(DataValidationError, match="not well-formed"):
        read_qdpx(qdpx(tmp_path, "<Project><oops></Project>"))
    bad = tmp_path / "x.qdpx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataValidationError, match=r"not a zip archive; a \.qdpx file"):
        read_qdpx(bad)
    with pytest.raises(DataValidationError, match=r"no \.qde file"):
        read_qdpx(qdpx(tmp_path, "", name="e.qdpx", qde_name="readme.md"))
    with pytest.raises(CaseStudyError, match="no such file"):
        read_qdpx(tmp_path / "missing.qdpx")


def test_nothing_written_to_disk_unless_asked(tmp_path):
    s = text_source(f"internal://{G_SRC}.txt", sel(0, 7, G_POOL, "s1"))
    path = qdpx(tmp_path, project(s), {f"sources/{G_SRC}.txt": TEXT})
    before = sorted(p.name for p in tmp_path.rglob("*"))
    read_qdpx(path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    read_qdpx(path, extract_to=tmp_path / "out")
    assert (tmp_path / "out" / "sources" / f"{G_SRC}.txt").read_text() == TEXT


# --------------------------------------------------------------------------- codebooks

@pytest.mark.parametrize("ns", ["urn:QDA-XML:codebook:1.0", "urn:QDA-XML:codebook:1:0",
                                "urn:QDA-XML:codebook:0:4"])
def test_read_qdc_namespaces_and_nesting(tmp_path, ns):
    qdc = (f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="{ns}" origin="x"><Codes>'
           '<Code guid="A1" name="governance" isCodable="false"><Description>Who decides'
           '</Description><Code guid="A2" name="accountability" isCodable="true"/></Code>'
           '<Code guid="A3" name="power::centralisation" isCodable="true"/></Codes></CodeBook>')
    path = tmp_path / "book.qdc"
    path.write_text(qdc, encoding="utf-8")
    codes = read_qdc(path).codes
    assert codes["code"].tolist() == ["governance", "governance/accountability",
                                      "power/centralisation"]
    assert codes["is_codable"].tolist() == [False, True, True]
    assert codes.loc[0, "description"] == "Who decides"
    assert codes.loc[1, "parent_guid"] == "a1"


def test_read_qdc_refuses_entities_and_wrong_root(tmp_path):
    path = tmp_path / "bad.qdc"
    path.write_text('<!DOCTYPE c [<!ENTITY e "x">]><CodeBook><Codes/></CodeBook>')
    with pytest.raises(DataValidationError, match="refused"):
        read_qdc(path)
    path.write_text("<Other/>")
    with pytest.raises(DataValidationError, match="expected <CodeBook>"):
        read_qdc(path)


# --------------------------------------------------------------------------- writer round trip

def test_write_qdpx_round_trip_and_is_byte_stable(tmp_path):
    sources = pd.DataFrame({"source": ["a", "b"], "text": ["Trust 😀 grows", "Pooled"]})
    codings = pd.DataFrame({"source": ["a", "a", "b"], "code": ["culture/trust",
                            "leadership", "finance/pooling"], "start": [0, 6, 0],
                            "end": [13, 13, 6], "coder": ["x", "y", "x"]})
    case_tbl = pd.DataFrame({"case": ["NL", "IT"], "source": ["a", "b"],
                             "tier": ["national", "regional"]})
    one = write_qdpx(tmp_path / "1.qdpx", sources=sources, codings=codings, cases=case_tbl)
    two = write_qdpx(tmp_path / "2.qdpx", sources=sources, codings=codings, cases=case_tbl)
    assert one.read_bytes() == two.read_bytes()
    p = read_qdpx(one)
    assert p.codings["text"].tolist() == ["Trust 😀 grows", "😀 grows", "Pooled"]
    assert p.codings["coder"].tolist() == ["x", "y", "x"]
    assert sorted(p.codes["code"]) == ["culture", "culture/trust", "finance",
                                      "finance/pooling", "leadership"]
    ev = p.to_evidence()
    assert ev["case"].astype(str).tolist() == ["NL", "NL", "IT"]
    with pytest.raises(CaseStudyError, match="outside its text"):
        write_qdpx(tmp_path / "3.qdpx", sources=sources, codings=codings.assign(end=99))
