"""Stage convert: .docx → PDF with LibreOffice headless.

Two ways:
- one-shot (`convert_many`): one `soffice --convert-to` process for a list of files. A cold
  start costs about 1.3 s; one call converting ten files about 2 s in all. The fallback, and
  the naive baseline of bench/bench_build.py when called once per file.
- warm (`Converter`): ONE LibreOffice kept running behind unoserver (PyPI), for the desk and
  `pipeline build --batch`; restarted when it dies. `get_converter()` is the process-wide one.

Each LibreOffice gets its own profile (-env:UserInstallation) in a private temp folder, so
parallel runs do not fight over ~/.config/libreoffice.
"""
from __future__ import annotations

import atexit
import http.client
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xmlrpc.client
import xml.parsers.expat
from pathlib import Path

from pipeline.errors import ExitCode, MissingComponent, PipelineError

CHUNK = 150  # files per soffice process (see convert_many)
# What a call to unoserver raises when LibreOffice or unoserver dies under it: a refused or cut
# connection (OSError), a half-sent HTTP answer (HTTPException: IncompleteRead, BadStatusLine),
# a fault or a truncated XML answer.
_RPC_ERRORS = (OSError, http.client.HTTPException, xmlrpc.client.Error,
               xml.parsers.expat.ExpatError)
log = logging.getLogger(__name__)


class ConversionError(PipelineError):
    """LibreOffice ran but did not produce every PDF (or took too long)."""

    exit_code = ExitCode.COMPOSANT


def soffice_path() -> str:
    # PIPELINE_SOFFICE: another LibreOffice (e.g. /opt/libreoffice/program/soffice).
    wanted = os.environ.get("PIPELINE_SOFFICE")
    found = shutil.which(wanted) if wanted else (shutil.which("soffice") or shutil.which("libreoffice"))
    if not found:
        raise MissingComponent(
            "LibreOffice (commande « soffice ») est introuvable : la conversion en PDF est impossible. "
            "Installez LibreOffice (paquet Debian « libreoffice-writer-nogui ») "
            "ou relancez avec --no-pdf pour ne produire que les .docx."
        )
    return found


def convert_many(docx_files: list[Path], out_dir: Path, timeout: float | None = None) -> list[Path]:
    """Convert every .docx to PDF in one soffice process; PDFs in `out_dir`, same order.

    (One process per CHUNK files: a build is always one process, a big batch a few.)

    Input names may repeat (af3.docx of several dossiers): they are staged under unique
    names first. Returns the PDF paths, `out_dir/<stem>.pdf` for unique stems, else
    `out_dir/<index>_<stem>.pdf`.
    """
    docx_files = [Path(p) for p in docx_files]
    if not docx_files:
        return []
    exe = soffice_path()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stems = [p.stem for p in docx_files]
    unique = len(set(stems)) == len(stems)
    names = stems if unique else [f"{i:05d}_{s}" for i, s in enumerate(stems)]
    if timeout is None:
        timeout = 60 + 5 * len(docx_files)
    with tempfile.TemporaryDirectory(prefix="pipeline-soffice-") as tmp:
        tmp = Path(tmp)
        src_dir, conv_dir = tmp / "in", tmp / "out"
        src_dir.mkdir()
        conv_dir.mkdir()
        for path, name in zip(docx_files, names):
            shutil.copyfile(path, src_dir / f"{name}.docx")
        pending = list(zip(docx_files, names))
        err = b""
        # LibreOffice 7.4 silently stops after ~240 files in one call (exit 0): convert in
        # chunks of CHUNK, and give the files still missing one more run.
        for attempt in range(2):
            for start in range(0, len(pending), CHUNK):
                chunk = pending[start:start + CHUNK]
                err = _run(exe, tmp, [str(src_dir / f"{n}.docx") for _, n in chunk], conv_dir, timeout)
            pending = [(p, n) for p, n in pending if not (conv_dir / f"{n}.pdf").exists()]
            if not pending:
                break
        results = []
        missing = []
        for path, name in zip(docx_files, names):
            produced = conv_dir / f"{name}.pdf"
            if not produced.exists() or produced.stat().st_size == 0:
                missing.append(path.name)
                continue
            dst = out_dir / f"{name}.pdf"
            shutil.move(str(produced), dst)
            results.append(dst)
        if missing:
            lines = [l for l in err.decode("utf-8", "replace").splitlines() if l.strip() and "javaldx" not in l]
            detail = lines[-1:] or [""]
            raise ConversionError(
                "LibreOffice n'a pas converti en PDF : " + ", ".join(missing)
                + (f" ({detail[0]})" if detail[0] else "")
                + ". Vérifiez que ces fichiers s'ouvrent dans LibreOffice, puis relancez."
            )
    return results


def _run(exe: str, tmp: Path, inputs: list[str], conv_dir: Path, timeout: float) -> bytes:
    cmd = [
        exe, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
        f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
        "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(conv_dir), *inputs,
    ]
    env = dict(os.environ, HOME=str(tmp), SAL_USE_VCLPLUGIN="svp")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConversionError(
            f"LibreOffice n'a pas terminé la conversion en PDF en {timeout:.0f} s : "
            "vérifiez qu'aucune fenêtre LibreOffice n'est bloquée, puis relancez."
        ) from None
    return err or b""


def convert_one_by_one(docx_files: list[Path], out_dir: Path) -> list[Path]:
    """The naive way, one soffice process per file: only for the benchmark's baseline."""
    out = []
    for p in docx_files:
        out += convert_many([p], out_dir)
    return out


# --- Warm converter: one LibreOffice kept running (unoserver) -----------------------------

# Interpreters that may hold the `uno` bridge (Debian: python3-uno for /usr/bin/python3).
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python")

# Runs unoserver's server under the interpreter that has `uno`; the pipeline's own venv only
# speaks XML-RPC to it. A watchdog thread stops it (SIGTERM: unoserver then stops LibreOffice)
# if the pipeline process disappears without calling stop().
_BOOTSTRAP = """
import os, signal, sys, threading, time
sys.path.insert(0, sys.argv.pop(1))
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=watch, daemon=True).start()
from unoserver.server import main
sys.exit(main())
"""


def uno_python() -> str | None:
    """A Python interpreter that can `import uno` (PIPELINE_UNO_PYTHON, else the usual places)."""
    wanted = os.environ.get("PIPELINE_UNO_PYTHON")
    for c in [wanted] if wanted else UNO_PYTHONS:
        exe = shutil.which(c)
        if exe and _can_import_uno(exe):
            return exe
    return None


_uno_cache: dict[str, bool] = {}


def _can_import_uno(exe: str) -> bool:
    if exe not in _uno_cache:
        try:
            r = subprocess.run([exe, "-s", "-E", "-c", "import uno"], capture_output=True, timeout=30)
            _uno_cache[exe] = r.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _uno_cache[exe] = False
    return _uno_cache[exe]


def _link_unoserver(dest: Path) -> None:
    """Make unoserver (pure Python, installed in our venv) importable alone by another interpreter."""
    import unoserver  # noqa: F401  (ImportError handled by the caller)

    pkg = Path(unoserver.__file__).parent
    dest.mkdir()
    (dest / "unoserver").symlink_to(pkg, target_is_directory=True)
    for info in pkg.parent.glob("unoserver-*.dist-info"):  # unoserver reads its version from it
        (dest / info.name).symlink_to(info, target_is_directory=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Transport(xmlrpc.client.Transport):
    def __init__(self, timeout: float):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


class Converter:
    """DOCX → PDF through one LibreOffice kept running behind unoserver.

    Started lazily on the first conversion (or by `start()` / `with`), on 127.0.0.1 and free
    ports, with its own profile in a private temp folder. Before each conversion the server is
    checked; a dead one is restarted and a failed conversion is tried once more after a
    restart. Stopped by `stop()`, at the end of a `with` block, or at exit (atexit).
    Thread-safe: conversions go one at a time (LibreOffice converts one document at a time).

    Without the `uno` bridge (Debian package python3-uno) or unoserver, or when the server
    cannot start, it converts with the one-shot `soffice --convert-to` (slower, same PDFs):
    `fallback_reason` then says why.
    """

    START_TIMEOUT = 90.0
    MAX_RESTARTS = 2  # per file: a LibreOffice that keeps dying is a fault of the machine

    def __init__(self, timeout: float = 120.0):
        self.timeout = timeout  # per document
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._dir: Path | None = None
        self._port = 0
        self._owner = os.getpid()
        self.starts = 0  # LibreOffice starts (1 + restarts)
        self.fallback_reason = ""

    # -- life cycle
    def __enter__(self) -> "Converter":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def server_pid(self) -> int | None:
        """Pid of the unoserver process (LibreOffice runs as its child, same process group)."""
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    @property
    def warm(self) -> bool:
        return not self.fallback_reason

    def start(self) -> None:
        with self._lock:
            if not self.fallback_reason and (self._proc is None or self._proc.poll() is not None):
                self._launch()

    def _launch(self) -> None:
        self._kill()
        exe = soffice_path()
        py = uno_python()
        if py is None:
            self.fallback_reason = ("le pont Python-LibreOffice (paquet Debian « python3-uno ») est absent : "
                                    "conversion par un LibreOffice lancé pour chaque lot")
            return
        self._dir = Path(tempfile.mkdtemp(prefix="pipeline-lo-"))
        os.chmod(self._dir, 0o700)
        try:
            _link_unoserver(self._dir / "py")
        except ImportError:
            self.fallback_reason = "unoserver n'est pas installé : conversion par un LibreOffice lancé pour chaque lot"
            self._kill()
            return
        (self._dir / "tmp").mkdir(mode=0o700)
        self._port, uno_port = _free_port(), _free_port()
        while uno_port == self._port:
            uno_port = _free_port()
        cmd = [py, "-s", "-E", "-c", _BOOTSTRAP, str(self._dir / "py"),
               "--interface", "127.0.0.1", "--uno-interface", "127.0.0.1",
               "--port", str(self._port), "--uno-port", str(uno_port), "--executable", exe,
               "--user-installation", str(self._dir / "profile"), "--temp-dir", str(self._dir / "tmp"),
               "--conversion-timeout", str(int(self.timeout)), "--quiet"]
        env = dict(os.environ, HOME=str(self._dir), TMPDIR=str(self._dir / "tmp"), SAL_USE_VCLPLUGIN="svp")
        fd = os.open(self._dir / "server.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, env=env,
                                          start_new_session=True)
        finally:
            os.close(fd)
        self._owner = os.getpid()
        self.starts += 1
        atexit.register(self.stop)
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            if self._healthy(timeout=2):
                log.info("LibreOffice résident démarré (port %s)", self._port)
                return
            time.sleep(0.2)
        detail = self._log_tail()
        self._kill()
        raise ConversionError(
            "LibreOffice résident n'a pas démarré"
            + (f" ({detail})" if detail else "")
            + ". Vérifiez que LibreOffice et le paquet « python3-uno » sont installés, puis relancez."
        )

    def _log_tail(self) -> str:
        try:
            lines = [l for l in (self._dir / "server.log").read_text("utf-8", "replace").splitlines()
                     if l.strip() and "javaldx" not in l]
        except (OSError, TypeError):
            return ""
        return lines[-1][:200] if lines else ""

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self._port}", transport=_Transport(timeout),
                                         allow_none=True)

    def _healthy(self, timeout: float = 5) -> bool:
        """The server runs and LibreOffice answers (unoserver's info() asks LibreOffice its filters)."""
        if self._proc is None or self._proc.poll() is not None:
            return False
        if _office_gone(self._proc.pid):
            return False  # killed mid-conversion: unoserver may still answer info() a moment longer
        try:
            with self._proxy(timeout) as proxy:
                return proxy.info().get("api") == "3"
        except (*_RPC_ERRORS, AttributeError):
            return False

    def healthy(self) -> bool:
        with self._lock:
            return self._healthy()

    def _kill(self) -> None:
        """Stop the server and LibreOffice (whole process group), remove the profile."""
        proc, self._proc = self._proc, None
        if proc is not None and self._owner == os.getpid():
            if proc.poll() is None:
                _signal_group(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass
            # LibreOffice may outlive unoserver for a moment: wait for the group, then force.
            deadline = time.monotonic() + 10
            while _group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            _signal_group(proc.pid, signal.SIGKILL)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def stop(self) -> None:
        with self._lock:
            self._kill()
            atexit.unregister(self.stop)

    # -- conversion
    def convert_file(self, src: Path, dst: Path) -> Path:
        """Convert one .docx to `dst` (a .pdf path); ConversionError if LibreOffice fails twice
        on the file itself. A LibreOffice that died under it does not count against the file:
        it is restarted and the file tried again (at most MAX_RESTARTS times)."""
        src, dst = Path(src).resolve(), Path(dst).resolve()
        with self._lock:
            if self._owner != os.getpid():  # forked: the server belongs to the parent
                self._proc, self._dir, self._owner = None, None, os.getpid()
            failures = restarts = 0
            while failures < 2 and restarts <= self.MAX_RESTARTS:
                self.start()
                if self.fallback_reason:
                    return _one_shot(src, dst, self.timeout)
                answered = True  # unoserver answered (a Fault), so the file itself may be at fault
                try:
                    dst.unlink(missing_ok=True)
                    with self._proxy(self.timeout + 15) as proxy:
                        proxy.convert(str(src), None, str(dst), "pdf", "writer_pdf_Export", [], False, None, None)
                    if dst.exists() and dst.stat().st_size > 0:
                        return dst
                except _RPC_ERRORS as e:
                    answered = isinstance(e, xmlrpc.client.Fault)
                    log.warning("conversion de %s échouée (%s)", src.name, type(e).__name__)
                # A cut connection, or no LibreOffice left behind unoserver: the server is going
                # down even if it still answers a moment longer; restart it rather than retry on it.
                if not answered or not self._healthy():
                    self._kill()  # restarted by start() on the next turn
                    restarts += 1
                else:
                    failures += 1
        raise ConversionError(
            f"LibreOffice n'a pas converti en PDF : {src.name}. "
            "Vérifiez que ce fichier s'ouvre dans LibreOffice, puis relancez."
        )

    def convert_many(self, docx_files: list[Path], out_dir: Path) -> list[Path]:
        """Same contract as the module's `convert_many`, through the running LibreOffice."""
        docx_files = [Path(p) for p in docx_files]
        self.start()
        if self.fallback_reason:  # one soffice for the whole list, not one per file
            return convert_many(docx_files, out_dir, timeout=60 + self.timeout + 5 * len(docx_files))
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        stems = [p.stem for p in docx_files]
        names = stems if len(set(stems)) == len(stems) else [f"{i:05d}_{s}" for i, s in enumerate(stems)]
        return [self.convert_file(p, out_dir / f"{n}.pdf") for p, n in zip(docx_files, names)]


def _one_shot(src: Path, dst: Path, timeout: float) -> Path:
    with tempfile.TemporaryDirectory(prefix="pipeline-soffice-") as tmp:
        pdf = convert_many([src], Path(tmp), timeout=timeout)[0]
        shutil.move(str(pdf), dst)
    return dst


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _office_gone(pgid: int) -> bool:
    """No live LibreOffice (soffice.bin) in the server's process group. Read from /proc; where
    there is none, nothing is concluded."""
    if not os.path.isdir("/proc/self"):
        return False
    for d in os.scandir("/proc"):
        if not d.name.isdigit():
            continue
        try:
            with open(f"/proc/{d.name}/stat", encoding="utf-8", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        comm, rest = stat[stat.find("(") + 1:stat.rfind(")")], stat[stat.rfind(")") + 2:].split()
        if comm.startswith("soffice") and len(rest) > 2 and rest[2] == str(pgid) and rest[0] not in ("Z", "X"):
            return False
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


_shared: Converter | None = None
_shared_lock = threading.Lock()


def get_converter() -> Converter:
    """The process-wide warm converter (the desk's worker builds through it). Lazy, thread-safe:
    LibreOffice starts on the first conversion and stops at exit."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._owner != os.getpid():
            _shared = Converter()
        return _shared
