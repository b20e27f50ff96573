"""The scanning desk's lists and actions over a real watcher's journal (pipeline/watch/desk.py).

A real `pipeline watch --once` files what is dropped; the desk then assigns an "à trier"
document, releases a quarantined file and deletes a duplicate. Each action is journaled and
no file is lost.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3

import pytest

from pipeline.errors import InvalidInput
from pipeline.watch import desk
from tests.test_watch_support import AGENTS, drop, encrypted_pdf, identity_lines, make_dossier, run_once, text_pdf

pytestmark = pytest.mark.slow  # a real watcher run (~10 s)


@pytest.fixture
def dropped(tmp_path):
    inbox, root = tmp_path / "depot", tmp_path / "dossiers"
    inbox.mkdir()
    make_dossier(root, "A")
    cert_a = text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("A"))
    drop(inbox, "certificat_a.pdf", cert_a)
    drop(inbox, "scan_c.pdf", text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("C")))  # no dossier C yet
    drop(inbox, "protege.pdf", encrypted_pdf())
    r = run_once(inbox, root)
    assert r.returncode == 0, r.stderr
    drop(inbox, "certificat_a_bis.pdf", cert_a)  # the same bytes again: a duplicate
    r = run_once(inbox, root)
    assert r.returncode == 0, r.stderr
    return inbox, root


def _actions(root):
    db = sqlite3.connect(str(root / "_watch" / "journal.sqlite"))
    try:
        return list(db.execute("SELECT user, action, file_id, dossier_id, piece_id FROM actions ORDER BY id"))
    finally:
        db.close()


def test_lists_show_reasons_and_where_files_went(dropped):
    inbox, root = dropped
    j = desk.open_journal(root)
    try:
        assert desk.queue(j) == []
        filed = desk.filed_on(j, dt.date.today())
        assert [(i.name, i.dossier_id, i.piece_id) for i in filed] == [
            ("certificat_a.pdf", AGENTS["A"]["id"], "certificat_medical_initial")]
        trier = desk.a_trier(j)
        assert [i.name for i in trier] == ["scan_c.pdf"] and trier[0].reason
        quar = desk.quarantine(j)
        assert [i.name for i in quar] == ["protege.pdf"]
        assert "mot de passe" in quar[0].reason.lower() or "chiffr" in quar[0].reason.lower(), quar[0].reason
        dups = desk.duplicates(j)
        assert [i.name for i in dups] == ["certificat_a_bis.pdf"] and dups[0].duplicate_of == filed[0].file_id
    finally:
        j.close()


def test_assign_a_trier_files_it_and_rechecks(dropped):
    inbox, root = dropped
    folder_c = make_dossier(root, "C")  # the dossier the reason asked for
    j = desk.open_journal(root)
    item = desk.a_trier(j)[0]
    j.close()
    with pytest.raises(InvalidInput):
        desk.assign(root, item.file_id, item.idx, AGENTS["C"]["id"], "piece_inexistante", "marie")
    with pytest.raises(InvalidInput):
        desk.assign(root, item.file_id, item.idx, "INV-INCONNU", "certificat_medical_initial", "marie")
    dest = desk.assign(root, item.file_id, item.idx, AGENTS["C"]["id"], "certificat_medical_initial", "marie")
    assert dest == folder_c / "certificat_medical_initial.pdf" and dest.is_file()
    assert dest.stat().st_mode & 0o077 == 0
    assert not (root / "_watch" / "a_trier").exists() or not any(
        p.suffix == ".pdf" for p in (root / "_watch" / "a_trier").iterdir())
    j = desk.open_journal(root)
    try:
        assert desk.a_trier(j) == []
        assert [(i.name, i.dossier_id) for i in desk.filed_on(j, dt.date.today())][-1] == ("scan_c.pdf", AGENTS["C"]["id"])
        assert j.get(item.file_id).outcome == "classe"
    finally:
        j.close()
    assert _actions(root) == [("marie", "attribution", item.file_id, AGENTS["C"]["id"], "certificat_medical_initial")]
    with pytest.raises(InvalidInput):  # twice: the page was stale
        desk.assign(root, item.file_id, item.idx, AGENTS["C"]["id"], "certificat_medical_initial", "marie")
    result = desk.recheck(root, AGENTS["C"]["id"])
    assert result["status"] == "incomplet" and "af3" in result["missing"]
    assert "certificat_medical_initial" not in result["missing"]
    rows = desk.open_journal(root)
    try:
        status, = rows.db.execute("SELECT status FROM dossiers WHERE dossier_id=?", (AGENTS["C"]["id"],)).fetchone()
    finally:
        rows.close()
    assert status == "incomplet"


def test_release_from_quarantine_back_to_the_drop_folder(dropped):
    inbox, root = dropped
    j = desk.open_journal(root)
    item = desk.quarantine(j)[0]
    j.close()
    data = (root / "_watch" / "quarantaine" / f"{item.file_id}_protege.pdf").read_bytes()
    (inbox / "protege.pdf").write_bytes(b"another file with the same name")
    dest = desk.release(root, item.file_id, "paul")
    assert dest == inbox / "protege_2.pdf" and dest.read_bytes() == data  # never overwrites
    assert (inbox / "protege.pdf").read_bytes() == b"another file with the same name"
    assert not (root / "_watch" / "quarantaine" / f"{item.file_id}_protege.pdf").exists()
    j = desk.open_journal(root)
    try:
        assert desk.quarantine(j) == []
        assert "libéré de la quarantaine par paul" in j.get(item.file_id).reason
    finally:
        j.close()
    assert _actions(root)[-1][:3] == ("paul", "liberation", item.file_id)
    with pytest.raises(InvalidInput):
        desk.release(root, item.file_id, "paul")


def test_delete_duplicate_only_while_the_original_is_filed(dropped):
    inbox, root = dropped
    j = desk.open_journal(root)
    dup = desk.duplicates(j)[0]
    filed = desk.filed_on(j, dt.date.today())[0]
    j.close()
    # The filed original gone (moved by hand): deleting the duplicate would lose the content.
    moved = filed.path + ".deplace"
    os.rename(filed.path, moved)
    with pytest.raises(InvalidInput):
        desk.delete_duplicate(root, dup.file_id, "paul")
    assert os.path.exists(dup.path)
    os.rename(moved, filed.path)
    desk.delete_duplicate(root, dup.file_id, "paul")
    assert not os.path.exists(dup.path) and os.path.exists(filed.path)
    assert _actions(root)[-1][:3] == ("paul", "suppression_doublon", dup.file_id)
    j = desk.open_journal(root)
    try:
        assert desk.duplicates(j) == []
    finally:
        j.close()
