"""Execute the numbered notebooks and render self-contained, reproducible HTML reports.

``build()`` (``casestudy report``, ``make report``) runs every ``notebooks/NN_*.ipynb``
that is out of date, in number order, several at a time, each in its own kernel named
``casestudy`` (the project's virtual environment, never whatever ``python3`` is on PATH),
and writes:

- ``reports/NN_name.html``: the report, code cells hidden unless ``include_code``, with a
  table of contents, links to the previous and next report and the index, prose citations
  ``[@E3]`` linked to a closing References section (:mod:`casestudy.report.page`);
- ``reports/executed/NN_name.ipynb``: the executed notebook;
- ``figures/*.png|svg``: the figures the notebook saved with ``casestudy.plots.savefig``;
- ``reports/index.html``: each report's title, summary, number of figures and tables and
  first figure, and the build's provenance (:mod:`casestudy.report.index`).

``casestudy report --pdf`` also prints the set into one PDF (:mod:`casestudy.report.pdf`).
Running a notebook renders its *body*; the page is assembled from it whenever the body,
the neighbouring reports or ``data/raw/sources.csv`` change, without re-running anything.

A notebook is out of date when its own bytes, the options, the builder (this module, its
template, the versions of the libraries that shape the output) or any file it used changed,
or when one of its outputs is missing. The files it used are recorded as it runs: the
data files its loaders read and the ``casestudy`` modules it imported, so a change to
``casestudy/qca/`` rebuilds only the notebooks that import it.
A failing cell stops the build with the notebook, cell number and error; earlier reports
and figures stay as they were, because every output is staged and renamed into place only
after its notebook succeeded.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casestudy import _imports
from casestudy.errors import ReportError
from casestudy.paths import atomic_write, project_root
from casestudy.report import index, page

KERNEL = "casestudy"
NOTEBOOK_PATTERN = re.compile(r"^(\d{2})_[\w-]+\.ipynb$")
PACKAGE_DIR = Path(__file__).parent.parent
TEMPLATE_DIR = PACKAGE_DIR / "templates"
#: Tags (Jupyter Book's names) that drop a cell, its input or its output from the HTML.
REMOVE_TAGS = {"cell": "remove-cell", "input": "remove-input", "output": "remove-output"}


@dataclass(frozen=True)
class Layout:
    """Where a build reads notebooks and writes its outputs."""

    notebooks: Path
    reports: Path
    figures: Path
    root: Path

    @classmethod
    def default(cls) -> Layout:
        root = project_root()
        return cls(root / "notebooks", root / "reports", root / "figures", root)

    @property
    def state(self) -> Path:
        return self.reports / ".build"


@dataclass
class NotebookResult:
    """What happened to one notebook."""

    name: str
    status: str  # "built", "up to date", "failed" or "skipped"
    seconds: float = 0.0
    cell_seconds: float = 0.0
    error: str | None = None
    #: (cell index, seconds) of every code cell that ran, in order.
    cells: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class BuildResult:
    """The outcome of a build; ``ok`` is False when any notebook failed."""

    notebooks: list[NotebookResult] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(n.status != "failed" for n in self.notebooks)

    def table(self) -> Any:
        import pandas as pd

        return pd.DataFrame([n.__dict__ for n in self.notebooks])


# --------------------------------------------------------------------------- discovery

def discover(notebooks: Path, only: str | None = None) -> list[Path]:
    """``NN_*.ipynb`` in ``notebooks``, in number order (then name)."""
    found = [p for p in notebooks.glob("*.ipynb") if NOTEBOOK_PATTERN.match(p.name)]
    if only:
        found = [p for p in found if only in p.name]
    return sorted(found, key=lambda p: (int(p.name[:2]), p.name))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def installed_versions() -> list[str]:
    """``name==version`` of every distribution on ``sys.path``, sorted.

    Set-up installs exactly ``requirements.lock``, so this is the lock as it ran; a
    package added by hand shows here too. Read from the names of the ``.dist-info``
    folders (``name-version.dist-info``, as installers write them), not from each
    package's metadata: the no-op build reads them on every run, and parsing 150
    metadata files took longer than the rest of that build.

    >>> any(line.startswith("pandas==") for line in installed_versions())
    True
    """
    found = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file or a folder that is not there
            continue
        for name in names:
            stem, dot, kind = name.rpartition(".")
            if dot and kind in ("dist-info", "egg-info") and "-" in stem:
                dist, _, version = stem.partition("-")
                found.add(f"{dist.lower().replace('_', '-')}=={version}")
    return sorted(found)


def builder_fingerprint() -> str:
    """One hash over what shapes every report: this package, ``captions.py`` (the citation
    links ``page`` writes and collects), the template, the Python and every installed
    package's version (so a change of the lock rebuilds every report)."""
    h = hashlib.sha256(sys.version.encode())
    for path in [*sorted(Path(__file__).parent.glob("*.py")), PACKAGE_DIR / "captions.py",
                 *sorted(TEMPLATE_DIR.rglob("*"))]:
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    for line in installed_versions():
        h.update(line.encode() + b"\n")
    return h.hexdigest()


#: Run in the kernel after the last cell: records the ``casestudy`` modules the notebook
#: imported as files it read, so only their changes rebuild it.
_RECORD_MODULES = """\
import os as _cs_os, sys as _cs_sys
_cs_pkg = _cs_sys.modules.get("casestudy")
if _cs_pkg is not None and _cs_os.environ.get("CASESTUDY_DEPS_FILE"):
    _cs_dir = _cs_os.path.dirname(_cs_pkg.__file__) + _cs_os.sep
    with open(_cs_os.environ["CASESTUDY_DEPS_FILE"], "a", encoding="utf-8") as _cs_fh:
        for _cs_m in list(_cs_sys.modules.values()):
            _cs_f = getattr(_cs_m, "__file__", None) or ""
            if _cs_f.startswith(_cs_dir):
                _cs_fh.write("R " + _cs_f + "\\n")
"""


def _rel(path: Path, layout: Layout) -> str:
    try:
        return path.resolve().relative_to(layout.root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _abs(name: str, layout: Layout) -> Path:
    path = Path(name)
    return path if path.is_absolute() else layout.root / path


def _stamp(nb_path: Path, reads: Iterable[str], layout: Layout, options: dict[str, Any],
           builder: str, seen: dict[Path, str] | None = None) -> str:
    """One hash over a notebook, what it read, the options and the builder. ``seen`` keeps
    file digests across the up-to-date checks of one build: the notebooks read many of the
    same files (sources.csv, the package's modules), and a no-op build hashes them all."""
    seen = {} if seen is None else seen
    digests = {}
    for name in sorted(reads):
        path = _abs(name, layout)
        if path not in seen:
            seen[path] = _sha(path.read_bytes()) if path.is_file() else "missing"
        digests[name] = seen[path]
    payload = {"notebook": _sha(nb_path.read_bytes()), "builder": builder, "options": options,
               "reads": digests}
    return _sha(json.dumps(payload, sort_keys=True).encode())


def _outputs(nb_path: Path, layout: Layout) -> tuple[Path, Path]:
    """What running a notebook writes: its rendered body (the page before
    :func:`casestudy.report.page.assemble`) and the executed notebook."""
    return (layout.state / f"{nb_path.stem}.body.html",
            layout.reports / "executed" / nb_path.name)


def _page_path(nb_path: Path, layout: Layout) -> Path:
    return layout.reports / f"{nb_path.stem}.html"


def _state(nb_path: Path, layout: Layout) -> dict[str, Any] | None:
    """What the last successful build of a notebook recorded (None if never built)."""
    state_file = layout.state / f"{nb_path.stem}.json"
    if not state_file.is_file():
        return None
    return json.loads(state_file.read_text(encoding="utf-8"))


def _expected_seconds(nb_path: Path, layout: Layout) -> float:
    """How long the notebook should take: its last build's time, or, never built (a fresh
    clone), one second per thousand characters of code, which ranks the project's
    notebooks close to the order of their measured times."""
    state = _state(nb_path, layout)
    if state is not None:
        return float(state.get("seconds", 0.0))
    return sum(map(len, _code(nb_path))) / 1000


def _code(nb_path: Path) -> list[str]:
    """The notebook's code cells, read as JSON (nbformat's import costs more than this)."""
    cells = json.loads(nb_path.read_text(encoding="utf-8")).get("cells", [])
    return ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]


def cell_times(layout: Layout | None = None) -> Any:
    """Every code cell's time in the last build of each notebook, slowest first.

    Read from the build records (``reports/.build/NN_name.json``): columns ``notebook``,
    ``cell`` (1-based, as the notebook numbers its cells), ``seconds`` and ``source`` (the
    cell's first line).
    """
    import pandas as pd

    layout = layout or Layout.default()
    rows = []
    for nb_path in discover(layout.notebooks):
        state = _state(nb_path, layout) or {}
        cells = read_notebook(nb_path).cells
        for k, seconds in state.get("cells", []):
            if k >= len(cells):  # the notebook changed since that build
                continue
            first = next((ln for ln in cells[k].source.splitlines() if ln.strip()), "")
            rows.append({"notebook": nb_path.stem, "cell": k + 1, "seconds": seconds,
                         "source": first[:80]})
    frame = pd.DataFrame(rows, columns=["notebook", "cell", "seconds", "source"])
    return frame.sort_values("seconds", ascending=False, kind="mergesort").reset_index(
        drop=True)


def is_up_to_date(nb_path: Path, layout: Layout, options: dict[str, Any],
                  builder: str, seen: dict[Path, str] | None = None) -> bool:
    state = _state(nb_path, layout)
    if state is None:
        return False
    wanted = [*_outputs(nb_path, layout), *(_abs(w, layout) for w in state["writes"])]
    if not all(p.is_file() for p in wanted):
        return False
    return state["stamp"] == _stamp(nb_path, state["reads"], layout, options, builder, seen)


# --------------------------------------------------------------------------- notebooks

def read_notebook(path: Path) -> Any:
    """Read a notebook; a cell without an id gets a stable one (nbformat would draw at random)."""
    import nbformat

    with open(path, encoding="utf-8") as fh:
        nb = nbformat.read(fh, as_version=4)
    for i, cell in enumerate(nb.cells):
        if not cell.get("id"):
            cell["id"] = f"cell-{i:02d}"
    return nb


def title_and_summary(path: Path) -> tuple[str, str]:
    """The first ``# heading`` and the paragraph after it in the notebook's first markdown cell.

    Reads the JSON directly: importing nbformat costs more than a whole no-op build.
    """
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        title, summary = path.stem, ""
        for para in re.split(r"\n\s*\n", source.strip()):
            lines = para.splitlines()
            if para.startswith("# ") and title == path.stem:
                title = _strip_markdown(lines[0][2:])
                summary = "\n".join(lines[1:]).strip()
            elif not para.startswith("#"):
                summary = summary or para
            if summary:
                break
        return title, _plain(summary)
    return path.stem, ""


def _strip_markdown(markdown: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"(?<!\w)([*_]{1,2})(\S.*?)\1(?!\w)", r"\2", text)
    return " ".join(text.replace("`", "").split())


def _plain(markdown: str) -> str:
    """Markdown paragraph → its first sentence as plain text, for the index's one line."""
    text = _strip_markdown(markdown)
    first = re.match(r"(.+?[.?!])\s+(?=[A-Z])", text)
    return first.group(1) if first else text


def strip_notebooks(paths: Iterable[Path] | None = None) -> list[Path]:
    """Remove outputs, execution counts and run metadata; return the notebooks changed."""
    import nbformat

    paths = list(paths) if paths else discover(Layout.default().notebooks)
    changed = []
    for path in map(Path, paths):
        before = path.read_text(encoding="utf-8")
        nb = read_notebook(path)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nb.metadata.pop("widgets", None)
        after = nbformat.writes(nb) + "\n"
        if after != before:
            atomic_write(path, after)
            changed.append(path)
    return changed


def _sanitise(nb: Any, layout: Layout, staging: Path) -> None:
    """Drop what differs between machines or runs from the executed notebook's outputs."""
    replacements = [(str(staging.resolve()) + os.sep, "figures/"),
                    (str(layout.root.resolve()) + os.sep, ""),
                    (str(Path.home()) + os.sep, "~/")]

    def clean(text: str) -> str:
        for old, new in replacements:
            text = text.replace(old, new)
        return text

    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = clean(out["text"])
            if "traceback" in out:
                out["traceback"] = [clean(line) for line in out["traceback"]]
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in out.get("data", {}):
                    out["data"][mime] = clean(out["data"][mime])
    nb.metadata.pop("widgets", None)


def _server_env() -> dict[str, str]:
    """The environment every kernel of a build shares (the fork server's, see ``kernels``)."""
    # A backend forced on the caller (e.g. Agg in tests) would stop figures reaching the report.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    return env | {"PYTHONHASHSEED": "0",
                  "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0")}


def _kernel_env(layout: Layout, staging: Path, nb_path: Path) -> dict[str, str]:
    return _server_env() | {
        # Figures and tables number themselves "N.M" from the report's number (NN_ prefix).
        "CASESTUDY_NOTEBOOK": nb_path.stem,
        "CASESTUDY_DEPS_FILE": str(staging / ".deps"),
        "CASESTUDY_FIGURES_DIR": str(staging),
        "CASESTUDY_ROOT": str(layout.root),
    }


def _kernel_interpreter() -> list[str]:
    """The ``casestudy`` kernel's interpreter and its options, from its kernelspec."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from casestudy.report import kernels

    try:
        return kernels.split_kernel_argv(KernelSpecManager().get_kernel_spec(KERNEL).argv)[0]
    except NoSuchKernel:
        raise ReportError(
            f"Jupyter kernel {KERNEL!r} is not installed; `make report` installs it "
            "(or run `make kernel`)"
        ) from None
    except ValueError as exc:
        raise ReportError(f"Jupyter kernel {KERNEL!r}: {exc}; `make kernel` reinstalls it"
                          ) from None


async def _execute(nb_path: Path, km: Any, staging: Path, layout: Layout, timeout: int
                   ) -> tuple[Any, list[tuple[int, float]], list[str]]:
    """Run every code cell in ``km``'s kernel; return the notebook, each code cell's
    (index, seconds) and the files read."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = read_notebook(nb_path)
    # "immediate": the builder kills the kernel once the cells are done; waiting for it to
    # wind down took 0.6 s per notebook. Streams merged: the kernel flushes what a cell
    # prints every 0.2 s, so unmerged, the same cell could give one output or two.
    client = NotebookClient(nb, km=km, kernel_name=KERNEL, timeout=timeout,
                            record_timing=False, shutdown_kernel="immediate",
                            coalesce_streams=True,
                            resources={"metadata": {"path": str(nb_path.parent)}})
    cells: list[tuple[int, float]] = []
    async with client.async_setup_kernel(cleanup_kc=True):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            started = time.perf_counter()
            try:
                await client.async_execute_cell(cell, index)
            except CellExecutionError as exc:
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                raise ReportError(
                    f"{nb_path.name}: cell {index + 1} of {len(nb.cells)} failed with "
                    f"{exc.ename}: {exc.evalue}\n    in: {first[:100]}"
                ) from None
            cells.append((index, time.perf_counter() - started))
        await client.kc.execute_interactive(_RECORD_MODULES, silent=True,
                                            store_history=False, timeout=timeout)
    deps = (staging / ".deps").read_text(encoding="utf-8").splitlines()
    reads = sorted({_rel(Path(line[2:]), layout) for line in deps if line.startswith("R ")})
    return nb, cells, reads


def _import_nbclient() -> None:
    import nbclient  # noqa: F401


def _warm_up(include_code: bool) -> _Renderer:
    """Import nbconvert and load the template, for rendering once the cells have run.

    One small page is rendered here, while the kernels run: compiling the templates and the
    markdown renderer's patterns at the first real render took most of a second on the
    critical path of a one-notebook rebuild."""
    import matplotlib.font_manager  # noqa: F401  (builds the font cache outside any report)
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    renderer = _Renderer(include_code)
    outputs = [new_output("stream", name="stdout", text="warm-up\n"),
               new_output("display_data", data={"text/html": "<p>warm-up</p>",
                                                "text/plain": "warm-up"})]
    renderer.render(new_notebook(cells=[new_markdown_cell("# Warm-up\n\nA *page*."),
                                        new_code_cell("1", outputs=outputs)]),
                    "00_warm_up.ipynb", "Warm-up")
    return renderer


#: The opening tags nbconvert's HTMLExporter makes keyboard-focusable (``tabindex="0"``): a
#: cell's input and each output, so that a reader can tab to a wide table and scroll it.
_FOCUSABLE = re.compile(
    r'<div class="(?:[^"]*\s)?jp-(?:Cell-inputWrapper|OutputArea-output)(?:\s[^"]*)?"')


def _exporter_class() -> type:
    """nbconvert's HTMLExporter without its last pass, which parses the whole page with
    BeautifulSoup and writes it out again only to add ``tabindex="0"`` to the template's
    input and output divs (done here on their opening tags) and a placeholder alt text
    to images without one (every figure has its own; the browser tests fail on any image
    without). That pass was three quarters of rendering a report: 0.3 s for report 08."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None,
                               **kw: Any) -> tuple[str, dict[str, Any]]:
            # HTMLExporter.from_notebook_node (nbconvert 7.17), up to its BeautifulSoup pass.
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            highlight = self.filters.get("highlight_code",
                                         Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                               parent=self, resources=resources)
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _FOCUSABLE.sub(r'\g<0> tabindex="0"', html), resources

    return PageExporter


class _Renderer:
    """One HTML exporter for the whole build: loading the template is the slow part."""

    def __init__(self, include_code: bool):
        import logging

        from nbconvert.preprocessors import TagRemovePreprocessor

        self.include_code = include_code
        self.exporter = _exporter_class()(template_name="casestudy",
                                          extra_template_basedirs=[str(TEMPLATE_DIR)])
        self.exporter.exclude_input = not include_code
        self.exporter.exclude_input_prompt = True
        self.exporter.exclude_output_prompt = True
        # nbconvert warns about every inline plot without alt text; figures shown with
        # plots.show carry their own, and the browser tests fail on any that does not.
        self.exporter.log.setLevel(logging.ERROR)
        self.exporter.register_preprocessor(TagRemovePreprocessor(
            remove_cell_tags={REMOVE_TAGS["cell"]},
            remove_input_tags={REMOVE_TAGS["input"]},
            remove_all_outputs_tags={REMOVE_TAGS["output"]},
        ), enabled=True)

    def render(self, nb: Any, name: str, title: str) -> str:
        resources = {"metadata": {"name": title},
                     "casestudy": {"notebook": name, "include_code": self.include_code}}
        body, _ = self.exporter.from_notebook_node(page.prepare(nb), resources=resources)
        return body


def _commit(nb_path: Path, nb: Any, html_text: str, staging: Path, layout: Layout,
            stamp_inputs: tuple[list[str], dict[str, Any], str], seconds: float,
            cells: list[tuple[int, float]]) -> None:
    """Move a successful notebook's outputs into place, figures first, state last."""
    import nbformat

    figures = sorted(p for p in staging.iterdir() if p.is_file() and p.name != ".deps")
    writes = []
    for fig in figures:
        target = layout.figures / fig.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(fig, target)
        writes.append(_rel(target, layout))
    body_path, executed_path = _outputs(nb_path, layout)
    atomic_write(executed_path, nbformat.writes(nb) + "\n")
    atomic_write(body_path, html_text)
    reads, options, builder = stamp_inputs
    state = {"stamp": _stamp(nb_path, reads, layout, options, builder), "reads": reads,
             "writes": writes, "seconds": round(seconds, 1),
             "cells": [[k, round(secs, 3)] for k, secs in cells]}
    atomic_write(layout.state / f"{nb_path.stem}.json", json.dumps(state, indent=1) + "\n")


# --------------------------------------------------------------------------- pages

def _finish_pages(notebooks: list[Path], layout: Layout, builder: str,
                  results: dict[str, NotebookResult],
                  thumbnails: dict[str, page.Thumbnail]) -> list[index.Entry]:
    """Assemble every rendered report whose body, neighbours or sources changed.

    Returns the index's entries. A page that cannot be assembled (it cites an unknown
    source) marks its notebook failed and keeps its previous HTML. ``thumbnails`` holds
    the thumbnails the build has made already, by the digest of their body.
    """
    rendered = [p for p in notebooks if _outputs(p, layout)[0].is_file()]
    titles = [title_and_summary(p) for p in rendered]
    links = [page.Link(_page_path(p, layout).name, t) for p, (t, _) in zip(rendered, titles,
                                                                        strict=True)]
    sources_path = layout.root / "data" / "raw" / "sources.csv"
    sources_bytes = sources_path.read_bytes() if sources_path.is_file() else b""
    sources: dict[str, dict[str, str]] | None = None
    entries = []
    for i, nb_path in enumerate(rendered):
        body_path, html_path = _outputs(nb_path, layout)[0], _page_path(nb_path, layout)
        meta_path = layout.state / f"{nb_path.stem}.page.json"
        previous = links[i - 1] if i else None
        following = links[i + 1] if i + 1 < len(links) else None
        body = body_path.read_bytes()
        digest = _sha(body)
        stamp = _sha(json.dumps([digest, _sha(sources_bytes), builder,
                                 previous and previous.__dict__,
                                 following and following.__dict__]).encode())
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        if meta.get("stamp") != stamp or not html_path.is_file():
            if sources is None:
                sources = page.read_sources(sources_path)
            try:
                done = page.assemble(body.decode("utf-8"), nb_path.name, previous, following,
                                     sources, thumb=thumbnails.get(digest))
            except ReportError as exc:
                results[nb_path.name] = NotebookResult(nb_path.name, "failed", error=str(exc))
                _say(f"  {nb_path.stem:<32} FAILED\n{exc}")
                continue
            atomic_write(html_path, done.html)
            meta = {"stamp": stamp, "figures": done.figures, "tables": done.tables,
                    "thumbnail": done.thumbnail, "thumbnail_alt": done.thumbnail_alt}
            atomic_write(meta_path, json.dumps(meta, indent=1) + "\n")
        entries.append(index.Entry(links[i].href, links[i].title, titles[i][1], meta["figures"],
                                   meta["tables"], meta["thumbnail"], meta["thumbnail_alt"]))
    return entries


# --------------------------------------------------------------------------- build

def _say(text: str) -> None:
    print(text, flush=True)


async def _build_async(todo: list[Path], layout: Layout, include_code: bool, jobs: int,
                       timeout: int, options: dict[str, Any], builder: str,
                       results: dict[str, NotebookResult],
                       thumbnails: dict[str, page.Thumbnail]) -> None:
    # Kernels boot while Jupyter's slow modules import in one worker thread, in order: first
    # nbclient (needed to run cells), then nbconvert (needed only to render). The main thread
    # imports nothing they import meanwhile: two threads initialising one package can see it
    # half-built.
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import jupyter_client.manager  # noqa: F401

    from casestudy.report import kernels

    loop = asyncio.get_running_loop()
    worker = ThreadPoolExecutor(max_workers=1)
    nbclient_ready = loop.run_in_executor(worker, _import_nbclient)
    # The warm-up, queued at the first call (see below for when that is).
    renderer = functools.cache(lambda: loop.run_in_executor(worker, _warm_up, include_code))

    semaphore = asyncio.Semaphore(jobs)
    failed = asyncio.Event()
    interpreter = _kernel_interpreter()  # also: a missing kernel is named before any runs
    # A fork server of the build's own is worth its start-up (3-4 s of imports before the
    # first kernel) only when kernels start one after another: when each notebook has a job
    # of its own, their kernels import side by side, sooner (two small notebooks: 3 s rather
    # than 5 s). One kept between builds (``kernels.kept_servers``) serves any build.
    preload = kernels.preload_for(kernels.imported_packages(
        code for p in todo for code in _code(p)))
    server = kernels.kept_server(interpreter, _server_env(), preload)
    owned = server is None and len(todo) > jobs
    if owned:
        server = kernels.ForkServer(interpreter, _server_env(), preload)
    if server is not None:
        # The templates load (a second, holding this interpreter) while the server imports.
        renderer()

    async def run(nb_path: Path, staging: Path) -> tuple[Any, list[tuple[int, float]],
                                                         list[str]]:
        # Short and outside the project: a Unix socket path must fit in 107 bytes.
        sockets = Path(tempfile.mkdtemp(prefix="casestudy-"))
        km = None
        try:
            # The kernel's start-up notices are not the build's business; errors still
            # reach the report. No IPython history: a build's cells do not belong in the
            # user's ~/.ipython, where the kernels running at once would share one database.
            km = await kernels.start_kernel(
                KERNEL, server, sockets, _kernel_env(layout, staging, nb_path),
                nb_path.parent, ["--IPKernelApp.log_level=ERROR",
                                 "--HistoryManager.enabled=False"])
            # Without a server, only now: the kernel's start would queue behind the
            # templates' loading (0.2 s of a one-notebook build).
            renderer()
            await nbclient_ready
            return await _execute(nb_path, km, staging, layout, timeout)
        finally:
            if km is not None:
                await km.shutdown_kernel(now=True)
            shutil.rmtree(sockets, ignore_errors=True)

    async def one(nb_path: Path) -> None:
        async with semaphore:
            if failed.is_set():
                results[nb_path.name] = NotebookResult(nb_path.name, "skipped")
                return
            started = time.perf_counter()
            layout.state.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f"{nb_path.stem}-", dir=layout.state))
            (staging / ".deps").touch()
            try:
                nb, cells, reads = await run(nb_path, staging)
            except ReportError as exc:
                failed.set()
                shutil.rmtree(staging, ignore_errors=True)
                results[nb_path.name] = NotebookResult(
                    nb_path.name, "failed", time.perf_counter() - started, error=str(exc))
                _say(f"  {nb_path.stem:<32} FAILED\n{exc}")
                return
        # Rendered with the job given up, so the next notebook's kernel starts meanwhile; in
        # the worker thread, so the loop goes on sending the running kernels their cells.
        try:
            cell_seconds = sum(seconds for _, seconds in cells)
            render = await renderer()
            _sanitise(nb, layout, staging)
            title, _ = title_and_summary(nb_path)
            html_text = await loop.run_in_executor(worker, render.render, nb, nb_path.name,
                                                   title)
            took = time.perf_counter() - started
            _commit(nb_path, nb, html_text, staging, layout, (reads, options, builder), took,
                    cells)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        results[nb_path.name] = NotebookResult(nb_path.name, "built", took, cell_seconds,
                                               cells=cells)
        _say(f"  {nb_path.stem:<32} built in {took:5.1f} s (cells {cell_seconds:.1f} s)")
        # The index's thumbnail, made now rather than when the pages are assembled after the
        # last notebook, on one core while the other is idle (0.04 s a report).
        thumbnails[_sha(html_text.encode("utf-8"))] = await loop.run_in_executor(
            worker, page.thumbnail, html_text)

    try:
        await asyncio.gather(*(one(p) for p in todo))
    finally:
        if owned:
            server.close()
        worker.shutdown(wait=True)


def build(*, layout: Layout | None = None, force: bool = False, include_code: bool = False,
          jobs: int | None = None, only: str | None = None, timeout: int = 600) -> BuildResult:
    """Bring every report up to date; see the module docstring for what is written."""
    layout = layout or Layout.default()
    started = time.perf_counter()
    notebooks = discover(layout.notebooks, only)
    if not notebooks:
        raise ReportError(f"no notebooks named NN_*.ipynb in {layout.notebooks}")
    options = {"include_code": include_code, "kernel": KERNEL}
    builder = builder_fingerprint()
    results: dict[str, NotebookResult] = {}
    thumbnails: dict[str, page.Thumbnail] = {}
    todo = []
    seen: dict[Path, str] = {}
    for nb_path in notebooks:
        if not force and is_up_to_date(nb_path, layout, options, builder, seen):
            results[nb_path.name] = NotebookResult(nb_path.name, "up to date")
            _say(f"  {nb_path.stem:<32} up to date")
        else:
            todo.append(nb_path)
    if todo:
        _imports.skip_iri_grammar()  # nbformat validates with jsonschema
        # Longest first: a long notebook started last would leave the other workers idle
        # while it runs alone (on a fresh clone the two longest ran last, 11 s of one core).
        todo.sort(key=lambda p: -_expected_seconds(p, layout))
        jobs = jobs or min(len(todo), max(1, os.cpu_count() or 1))
        import asyncio  # only here: a no-op build should not pay for importing it

        asyncio.run(_build_async(todo, layout, include_code, jobs, timeout, options, builder,
                                 results, thumbnails))
    entries = _finish_pages(discover(layout.notebooks), layout, builder, results, thumbnails)
    outcome = BuildResult([results[p.name] for p in notebooks])
    if outcome.ok:
        index_html = index.render(entries, index.provenance(layout.root))
        index_path = layout.reports / "index.html"
        if not index_path.is_file() or index_path.read_text(encoding="utf-8") != index_html:
            atomic_write(index_path, index_html)
    outcome.wall_seconds = time.perf_counter() - started
    built = sum(n.status == "built" for n in outcome.notebooks)
    verdict = "ok" if outcome.ok else "FAILED"
    print(f"report: {verdict}; {built} built, {len(notebooks) - built} unchanged, "
          f"{outcome.wall_seconds:.1f} s; open reports/index.html",
          file=sys.stdout if outcome.ok else sys.stderr)
    return outcome
