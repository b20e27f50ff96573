"""`pipeline status`: each dossier's stage, next action, who acts and when, from files and dates.

à construire → en attente de l'AF3 → en attente de l'AF4 → (pièces à compléter / lot à constituer)
→ prêt à envoyer → envoyé → avis CNRACL reçu → radié; and the watcher re-bundles a dossier
when a received pièce makes it complete.
"""
from __future__ import annotations

import json
import shutil

import pytest

from tests.test_bundle import CASES, build, drop_received, new_dossier, run_cli

TODAY = "2026-10-05"


def stage_of(path, today=TODAY) -> dict:
    r = run_cli("status", path, "--json", "--today", today)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["dossiers"]
    assert len(rows) == 1
    return rows[0]


def test_dates_recorded_move_the_stage_without_a_build(tmp_path):
    """Fast path: à construire, then the dates the user records (suivi.yaml, 0600)."""
    folder = new_dossier(tmp_path, CASES[0])
    row = stage_of(tmp_path)
    assert (row["stage"], row["stage_label"]) == ("a_construire", "à construire")
    assert row["status"] == "jamais_controle" and row["last_received"] is None  # watcher columns kept
    assert row["due"]  # the end of the current leave rights (timeline)

    r = run_cli("status", folder, "--sent", "2026-11-20", "--today", "2026-11-21")
    assert r.returncode == 0, r.stderr
    assert (folder / "suivi.yaml").stat().st_mode & 0o777 == 0o600
    row = stage_of(folder, "2026-11-21")
    assert (row["stage"], row["stage_label"], row["actor"]) == ("envoye", "envoyé", "CNRACL")
    assert row["due"] == "2027-07-20"  # 8 months after the sending: end of the answer window
    assert "20/11/2026" in row["reason"] and "--avis" in row["next_action"]

    run_cli("status", folder, "--avis", "2027-05-12")
    row = stage_of(folder, "2027-05-13")
    assert (row["stage"], row["stage_label"]) == ("avis_recu", "avis CNRACL reçu")
    assert row["due"] == "2027-06-01" and "arrêté" in row["next_action"] and row["actor"].startswith("employeur")

    run_cli("status", folder, "--radiation", "2027-06-01")
    assert stage_of(folder, "2027-05-20")["stage"] == "avis_recu"  # the arrêté takes effect later
    row = stage_of(folder, "2027-06-02")
    assert (row["stage"], row["stage_label"]) == ("radie", "radié (arrêté)")
    text = (folder / "suivi.yaml").read_text(encoding="utf-8")
    assert "envoi_peps: 2026-11-20" in text and "avis_cnracl: 2027-05-12" in text

    r = run_cli("status", folder, "--sent", "20/11/2026")
    assert r.returncode == 2 and "AAAA-MM-JJ" in r.stderr


def test_invalid_description_is_a_stage_not_a_crash(tmp_path):
    folder = tmp_path / "agent"
    folder.mkdir()
    (folder / "dossier.yaml").write_text("dossier: [\n", encoding="utf-8")
    row = stage_of(tmp_path)
    assert row["stage"] == "description_invalide" and "pipeline validate" in row["next_action"]


@pytest.mark.slow
def test_stages_from_build_to_ready(tmp_path):
    case = CASES[0]
    folder = new_dossier(tmp_path, case)
    assert stage_of(tmp_path)["stage"] == "a_construire"
    build(folder)
    row = stage_of(tmp_path)
    assert (row["stage"], row["actor"]) == ("attente_af3", "médecin agréé")

    # Received pièces arrive in two goes: the médecin agréé's, then the council's AF4.
    stash = tmp_path / "stash"
    stash.mkdir()
    received = drop_received(folder, case)
    for name, piece in received.items():
        if piece == "af4":
            shutil.move(folder / "recus" / name, stash / name)
    row = stage_of(tmp_path)
    assert (row["stage"], row["stage_label"]) == ("attente_af4", "en attente du conseil plénier / de l'AF4")
    assert row["actor"] == "conseil médical (formation plénière)"
    for p in stash.iterdir():
        shutil.move(p, folder / "recus" / p.name)
    row = stage_of(tmp_path)
    assert row["stage"] == "a_assembler" and "pipeline bundle" in row["next_action"]

    assert run_cli("bundle", folder).returncode == 0
    row = stage_of(tmp_path)
    assert (row["stage"], row["stage_label"]) == ("pret_a_envoyer", "prêt à envoyer")
    assert "PEP'S" in row["next_action"] and "--sent" in row["next_action"]
    text = run_cli("status", tmp_path, "--today", TODAY).stdout
    assert "INV-2026-0001 : prêt à envoyer" in text

    # A received pièce changes after the bundle: the set no longer matches, no « prêt » any more.
    af4 = next(folder / "recus" / n for n, p in received.items() if p == "af4")
    af4.write_bytes(af4.read_bytes() + b"\n%")
    row = stage_of(tmp_path)
    assert row["stage"] == "a_assembler" and "ne correspond plus" in row["reason"]


@pytest.mark.slow
def test_missing_pieces_after_af4_name_who_acts(tmp_path):
    case = next(c for c in CASES if "accident_service" in c)
    folder = new_dossier(tmp_path, case)
    build(folder)
    drop_received(folder, case, skip=("certificat_medical_initial",))
    row = stage_of(tmp_path)
    assert (row["stage"], row["stage_label"]) == ("a_completer", "pièces à compléter")
    assert row["pieces_manquantes"] == ["certificat_medical_initial"]
    assert row["actor"] == "médecin de l'agent"


@pytest.mark.slow
def test_watcher_rebundles_when_a_received_piece_completes_the_dossier(tmp_path):
    from tests.test_watch_support import drop, run_once

    case = CASES[0]
    root, inbox = tmp_path / "dossiers", tmp_path / "depot"
    root.mkdir()
    inbox.mkdir()
    folder = root / "agent_01"
    folder.mkdir()
    shutil.copy(new_dossier(tmp_path, case) / "dossier.yaml", folder / "dossier.yaml")
    build(folder)
    received = drop_received(folder, case)
    # The AF4 comes through the drop folder (other layout, routed by its content).
    name = next(n for n, p in received.items() if p == "af4")
    data = (folder / "recus" / name).read_bytes()
    (folder / "recus" / name).unlink()
    assert stage_of(root)["stage"] == "attente_af4"
    drop(inbox, "af4_du_conseil.pdf", data)
    r = run_once(inbox, root, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (folder / "af4.pdf").is_file()  # filed by the watcher under its pièce id
    m = json.loads((folder / "envoi" / "manifest.json").read_text(encoding="utf-8"))
    assert m["pret"] is True
    prov = {p["id"]: p["provenance"] for p in m["pieces"]}["af4"]
    assert [e["fichier"] for e in prov] == ["af4.pdf"]
    rapport = json.loads((root / "_watch" / "rapports" / "inv_2026_0001.json").read_text(encoding="utf-8"))
    assert rapport["bundle"]["pret"] is True and rapport["status"] == "complet"
    row = stage_of(root)
    assert row["stage"] == "pret_a_envoyer" and row["status"] == "complet" and row["last_received"]
    assert "prêt à envoyer" in r.stdout  # the status line printed by `watch --once`
