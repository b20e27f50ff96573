"""The desk in a real browser (Debian's Chromium driven by Playwright), against `pipeline serve`.

One gestionnaire's path, as a person would take it: log in, create a dossier through the guided
form (case 01, typed field by field), build it (the Huey consumer of `pipeline serve` runs
LibreOffice), download the zip and read it back, drop the completed AF3 and AF4 (drawn by the
sample generator in another layout than the build's), see them identified and the stage move,
drop the other pièces the build does not produce, download the final set and read it back
(pièce ids, manifest, text of the AF3), open a preview (written to the access log), log out.
Screenshots of the main pages go to tests/artefacts/web/ (git-ignored).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from tests.web.conftest import ARTEFACTS, PASSWORD, ROOT, keep_screenshot

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = ROOT / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium de Debian absent (/usr/bin/chromium)")]


@pytest.fixture()
def page(desk_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread; the test reads the journal with the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(accept_downloads=True, locale="fr-FR", viewport={"width": 1280, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status == 404 else None)
        pg.console_errors = errors
        yield pg
        context.close()
        browser.close()


def _resident_libreoffice(data_dir: Path) -> bool:
    """A resident LibreOffice (unoserver's private profile) among the children of the desk's
    task consumer for this data folder."""
    procs = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            env = (d / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        procs[int(d.name)] = (cmd, ppid, env)
    consumers = {pid for pid, (cmd, _, env) in procs.items()
                 if "run_huey" in cmd and f"PIPELINE_DATA={data_dir.resolve()}".encode() in env}

    def under_consumer(pid: int) -> bool:
        while pid in procs and pid > 1:
            if pid in consumers:
                return True
            pid = procs[pid][1]
        return False

    return any("pipeline-lo-" in cmd and under_consumer(pid) for pid, (cmd, _, _) in procs.items())


def _thumbnails_at_once(base: str, cookies: list[dict]) -> None:
    import threading
    import urllib.request

    header = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    names = ["af3.pdf", "af4.pdf", "estimation.pdf", "fiche_de_poste.pdf", "notice_agent.pdf"]
    got: list[str] = []

    def fetch(k: int) -> None:
        for i in range(6):
            req = urllib.request.Request(f"{base}/apercus/{names[(k + i) % len(names)]}.png", headers={"Cookie": header})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    got.append(r.headers.get("Content-Type", ""))
            except OSError as e:
                got.append(f"erreur {e}")

    threads = [threading.Thread(target=fetch, args=(k,)) for k in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert got == ["image/png"] * 48, sorted(set(got))


def _shot(page, name: str) -> None:
    keep_screenshot(page, name)


def _answers() -> dict:
    """Case 01 as the model reads it (defaults included): what the person types, field by field."""
    from pipeline.dossier.load import load_dossier

    return load_dossier(SAMPLE).model_dump(mode="json")


def _get(data, name: str):
    cur = data
    for part in name.split("."):
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and part.isdigit():
            cur = cur[int(part)] if int(part) < len(cur) else None
        else:
            return None
    return cur


def _fill_step(page, answers: dict) -> bool:
    """Fill every input of the current step from the answers; True when a list needs more rows."""
    inputs = page.eval_on_selector_all(
        "#saisie [name]", "els => els.map(e => [e.name, e.tagName.toLowerCase(), e.type || ''])")
    rows: dict[str, set[int]] = {}
    for name, tag, kind in inputs:
        if name in ("csrfmiddlewaretoken", "action"):
            continue
        field = page.locator(f'#saisie [name="{name}"]')
        if name == "medecin_traitant_aucun":
            field.set_checked(answers.get("medecin_traitant") == "aucun")
            continue
        m = re.match(r"^(.*?)\.(\d+)\.[a-z_]+$", name)
        if m:
            rows.setdefault(m[1], set()).add(int(m[2]))
        value = _get(answers, name)
        if kind == "checkbox":
            field.set_checked(bool(value))
        elif tag == "select":
            field.select_option("" if value is None else str(value))
        else:
            field.fill("" if value is None else str(value))
    return any(len(_get(answers, block) or []) > len(shown) for block, shown in rows.items())


def _login(page, url: str, user: str) -> None:
    page.goto(url + "/connexion/")
    _shot(page, "01_connexion")
    page.fill("#id_username", user)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Se connecter')")
    page.wait_for_url(url + "/")


def _wait_task(page, selector: str, timeout_s: int) -> None:
    """The page polls the task and reloads itself when it ends (desk.js)."""
    try:
        page.wait_for_selector(selector, timeout=timeout_s * 1000)
    except Exception:
        _shot(page, "echec_attente")
        raise AssertionError(f"{selector} absent après {timeout_s} s ; état affiché : {page.inner_text('#stade')}")
    page.wait_for_load_state()


def test_gestionnaire_path_in_browser(page, desk_server, desk_data, completed_forms, tmp_path):
    import pdfplumber

    url = desk_server
    _login(page, url, "gest_a")
    _shot(page, "02_liste")

    # A new dossier through the guided form, one step at a time.
    page.click("text=Nouveau dossier")
    page.select_option("#collectivite", label="Commune de Saint-Lô")
    page.click("button:has-text('Commencer la saisie')")
    answers = _answers()
    titles = []
    for _ in range(40):
        page.wait_for_url(re.compile(r"/saisie/"))
        if page.url.rstrip("/").endswith("/verification"):
            break
        titles.append(page.inner_text("h1"))
        if len(titles) == 2:
            _shot(page, "03_saisie_agent")
        if _fill_step(page, answers):
            page.click("#saisie button[value=lignes]")
            continue
        page.click("#saisie button[value=suivant]")
    assert page.url.rstrip("/").endswith("/verification"), titles
    # Case 01 is not imputable: the step about the accident or the disease is not asked.
    assert "Les faits" not in titles and "Le cas" in titles and "Le conseil médical" in titles
    _shot(page, "04_verification")
    assert "La description du dossier est complète et cohérente." in page.inner_text("main"), \
        page.inner_text("main")

    # Build: queued, run by the consumer of `pipeline serve`, progress on the page.
    page.click("button:has-text('Construire les documents')")
    page.wait_for_url(re.compile(r"/dossiers/[^/]+/$"))
    _wait_task(page, "#documents", 420)
    # The build went through a LibreOffice kept running by the task consumer: it is still there
    # for the next click (no cold start each time).
    assert _resident_libreoffice(desk_data), "aucun LibreOffice résident sous la file des travaux du bureau"
    # Each produced document shows its first page, drawn from the PDF (a real image, not a broken one).
    page.wait_for_function("() => [...document.querySelectorAll('#documents img.apercu')].length >= 3 && "
                           "[...document.querySelectorAll('#documents img.apercu')].every(i => i.complete && i.naturalWidth > 50)")
    _shot(page, "05_dossier_construit")
    base = page.url.rstrip("/")
    assert page.request.get(base + "/apercus/af3.pdf.png").headers["content-type"] == "image/png"
    for name in ("manifest.json", "dossier.yaml", "..%2F..%2Fdesk.sqlite3"):  # only what the build listed
        assert page.request.get(base + f"/apercus/{name}.png").status == 404, name
    # Many thumbnails at once, on the server's threads: pdfium is not thread-safe and once took
    # the whole server down here.
    _thumbnails_at_once(base, page.context.cookies())
    checklist = page.inner_text("#checklist")
    assert "AF3" in checklist or "af3" in checklist.lower()

    # The zip, read back.
    with page.expect_download() as dl:
        page.click("text=Télécharger l'archive")
    zpath = Path(dl.value.path())
    assert dl.value.suggested_filename == "INV-2026-0001.zip"
    with zipfile.ZipFile(zpath) as z:
        names = z.namelist()
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert pdfs, names
        texts = []
        for n in pdfs:
            with pdfplumber.open(io.BytesIO(z.read(n))) as pdf:
                texts.append(" ".join(p.extract_text() or "" for p in pdf.pages))
    assert any("DURAND" in t.upper() for t in texts), "le nom de l'agent manque dans les PDF de l'archive"
    assert any("INV-2026-0001" in t for t in texts)

    # The calendar.
    with page.expect_download() as dl:
        page.click("text=Calendrier (.ics)")
    assert Path(dl.value.path()).read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")

    # The completed AF3 and AF4 come back: dropped together, identified, checked.
    stage_before = page.inner_text("#stade .stade")
    assert stage_before == "en attente de l'AF3 (médecin agréé)", stage_before
    assert "Qui agit : médecin agréé" in page.inner_text("#stade")
    page.set_input_files("#fichiers", [str(completed_forms["af3"]), str(completed_forms["af4"])])
    page.click("button:has-text('Envoyer les fichiers')")
    page.wait_for_url(re.compile(r"/dossiers/[^/]+/$"))
    assert "2 fichier(s) reçu(s)" in page.inner_text(".messages")
    _wait_task(page, "#controle", 300)
    received = page.inner_text("#recues")
    assert "af3_signe.pdf" in received and "af4_signe.pdf" in received
    assert "en cours d'identification" not in received
    # The checklist built before says what has come back since, row by row.
    rows = {tr.split("\t")[0]: tr for tr in page.inner_text("#checklist tbody").splitlines()}
    af3_row = next(r for k, r in rows.items() if k.startswith("Imprimé AF3"))
    assert "reçue le " in af3_row and "(af3_signe.pdf)" in af3_row, af3_row
    expertise_row = next(r for k, r in rows.items() if k.startswith("Rapport d'expertise"))
    assert "reçue" not in expertise_row, expertise_row
    stage_after = page.inner_text("#stade .stade")
    assert stage_after == "pièces à compléter", (stage_before, stage_after)
    findings = page.inner_text("#controle")
    assert "Contrôle avant envoi" in findings and "PIECE-MANQUANTE" in findings
    # A preview is a real image, served behind the same right as the file.
    page.wait_for_function("() => [...document.querySelectorAll('img.apercu')].every(i => i.complete && i.naturalWidth > 0)")
    _shot(page, "06_dossier_pieces_recues")

    from pipeline.bundle.run import bundle_dossier
    from pipeline.web.desk.models import Dossier, Journal
    from pipeline.web.desk.uploads import dossier_dir

    assert Journal.objects.filter(utilisateur="gest_a", action__startswith="aperçu", piece="af3").exists()

    # The desk's findings are those of `pipeline bundle` on the same folder: the fiche de poste the
    # build produced is there, not reported missing.
    d = Dossier.objects.get(uid=re.search(r"/dossiers/([^/]+)/", page.url)[1])
    desk = sorted((c["rule"], c["piece"] or "", c["severity"]) for c in d.controle["constats"])
    cli = bundle_dossier(dossier_dir(d), jobs=1)
    assert not cli.ready
    assert sorted((f.rule, f.piece or "", f.severity) for f in cli.report.findings) == desk
    assert ("PIECE-MANQUANTE", "fiche_de_poste") not in {(r, p) for r, p, _s in desk}
    assert ("PIECE-MANQUANTE", "expertise_medicale") in {(r, p) for r, p, _s in desk}

    # The other pièces others send back (the ones the build does not produce): the set is written.
    others = _other_pieces(d, tmp_path)
    page.set_input_files("#fichiers", [str(p) for p in others.values()])
    page.click("button:has-text('Envoyer les fichiers')")
    page.wait_for_url(re.compile(r"/dossiers/[^/]+/$"))
    _wait_task(page, "#final a:has-text('Télécharger le lot final')", 420)
    assert page.inner_text("#stade .stade") == "prêt à envoyer"
    assert "Qui agit : employeur" in page.inner_text("#stade")
    _shot(page, "07_lot_final")

    # The final set, read back: one PDF per pièce named by its id, the manifest, the bordereau.
    with page.expect_download() as dl:
        page.click("text=Télécharger le lot final")
    assert dl.value.suggested_filename == "INV-2026-0001_lot_final.zip"
    with zipfile.ZipFile(Path(dl.value.path())) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
        with pdfplumber.open(io.BytesIO(z.read("af3.pdf"))) as pdf:
            af3_text = " ".join(p.extract_text() or "" for p in pdf.pages)
    assert manifest["schema"] == "pipeline-bundle/1" and manifest["pret"] is True and manifest["dossier"] == "INV-2026-0001"
    by_id = {p["id"]: p for p in manifest["pieces"]}
    assert by_id["af3"]["statut"] == "reçue" and by_id["af4"]["statut"] == "reçue"
    assert not [p for p in manifest["pieces"] if p["statut"] == "manquante"], manifest["pieces"]
    assert {"af3.pdf", "af4.pdf", "bordereau.pdf", "liste_des_pieces.txt"} <= names
    assert {p["fichier"] for p in manifest["pieces"] if p["fichier"]} <= names
    assert "DURAND" in af3_text.upper()

    # The same folder, read by the command line, gives the same stage.
    from pipeline.status import dossier_status

    assert dossier_status(dossier_dir(d)).stage == "pret_a_envoyer"

    # The date of sending, recorded on the page, moves the stage (as `pipeline status --sent`).
    page.fill("#suivi input[name=envoi_peps]", dt.date.today().isoformat())
    page.click("#suivi button")
    page.wait_for_url(re.compile(r"/dossiers/[^/]+/$"))
    assert page.inner_text("#stade .stade") == "envoyé"

    # Log out: the dossier is out of reach again.
    dossier_url = page.url
    page.click("button:has-text('Se déconnecter')")
    page.wait_for_url(re.compile(r"/connexion/"))
    page.goto(dossier_url)
    assert "/connexion/" in page.url
    assert not page.console_errors, page.console_errors


def _other_pieces(d, out: Path) -> dict[str, Path]:
    """What the doctors, the agent and the services send back for case 01, except the AF3 and the
    AF4 already dropped and the pièces the build produced (drawn in the « autre » layout)."""
    from pipeline.web.desk.services import build_dir
    from tests.fixtures_samples import load_generator

    g = load_generator()
    spec = g.complete_spec(SAMPLE.parent)
    manifest = json.loads((build_dir(d) / "manifest.json").read_text(encoding="utf-8"))
    produced = {p["id"] for p in manifest["pieces"] if p["status"] == "produite"}
    files = {}
    for f in g.dossier_files(spec, "autre", None):
        if f.piece in produced or f.piece in ("af3", "af4"):
            continue
        path = out / f.name
        path.write_bytes(g.resolve([f], None)[0][2])
        files[f.piece] = path
    assert files, "le cas 01 attend des pièces reçues autres que l'AF3 et l'AF4"
    return files
