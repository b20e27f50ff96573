"""The warm converter: one LibreOffice kept running (unoserver), restarted when it dies.

Real LibreOffice, real unoserver, real process table (psutil): nothing is mocked.
"""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pdfplumber
import psutil
import pytest

from pipeline.build.convert import Converter, ConversionError, get_converter, uno_python
from pipeline.build.run import plan
from tests.paths import REPO

SAMPLES = REPO / "samples"
SAMPLE_01 = SAMPLES / "01_non_imputable_toutes_fonctions" / "dossier.yaml"
SAMPLE_03 = SAMPLES / "03_accident_service_ati" / "dossier.yaml"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(uno_python() is None, reason="python3-uno absent : pas de LibreOffice résident"),
]


def group_members(pgid: int) -> list[psutil.Process]:
    """Live (non-zombie) processes of a process group: the server and its LibreOffice."""
    out = []
    for p in psutil.process_iter(["pid", "status"]):
        try:
            if os_getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                out.append(p)
        except (psutil.Error, ProcessLookupError):
            pass
    return out


def os_getpgid(pid: int) -> int:
    import os

    return os.getpgid(pid)


def soffice_of(conv: Converter) -> psutil.Process:
    kids = psutil.Process(conv.server_pid).children(recursive=True)
    found = [k for k in kids if k.name().startswith("soffice")]
    assert found, [k.name() for k in kids]
    return found[-1]  # soffice.bin (the oosplash wrapper comes first)


def text_of(pdf: Path) -> str:
    with pdfplumber.open(pdf) as doc:
        return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in doc.pages))


@pytest.fixture(scope="module")
def docx(tmp_path_factory) -> dict[str, Path]:
    """The real .docx of sample 01 (AF3, notice...), rendered by the build stage."""
    folder = tmp_path_factory.mktemp("docx")
    out = {}
    for r in plan(SAMPLE_01).docs:
        out[r.doc_id] = folder / f"{r.doc_id}.docx"
        out[r.doc_id].write_bytes(r.docx)
    return out


def test_converts_real_docx_read_back_and_leaves_nothing(docx, tmp_path):
    with Converter() as conv:
        assert conv.warm, conv.fallback_reason
        pgid = conv.server_pid
        profile = conv._dir
        assert profile.stat().st_mode & 0o777 == 0o700
        # bound to loopback only
        ports = {c.laddr for c in psutil.Process(pgid).net_connections("tcp") if c.status == psutil.CONN_LISTEN}
        assert ports and all(a.ip == "127.0.0.1" for a in ports)
        pdf = conv.convert_file(docx["af3"], tmp_path / "af3.pdf")
        pdf2 = conv.convert_file(docx["notice_agent"], tmp_path / "notice.pdf")
        assert len(group_members(pgid)) >= 2  # unoserver + LibreOffice
    text = text_of(pdf)
    assert "INV-2026-0001" in text or "MARTIN" in text.upper(), text[:300]
    assert "invalidit" in text.lower()
    assert text_of(pdf2).strip()
    # stopped: no process of its group, profile removed
    deadline = time.monotonic() + 5
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert group_members(pgid) == []
    assert not profile.exists()


def test_killed_libreoffice_is_restarted_and_conversion_succeeds(docx, tmp_path):
    with Converter() as conv:
        conv.convert_file(docx["af4"], tmp_path / "a.pdf")
        first = conv.server_pid
        dead = soffice_of(conv)
        dead.kill()  # LibreOffice dies mid-run
        psutil.wait_procs([dead], timeout=5)
        # Seen as dead even when unoserver could still answer for a moment (the test was unstable).
        assert not conv.healthy()
        pdf = conv.convert_file(docx["af4"], tmp_path / "b.pdf")
        assert conv.starts == 2 and conv.server_pid != first
        assert text_of(pdf) == text_of(tmp_path / "a.pdf")
        # killed DURING a conversion: the retry restarts it
        victim = soffice_of(conv)
        import threading

        threading.Timer(0.15, victim.kill).start()
        pdf = conv.convert_file(docx["af3"], tmp_path / "c.pdf")
        assert "invalidit" in text_of(pdf).lower()
    assert group_members(first) == []


def test_unreadable_file_is_a_french_conversion_error(tmp_path):
    bad = tmp_path / "casse.docx"
    bad.write_bytes(b"PK\x03\x04 ceci n'est pas un document")
    with Converter() as conv:
        with pytest.raises(ConversionError, match="LibreOffice n'a pas converti en PDF : casse.docx") as e:
            conv.convert_file(bad, tmp_path / "casse.pdf")
        assert e.value.exit_code == 3
        assert conv.healthy()  # one bad file does not take the converter down


def test_no_process_left_when_the_program_exits(docx, tmp_path):
    """A program that uses get_converter() and just ends: atexit stops LibreOffice."""
    code = (
        "import sys; from pathlib import Path; from pipeline.build.convert import get_converter\n"
        "c = get_converter(); c.convert_file(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "print(c.server_pid, flush=True)\n"
    )
    r = subprocess.run([sys.executable, "-c", code, str(docx["af4"]), str(tmp_path / "x.pdf")],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    pgid = int(r.stdout.split()[-1])
    assert (tmp_path / "x.pdf").stat().st_size > 0
    assert group_members(pgid) == []


def test_get_converter_is_one_per_process_and_thread_safe():
    import threading

    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_converter())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1
    assert seen[0].server_pid is None  # lazy: nothing started before the first conversion


def test_build_batch_gives_the_same_files_as_single_builds(tmp_path):
    """`pipeline build --batch` (resident LibreOffice) == two `pipeline build` (one-shot soffice)."""
    import os

    from pipeline.build.run import build

    root = tmp_path / "lot"
    for src in (SAMPLE_01, SAMPLE_03):
        (root / src.parent.name).mkdir(parents=True)
        (root / src.parent.name / "dossier.yaml").write_bytes(src.read_bytes())
    pipeline = Path(sys.executable).parent / "pipeline"
    r = subprocess.run([str(pipeline), "build", "--batch", str(root), "-o", str(tmp_path / "batch")],
                       capture_output=True, text=True, timeout=600, env=dict(os.environ, COLUMNS="160"))
    assert r.returncode == 0, r.stderr
    assert "2 dossier(s) construit(s)" in r.stdout and "INV-2026-0001" in r.stdout
    for src in (SAMPLE_01, SAMPLE_03):
        build(src, tmp_path / "single")

    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    batch, single = files(tmp_path / "batch"), files(tmp_path / "single")
    assert sorted(batch) == sorted(single) and len([f for f in batch if f.endswith(".pdf")]) >= 10
    assert [f for f in batch if batch[f] != single[f]] == []


def test_build_batch_missing_root_is_a_french_usage_error(tmp_path):
    pipeline = Path(sys.executable).parent / "pipeline"
    r = subprocess.run([str(pipeline), "build", "--batch", str(tmp_path / "absent"), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "dossier introuvable" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()
