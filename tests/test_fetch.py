"""casestudy fetch against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from casestudy import cli, data, fetch
from casestudy.errors import CaseStudyError
from casestudy.indicators import read_gapminder, read_wdi

DDF = "geo,time,medical_doctors_per_1000_people\nnld,2021,3.875\nita,2021,4.064\n"
WDI = ('"Data Source","World Development Indicators",\n\n"Last Updated Date","2025-01-28",\n\n'
       '"Country Name","Country Code","Indicator Name","Indicator Code","2018","2019",\n'
       '"Italy","ITA","Hospital beds (per 1,000 people)","SH.MED.BEDS.ZS","3.14","",\n')


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "doctors.csv").write_text(DDF, encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("API_SH.MED.BEDS.ZS_DS2_en_csv_v2_1.csv", WDI)
        zf.writestr("Metadata_Country_API_SH.MED.BEDS.ZS_DS2_en_csv_v2_1.csv", "x\n")
    (root / "beds.zip").write_bytes(buf.getvalue())
    (root / "notzip.zip").write_text("<html>moved</html>", encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


def test_fetch_csv_with_progress_and_sha256(server, tmp_path):
    base, root = server
    progress = io.StringIO()
    got = fetch.fetch("gapminder-doctors", url=f"{base}/doctors.csv", cache=tmp_path / "c",
                      progress=progress)
    assert got.file == got.download == tmp_path / "c" / "gapminder-doctors" / \
        "medical_doctors_per_1000_people.csv"
    assert got.download.read_bytes() == (root / "doctors.csv").read_bytes()
    assert got.sha256 == hashlib.sha256(DDF.encode()).hexdigest()
    recorded = got.download.with_name(got.download.name + ".sha256").read_text()
    assert recorded == f"{got.sha256}  medical_doctors_per_1000_people.csv\n"
    assert "100%" in progress.getvalue()
    # The download feeds the reader directly: the publisher's own layout.
    assert read_gapminder(got.file)["value"].tolist() == [4.064, 3.875]


def test_fetch_zip_unpacks_the_data_csv(server, tmp_path):
    base, _ = server
    got = fetch.fetch("wdi-beds", url=f"{base}/beds.zip", cache=tmp_path, quiet=True)
    assert got.download.suffix == ".zip"
    assert got.file.name == "API_SH.MED.BEDS.ZS_DS2_en_csv_v2_1.csv"
    out = read_wdi(got.file)
    assert out[["geography", "year", "value"]].values.tolist() == [["ITA", 2018, 3.14]]


def test_fetch_not_a_zip(server, tmp_path):
    base, _ = server
    with pytest.raises(CaseStudyError, match="not a zip file"):
        fetch.fetch("wdi-beds", url=f"{base}/notzip.zip", cache=tmp_path, quiet=True)


def test_fetch_http_error_saves_nothing(server, tmp_path):
    base, _ = server
    cache = tmp_path / "cache"
    with pytest.raises(CaseStudyError, match="404"):
        fetch.fetch("gapminder-doctors", url=f"{base}/gone.csv", cache=cache, quiet=True)
    assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_fails_fast_with_a_clear_message(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/doctors.csv"
    with pytest.raises(CaseStudyError, match="Are you offline") as err:
        fetch.fetch("gapminder-doctors", url=url, cache=tmp_path, timeout=2, quiet=True)
    assert "Nothing was downloaded" in str(err.value)
    assert not any(tmp_path.iterdir())


def test_unknown_and_unstable_names():
    with pytest.raises(CaseStudyError, match="no download named 'nope'"):
        fetch.fetch("nope")
    with pytest.raises(CaseStudyError, match="no stable file URL"):
        fetch.fetch("who-ghed")


def test_cli_fetch(server, tmp_path, capsys):
    base, _ = server
    code = cli.main(["fetch", "gapminder-doctors", "--url", f"{base}/doctors.csv",
                     "--cache", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 0
    assert hashlib.sha256(DDF.encode()).hexdigest() in out.out
    assert "gapminder-doctors [" in out.err  # the progress bar goes to stderr


def test_cli_fetch_offline_exit_code(tmp_path, capsys):
    code = cli.main(["fetch", "gapminder-doctors", "--url",
                     f"http://127.0.0.1:{_closed_port()}/x.csv", "--cache", str(tmp_path)])
    assert code == 1
    assert "Are you offline" in capsys.readouterr().err


def test_cli_fetch_lists_downloads(capsys):
    assert cli.main(["fetch", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in [*fetch.DOWNLOADS, *fetch.NO_STABLE_URL])


def test_every_download_has_a_known_source_id():
    known = data.known_sources()
    assert known, "data/raw/sources.csv lists no source ids"
    assert {d.source_id for d in fetch.DOWNLOADS.values()} <= known
    assert all(Path(d.filename).name == d.filename for d in fetch.DOWNLOADS.values())


class _Truncating(SimpleHTTPRequestHandler):
    def do_GET(self):  # announce 1,000 bytes, send 10, hang up
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"geo,time,x")
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


def test_truncated_download_saves_nothing(tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Truncating)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(CaseStudyError, match="closed after 10 of 1000 bytes"):
            fetch.fetch("gapminder-doctors", url=f"http://127.0.0.1:{httpd.server_address[1]}/",
                        cache=tmp_path, quiet=True)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
