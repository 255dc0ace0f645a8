"""Download the current release of an official file from its publisher into ``.cache/``.

``casestudy fetch NAME`` streams the file from the publisher's stable URL with a progress
bar on stderr, writes it atomically to ``.cache/NAME/`` with a ``.sha256`` file beside it,
and prints the path and sha256. Offline it stops at once with a message saying so. The
downloads feed the readers in ``casestudy.indicators`` (``casestudy extract ... --from``);
nothing here writes to ``data/raw/``.

>>> from casestudy import fetch
>>> fetch.DOWNLOADS["wdi-beds"].source_id
'WB-WDI'
"""

from __future__ import annotations

import hashlib
import http.client
import re
import sys
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from casestudy import data
from casestudy.errors import CaseStudyError

_GAPMINDER = ("https://raw.githubusercontent.com/open-numbers/ddf--gapminder--systema_globalis/"
              "master/countries-etc-datapoints/ddf--datapoints--{}--by--geo--time.csv")


@dataclass(frozen=True)
class Download:
    """One publisher file with a stable URL.

    ``member`` (a regular expression) names the CSV to unpack when the download is a zip.
    """

    name: str
    url: str
    filename: str
    source_id: str
    title: str
    member: str | None = None


DOWNLOADS: dict[str, Download] = {d.name: d for d in (
    Download("wdi-beds", "https://api.worldbank.org/v2/en/indicator/SH.MED.BEDS.ZS"
             "?downloadformat=csv", "API_SH.MED.BEDS.ZS.zip", "WB-WDI",
             "World Bank WDI: hospital beds per 1,000 people (wide CSV in a zip)",
             member=r"^API_SH\.MED\.BEDS\.ZS.*\.csv$"),
    Download("gapminder-doctors", _GAPMINDER.format("medical_doctors_per_1000_people"),
             "medical_doctors_per_1000_people.csv", "GAPMINDER-SG",
             "Gapminder Systema Globalis: medical doctors per 1,000 people"),
    Download("gapminder-life-expectancy-female", _GAPMINDER.format("life_expectancy_female"),
             "life_expectancy_female.csv", "GAPMINDER-SG",
             "Gapminder Systema Globalis: life expectancy at birth, female"),
    Download("gapminder-life-expectancy-male", _GAPMINDER.format("life_expectancy_male"),
             "life_expectancy_male.csv", "GAPMINDER-SG",
             "Gapminder Systema Globalis: life expectancy at birth, male"),
    Download("wpp2019-population-by-age",
             "https://population.un.org/wpp/Download/Files/1_Indicators%20(Standard)/"
             "CSV_FILES/WPP2019_PopulationByAgeSex_Medium.csv",
             "WPP2019_PopulationByAgeSex_Medium.csv", "UN-WPP2019",
             "UN WPP 2019: population by five-year age group, medium variant"),
)}


@dataclass(frozen=True)
class Fetched:
    """A finished download: the file as served, its sha256, and the file to read."""

    download: Path
    sha256: str
    file: Path


#: Publishers without a stable file URL, and what to do instead.
NO_STABLE_URL = {
    "who-ghed": "WHO publishes the Global Health Expenditure Database through an interactive "
                "download page (https://apps.who.int/nha/database) with no stable file URL; "
                "export the GHED_* indicators for NLD, ITA and GBR as CSV from the Global "
                "Health Observatory portal (https://www.who.int/data/gho) and pass that "
                "file, in place of who_ghed_nld_ita_gbr.csv, to "
                "`casestudy extract indicators --from`.",
}


def cache_dir() -> Path:
    return data.project_root() / ".cache"


def fetch(name: str, *, url: str | None = None, cache: Path | None = None,
          timeout: float = 15.0, progress: IO[str] | None = None,
          quiet: bool = False) -> Fetched:
    """Download ``name`` into ``cache/NAME/``.

    ``url`` overrides the publisher's URL (a mirror, or a test server). The file and its
    sha256 land atomically, so an interrupted download leaves no partial file. For a zip,
    the CSV named by ``Download.member`` is unpacked beside it and is the ``file`` to read.
    The progress bar goes to ``progress`` (default: stderr) unless ``quiet``.
    """
    stream = None if quiet else (progress or sys.stderr)
    if name in NO_STABLE_URL:
        raise CaseStudyError(f"fetch {name}: {NO_STABLE_URL[name]}")
    if name not in DOWNLOADS:
        raise CaseStudyError(f"fetch: no download named {name!r}; known: "
                             f"{', '.join([*DOWNLOADS, *NO_STABLE_URL])}")
    item = DOWNLOADS[name]
    folder = (cache or cache_dir()) / name
    target = folder / item.filename
    source = url or item.url
    request = urllib.request.Request(source, headers={"User-Agent": "casestudy-fetch"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise CaseStudyError(f"fetch {name}: the server answered {exc.code} {exc.reason} for "
                             f"{source}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CaseStudyError(
            f"fetch {name}: cannot reach {source} ({reason}). Are you offline? Nothing was "
            "downloaded; the official files in shared/data/ work offline with "
            "`casestudy extract NAME --from shared/data`.") from None
    digest = hashlib.sha256()
    with response, data.atomic_path(target) as tmp, open(tmp, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        done = 0
        try:
            while block := response.read(1 << 16):
                out.write(block)
                digest.update(block)
                done += len(block)
                _progress(stream, name, done, total)
        except (OSError, http.client.HTTPException) as exc:
            raise CaseStudyError(f"fetch {name}: the download broke off after {done} bytes "
                                 f"({exc!r}); nothing was saved") from None
        if total and done != total:
            raise CaseStudyError(f"fetch {name}: the connection closed after {done} of "
                                 f"{total} bytes; nothing was saved")
    if stream is not None:
        stream.write("\n")
    sha = digest.hexdigest()
    data.atomic_write(folder / f"{item.filename}.sha256", f"{sha}  {item.filename}\n")
    return Fetched(target, sha, _unpack(item, target) if item.member else target)


def _unpack(item: Download, archive: Path) -> Path:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.namelist() if re.match(item.member or "", Path(m).name)]
            if len(members) != 1:
                raise CaseStudyError(f"fetch {item.name}: expected one file matching "
                                     f"{item.member} in {archive.name}, found "
                                     f"{', '.join(zf.namelist()) or 'none'}")
            target = archive.parent / Path(members[0]).name
            data.atomic_write(target, zf.read(members[0]))
    except zipfile.BadZipFile:
        raise CaseStudyError(f"fetch {item.name}: {archive} is not a zip file; the "
                             "publisher may have changed the download") from None
    return target


def _progress(stream: IO[str] | None, name: str, done: int, total: int) -> None:
    if stream is None:
        return
    mb = done / 1e6
    if total:
        width = 30
        filled = int(width * done / total)
        stream.write(f"\r{name} [{'#' * filled}{' ' * (width - filled)}] "
                     f"{done * 100 // total:3d}% {mb:.1f}/{total / 1e6:.1f} MB")
    else:
        stream.write(f"\r{name} {mb:.1f} MB")
    stream.flush()
