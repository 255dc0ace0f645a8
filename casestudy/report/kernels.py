"""Kernels for the report builder, forked from one process that has imported the heavy libraries.

Every notebook starts by importing pandas, matplotlib, seaborn, statsmodels and IPython's
kernel machinery: about 3 s of CPU per notebook, paid again by each of the set's kernels on
a machine with two cores. The builder starts one *fork server* per build instead: a plain
Python process (the kernel's own interpreter, with the build's environment) that imports
those libraries once (as far as the build's notebooks import them: ``preload_for``) and
then, on request, forks a child that becomes an ordinary IPython kernel. The child shares
the parent's imported modules copy-on-write, so the notebook's first cell finds them in
``sys.modules``. A build that runs no more notebooks than it runs at once (one notebook, or
two on two cores) starts each kernel as a new process, as Jupyter does: the kernels then
import side by side, which is sooner than waiting for the server. Inside ``kept_servers()``
the servers outlive the builds, and every build's kernels are forked (a test module's
dozen small builds).

What a child inherits and what it does not:

- No ``casestudy`` module is imported by the server: each notebook imports the package
  afresh, so the modules it uses are recorded as its dependencies exactly as before, and
  module-level state (caches, ``$CASESTUDY_*`` settings) is the notebook's own.
- The child's environment, working directory and ``sys.argv`` are those the kernel would have
  had if it were started as a new process; ``$PYTHONHASHSEED`` is the server's, which the
  builder fixes to 0 for every build.
- The objects the server made while importing are frozen (``gc.freeze``), so the child's
  garbage collector does not scan them; its own objects are collected as usual.
- Matplotlib's backend is the inline one that ipykernel itself would choose
  (``module://matplotlib_inline.backend_inline``), set before pyplot is imported and loaded
  by the kernel at its first figure, as in a kernel started afresh.

The kernel talks over Unix sockets (``transport="ipc"``) in a short folder of its own:
jupyter_client picks a TCP port by binding and releasing it before the kernel binds it again,
and with several kernels starting at once (parallel builds, pytest-xdist) another process can
take the port in between, so the kernel dies with "Address already in use".

>>> "pandas" in PRELOAD and not any(m.startswith("casestudy") for m in PRELOAD)
True
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

#: Imported once by the fork server, as far as the build's notebooks import them (see
#: ``preload_for``). Only libraries whose import costs a notebook real time; a module missing
#: from the environment is skipped. Not matplotlib_inline's backend: it hooks itself into the
#: IPython shell when it is first imported, and the shell exists only in the kernel (pyplot
#: resolves its backend at the first figure, so it stays unresolved). ``ipykernel.debugger``
#: (debugpy) is what every kernel imports as it starts, whether or not it is debugged: 0.12-0.16
#: s of each kernel's start.
PRELOAD = (
    "numpy", "pandas", "pandas.io.formats.style", "matplotlib.pyplot", "seaborn", "scipy.stats",
    "statsmodels.api",
    "statsmodels.tsa.stattools", "statsmodels.stats.diagnostic", "networkx", "jinja2",
    "PIL.Image", "IPython.display", "ipykernel.kernelapp", "ipykernel.ipkernel",
    "ipykernel.debugger",
)
#: Every kernel imports these, whatever its notebook does.
_KERNEL_MACHINERY = ("IPython", "ipykernel")


def imported_packages(code: Iterable[str]) -> set[str]:
    r"""The top-level packages that code cells import (``import a.b``, ``from a import b``).

    IPython's own lines (``%magic``, ``!command``) are left out before parsing; a cell that
    still is not Python counts as importing nothing, as it would fail in the kernel anyway.

    >>> sorted(imported_packages(["%matplotlib inline\nimport pandas as pd, os.path",
    ...                           "from casestudy import plots\nfrom . import x", "1 +"]))
    ['casestudy', 'os', 'pandas']
    """
    found: set[str] = set()
    for source in code:
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def preload_for(packages: set[str]) -> tuple[str, ...]:
    """What the fork server imports for notebooks that import ``packages``: every entry of
    ``PRELOAD`` if they import ``casestudy`` (which uses those libraries), else the entries of
    the packages they name, and always the kernel's own machinery. A set of small notebooks
    that import nothing heavy so starts its server in a fraction of a second, not 3-4 s.

    >>> preload_for({"casestudy"}) == PRELOAD
    True
    >>> preload_for({"os", "pandas"})[:2]
    ('pandas', 'pandas.io.formats.style')
    >>> preload_for(set())
    ('IPython.display', 'ipykernel.kernelapp', 'ipykernel.ipkernel', 'ipykernel.debugger')
    """
    wanted = {*packages, *_KERNEL_MACHINERY}
    if "casestudy" in packages:
        return PRELOAD
    return tuple(name for name in PRELOAD if name.split(".")[0] in wanted)


# Run with ``python -c`` so that no file of the package becomes the server's ``__main__``
# (the builder records every ``casestudy`` file a kernel has loaded as a dependency).
_SERVER = r"""
import gc, importlib, json, os, signal, sys

os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
# What the libraries made lives as long as the kernel: frozen, it is left out of the
# kernel's garbage collections (a full one, in a notebook's kernel, scanned some 400,000
# objects in 0.6 s, three quarters of them the libraries').
gc.freeze()
# Children are reaped by the system: the builder watches them by pid.
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
protocol = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
print(json.dumps({"ready": os.getpid()}), file=protocol)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid:
        print(json.dumps({"pid": pid}), file=protocol)
        continue
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    protocol.close()
    os.environ.clear()
    os.environ.update(request["env"], JPY_PARENT_PID=str(os.getppid()))
    os.chdir(request["cwd"])
    sys.argv = [sys.executable, *request["argv"]]
    sys.path[0] = request["cwd"]
    from ipykernel import kernelapp
    # The trait's default was read from the environment when the server imported ipykernel.
    argv = [*request["argv"], "--IPKernelApp.parent_handle=%d" % os.getppid()]
    try:
        kernelapp.launch_new_instance(argv=argv)
    finally:
        os._exit(0)
# Tearing down the imported libraries would take a second; there is nothing to flush.
os._exit(0)
"""


class ForkServer:
    """A process that forks a kernel per notebook (see the module's docstring): one per
    build, or one kept for a session's builds (``kept_servers``).

    ``interpreter`` is the kernel's interpreter with its options, as the kernelspec gives
    them before ``-m ipykernel_launcher`` (e.g. ``[".venv/bin/python",
    "-Xfrozen_modules=off"]``); ``env`` is the environment the build gives its kernels;
    ``preload`` what the server imports before it forks (``preload_for``). It talks over
    plain pipes, from a thread, so that it can outlive the event loop of the build that
    started it.
    """

    def __init__(self, interpreter: list[str], env: dict[str, str],
                 preload: tuple[str, ...] = PRELOAD) -> None:
        self.interpreter = interpreter
        self.env = env
        self.preload = preload
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _started(self) -> subprocess.Popen[bytes]:
        # Started again if it has stopped (killed, say) since a build it served.
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [*self.interpreter, "-c", _SERVER, json.dumps(self.preload)], env=self.env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self._reply(self._process)
        return self._process

    @staticmethod
    def _reply(process: subprocess.Popen[bytes]) -> dict[str, int]:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            code = process.wait()
            raise RuntimeError(f"the kernel fork server stopped (exit code {code}); "
                               "its error is printed above")
        return json.loads(line)

    def _spawn(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        with self._lock:
            process = self._started()
            assert process.stdin is not None
            request = {"argv": argv, "env": env, "cwd": cwd}
            process.stdin.write((json.dumps(request) + "\n").encode())
            process.stdin.flush()
            return self._reply(process)["pid"]

    async def spawn(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """Fork a kernel that runs ipykernel_launcher with ``argv`` (``-f …``); its pid."""
        return await asyncio.to_thread(self._spawn, argv, env, cwd)

    def close(self) -> None:
        """Stop the server (kernels it forked are shut down by their managers)."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                assert self._process.stdin is not None
                self._process.stdin.close()
                self._process.wait()
            self._process = None


#: The servers ``kept_servers`` keeps, by interpreter and preload; None outside it.
_kept: dict[tuple[tuple[str, ...], tuple[str, ...]], ForkServer] | None = None


@contextlib.contextmanager
def kept_servers() -> Iterator[None]:
    """Within the block, builds fork their kernels from fork servers kept between them.

    For a session that builds again and again (a test module, an editing loop in Python):
    the first build that needs a server starts it, one per kernel interpreter and preload;
    every later kernel, even of a one-notebook build, is forked from it in a fraction of a
    second rather than importing the libraries again. The servers stop when the outermost
    block ends. Their imports are those of the environment they started in: a library
    installed or upgraded meanwhile reaches the kernels after the block.

    >>> with kept_servers():
    ...     kept_server(["python3"], {}, ()) is kept_server(["python3"], {}, ())
    True
    >>> kept_server(["python3"], {}, ()) is None
    True
    """
    global _kept
    outermost = _kept is None
    if outermost:
        _kept = {}
    try:
        yield
    finally:
        if outermost:
            servers, _kept = _kept, None
            for server in servers.values():
                server.close()


def kept_server(interpreter: list[str], env: dict[str, str], preload: tuple[str, ...]
                ) -> ForkServer | None:
    """Inside ``kept_servers``, its server for ``interpreter`` and ``preload`` (started with
    ``env`` at its first fork); outside, None."""
    if _kept is None:
        return None
    key = (tuple(interpreter), preload)
    if key not in _kept:
        _kept[key] = ForkServer(interpreter, env, preload)
    return _kept[key]


class _Forked:
    """The part of ``subprocess.Popen`` that jupyter_client's LocalProvisioner uses, for a
    kernel that is the fork server's child rather than ours."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0  # the server reaped it; its status is not ours to know
        return self.returncode

    def wait(self) -> int | None:
        return self.poll()

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signum)  # the child leads its own session and group

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def split_kernel_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """A kernelspec's ``argv`` as (interpreter with its options, ipykernel's arguments).

    >>> split_kernel_argv(["/v/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
    ...                    "-f", "{connection_file}"])
    (['/v/bin/python', '-Xfrozen_modules=off'], ['-f', '{connection_file}'])
    """
    for i in range(len(argv) - 1):
        if argv[i:i + 2] == ["-m", "ipykernel_launcher"]:
            return argv[:i], argv[i + 2:]
    raise ValueError(f"not an ipykernel command: {argv}")


def _provisioner(server: ForkServer, km: Any) -> Any:
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        """Launches the kernel by asking ``server`` to fork it."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            _, argv = split_kernel_argv(cmd)
            pid = await server.spawn(argv, dict(kwargs.get("env") or os.environ),
                                     str(kwargs.get("cwd") or Path.cwd()))
            self.process = _Forked(pid)
            self.pid = self.pgid = pid
            self.cwd = kwargs.get("cwd", Path.cwd())
            return self.connection_info

    return ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)


async def start_kernel(name: str, server: ForkServer | None, sockets: Path,
                       env: dict[str, str], cwd: Path, extra_arguments: list[str]) -> Any:
    """Start kernel ``name`` on Unix sockets under ``sockets``, forked by ``server`` (or as
    a new process when there is none); return its (async) KernelManager, ready for nbclient.
    """
    import uuid

    from jupyter_client.manager import AsyncKernelManager

    km = AsyncKernelManager(kernel_name=name, transport="ipc", ip=str(sockets / "k"))
    km.kernel_id = str(uuid.uuid4())
    if server is not None:
        km.provisioner = _provisioner(server, km)
    await km.start_kernel(env=env, cwd=str(cwd), extra_arguments=extra_arguments)
    return km
