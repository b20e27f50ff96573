"""Stage convert: .docx → PDF with LibreOffice headless, many files in ONE soffice process.

A cold `soffice --convert-to` costs about 1.3 s per call; one call converting ten files
costs about 2 s in all. So a build (or a whole benchmark) converts everything at once.
Each run gets its own LibreOffice profile (-env:UserInstallation) in a temp folder, so
parallel runs do not fight over ~/.config/libreoffice.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import ExitCode, MissingComponent, PipelineError

CHUNK = 150  # files per soffice process (see convert_many)


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
