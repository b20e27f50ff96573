"""Worker processes: the heavy, fallible work on one file (or one dossier check) at a time.

The main process keeps N workers; each job has a time limit: past it, the worker is killed
and replaced, and the file goes to quarantine. A worker dies with the main process
(PR_SET_PDEATHSIG), so a kill -9 of the watcher leaves no orphan writing in the work area;
in any case a job writes into its own attempt folder, renamed into place at the end.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

log = logging.getLogger("pipeline.watch")


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    if os.getppid() != parent:
        os._exit(1)


def worker_main(conn, parent: int) -> None:
    """Loop of a worker process: receive a job, send back a dict. Never raises."""
    _die_with_parent(parent)
    os.umask(0o077)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from pipeline.read.sandbox import cap_memory

    cap_memory()  # validators/limites.yaml: a hostile file costs this worker, not the machine
    _preload()
    indexes = {}
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            if job["kind"] == "prepare":
                conn.send({"ack": job["id"]})  # the attempt counts once really started
                root = job["root"]
                index = indexes.get(root)
                if index is None:
                    from pipeline.watch.route import DossierIndex

                    index = indexes[root] = DossierIndex(Path(root))
                result = prepare(job, index.refresh())
            elif job["kind"] == "check":
                result = run_check(job)
            else:
                result = {"error": f"tâche inconnue {job['kind']}"}
        except Exception as e:  # a crash on one file is that file's problem only
            result = {"error": type(e).__name__}
        try:
            conn.send(result)
        except (OSError, EOFError):
            return


def _preload() -> None:
    """Import the heavy modules once, before the first job (its time limit is for the file)."""
    import importlib

    for name in ("pikepdf", "pypdfium2", "magic", "zxingcpp", "img2pdf", "PIL.Image", "pipeline.watch.convert_input",
                 "pipeline.watch.split", "pipeline.watch.route", "pipeline.load", "pipeline.identify", "pipeline.check"):
        try:
            importlib.import_module(name)
        except Exception:
            pass


def prepare(job: dict, index) -> dict:
    """Original → checked PDF → parts (split) → OCR → routing decision. Returns the plan.

    Everything is written under travail/<id>/essai-<pid>/ then renamed to travail/<id>/plan.
    """
    from pipeline.read.reader import pdf_page_texts
    from pipeline.watch import convert_input, route, split

    fid = job["id"]
    work = Path(job["work"])  # travail/<id>/original
    base = work.parent
    plan_dir = base / "plan"
    if (plan_dir / "plan.json").exists():
        return json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    attempt = base / f"essai-{os.getpid()}-{time.monotonic_ns()}"
    attempt.mkdir(mode=0o700)
    t0 = time.monotonic()
    # OCRmyPDF's page images go to a temporary folder: kept inside the attempt, they leave with
    # it even when the time limit kills this worker (the main process removes travail/<id>).
    (attempt / "tmp").mkdir(mode=0o700)
    tempfile.tempdir = str(attempt / "tmp")
    try:
        pdf = attempt / "entree.pdf"
        try:
            info = convert_input.to_pdf(work, pdf, max_bytes=job["max_bytes"], max_pages=job["max_pages"],
                                        max_pixels=job["max_pixels"])
        except convert_input.Refused as e:
            plan = {"id": fid, "refused": str(e)}
            return _commit(attempt, plan_dir, plan)
        per_page = split.decode_pages(pdf)
        segs = split.segments(per_page)
        parts = []
        ocr_pages = 0
        for k, seg in enumerate(segs, start=1):
            raw = attempt / f"partie-{k}-brute.pdf"
            split.write_segment(pdf, seg, raw)
            final = attempt / f"partie-{k}.pdf"
            missing = split.pages_without_text(raw) if job.get("ocr", True) else []
            if missing:
                from pipeline.read.ocr import ocr_pdf

                ocr_pdf(raw, final, jobs=max(1, min(job.get("ocr_jobs", 1), len(missing))),
                        pages=",".join(str(i + 1) for i in missing))
                ocr_pages += len(missing)
                raw.unlink()
            else:
                os.replace(raw, final)
            os.chmod(final, 0o600)
            if seg.via:
                d = route.by_qr(index, seg.dossier_id, seg.piece_id, seg.via)
            else:
                text = "\n".join(pdf_page_texts(final))
                facts = route.read_facts(final, text, use_identify=job.get("identify", True))
                d = route.by_content(index, facts)
            parts.append({
                "idx": k, "tmp": str(plan_dir / final.name), "pages": len(seg.pages), "kind": d.kind,
                "dossier_id": d.dossier_id, "piece_id": d.piece_id, "reason": d.reason, "via": d.via,
                "folder": d.folder,
            })
        plan = {"id": fid, "type": info["type"], "pages": info["pages"], "parts": parts,
                "ocr_pages": ocr_pages, "seconds": round(time.monotonic() - t0, 3)}
        return _commit(attempt, plan_dir, plan)
    finally:
        tempfile.tempdir = None
        shutil.rmtree(attempt, ignore_errors=True)


def _commit(attempt: Path, plan_dir: Path, plan: dict) -> dict:
    shutil.rmtree(attempt / "tmp", ignore_errors=True)
    (attempt / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    for f in attempt.iterdir():
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    try:
        os.rename(attempt, plan_dir)  # first complete attempt wins
    except OSError:
        return json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    return plan


def run_check(job: dict) -> dict:
    """Check one dossier folder; returns {status, missing, report[, bundle]}.

    A dossier already built (pipeline build … -o DOSSIER) is checked through the bundle stage:
    its produced pièces count, and when the received pièce makes it complete the final set
    is written to DOSSIER/envoi/ (« prêt à envoyer »).
    """
    from pipeline.check import report as report_mod
    from pipeline.check.run import check_dossier

    folder = Path(job["folder"])
    yaml_path = folder / "dossier.yaml"
    bundled = rebundle(folder, job.get("dossier"))
    if bundled is not None:
        missing = [p.id for p in bundled.pieces if p.statut == "manquante"]
        return {"status": "complet" if bundled.ready else "incomplet", "missing": missing,
                "report": report_mod.to_dict([bundled.report]),
                "bundle": {"pret": bundled.ready, "envoi": str(bundled.out_dir) if bundled.out_dir else None}}
    report = check_dossier(folder, dossier_yaml=yaml_path if yaml_path.exists() else None, jobs=1)
    missing = [p.id for p in report.pieces if p.status == "manquante"]
    return {"status": report.status, "missing": missing, "report": report_mod.to_dict([report])}


def rebundle(folder: Path, dossier_id: str | None):
    """The bundle of a built dossier (None when it was never built: the plain check applies)."""
    from pipeline.bundle import bundle_dossier, layout

    if not dossier_id or not (folder / "dossier.yaml").is_file() or layout.build_manifest(folder, dossier_id) is None:
        return None
    return bundle_dossier(folder, jobs=1)  # one worker, one core
