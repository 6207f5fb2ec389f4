"""The exam dossier (issue 12, item 5): content, scope, signature, verification, progress."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from filings.dossiers import build as build_module
from filings.dossiers.models import Dossier, DossierStatus
from filings.dossiers.signature import load_trusted, portal_certificate_paths
from filings.dossiers.storage import dossier_open
from filings.dossiers.verify import verify_dossier
from filings.storage import StorageUnavailable
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.dossier.conftest import built, make_examined, zip_of
from tests.factories import FilingFactory, OrganisationFactory, member
from tests.web.routes import Scenario


def _download(client: Client, dossier: Dossier):
    return client.get(reverse("dossiers:download", kwargs={
        "reference": dossier.filing.reference, "public_id": dossier.public_id}))


def _save(dossier: Dossier, folder: Path) -> Path:
    target = folder / "dossier.zip"
    with dossier_open(dossier) as stored:
        target.write_bytes(stored.read())
    return target


def test_a_fresh_dossier_holds_everything_and_verifies(examined, preparer, client, tmp_path,
                                                       capsys):
    dossier = built(preparer, examined)
    assert dossier.status == DossierStatus.READY, dossier.error
    assert dossier.progress == 100 and dossier.size and len(dossier.sha256) == 64
    client.force_login(preparer)
    response = _download(client, dossier)
    assert response.status_code == 200
    archive = zip_of(response)
    names = set(archive.namelist())
    assert {"filing.json", "evidence/versions.json", "review-notes.json", "audit/events.json",
            "audit/chain.jsonl", "audit/verification.json", "certificates/certificates.json",
            "manifest.json", "manifest.json.p7s"} <= names
    assert any(n.startswith("evidence/v1/") and n.endswith(".xlsx") for n in names)
    assert any(n.startswith("certificates/CVC-") and n.endswith(".pdf") for n in names)
    assessments = [json.loads(archive.read(n)) for n in sorted(names)
                   if n.startswith("assessments/")]
    assert len(assessments) == 2  # the engine's, and the certificate's stand-in (rulebook "test")
    rulebooks = {a["rulebook_version"]: json.loads(archive.read(a["rulebook_member"]))
                 for a in assessments}
    shipped = next(r for version, r in rulebooks.items() if version != "test")
    assert shipped["data"] and shipped["citation"] and shipped["data_sha256"]
    assert rulebooks["test"]["status"] == "unknown"  # said in words, not left out
    notes = json.loads(archive.read("review-notes.json"))
    assert [n["kind"] for n in notes] == ["comment"]  # the internal recommendation is not shown
    events = json.loads(archive.read("audit/events.json"))
    assert "dossier_request" in [e["action"] for e in events]
    assert all(e["hash"] and e["previous_hash"] for e in events)
    assert json.loads(archive.read("audit/verification.json"))["intact"] is True
    manifest = json.loads(archive.read("manifest.json"))
    assert {m["name"] for m in manifest["members"]} == names - {"manifest.json",
                                                                "manifest.json.p7s"}

    path = _save(dossier, tmp_path)
    call_command("verify_dossier", str(path))
    assert "intact" in capsys.readouterr().out
    actions = AuditEvent.objects.filter(filing=examined).values_list("action", flat=True)
    assert {"dossier_request", "dossier_build", "dossier_download"} <= set(actions)


def test_the_authoritys_dossier_holds_its_internal_notes(examined, reviewer):
    dossier = built(reviewer, examined)
    with dossier_open(dossier) as stored, zipfile.ZipFile(stored) as archive:
        kinds = [n["kind"] for n in json.loads(archive.read("review-notes.json"))]
    assert kinds == ["comment", "recommend_approve"]


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None],
             add: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    new.writestr(info.filename, change[info.filename])
            else:
                new.writestr(info.filename, old.read(info.filename))
        for name, content in (add or {}).items():
            new.writestr(name, content)
    return target


def test_verify_dossier_names_the_member_that_was_changed(examined, preparer, tmp_path, capsys):
    path = _save(built(preparer, examined), tmp_path)
    with zipfile.ZipFile(path) as archive:
        evidence = next(n for n in archive.namelist() if n.startswith("evidence/v1/"))
    tampered = _rewrite(path, tmp_path / "tampered.zip", {evidence: b"not the evidence"})
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_dossier", str(tampered))
    err = capsys.readouterr().err
    assert f"{evidence} was changed" in err


def test_verify_dossier_finds_a_missing_an_added_member_and_a_forged_manifest(
        examined, preparer, tmp_path):
    path = _save(built(preparer, examined), tmp_path)
    trusted = load_trusted(portal_certificate_paths())
    missing = verify_dossier(_rewrite(path, tmp_path / "a.zip", {"review-notes.json": None},
                                      add={"extra.txt": b"hello"}), trusted)
    assert "review-notes.json is listed in the manifest but missing from the archive." \
        in missing.problems
    assert any(p.startswith("extra.txt is in the archive but not in the manifest")
               for p in missing.problems)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["members"] = manifest["members"][1:]
    forged = verify_dossier(_rewrite(path, tmp_path / "b.zip",
                                     {"manifest.json": json.dumps(manifest).encode()}), trusted)
    assert any("manifest.json was changed after it was signed" in p for p in forged.problems)


def test_verify_dossier_with_another_trusted_certificate_refuses_it(examined, preparer,
                                                                    tmp_path):
    from filings.certificates.signing import ensure_dev_signing_material

    path = _save(built(preparer, examined), tmp_path)
    other_key, other_cert = tmp_path / "k.pem", tmp_path / "c.pem"
    ensure_dev_signing_material(other_key, other_cert)
    with pytest.raises(CommandError):
        call_command("verify_dossier", str(path), "--trust", str(other_cert))


def test_an_outsider_finds_no_dossier_and_a_manufacturer_not_the_authoritys(
        examined, preparer, outsider, reviewer, viewer):
    mine, theirs = built(preparer, examined), built(reviewer, examined)
    outside = Client()
    outside.force_login(outsider)
    assert outside.get(reverse("dossiers:filing", kwargs={
        "reference": examined.reference})).status_code == 404
    assert _download(outside, mine).status_code == 404
    assert outside.post(reverse("dossiers:filing", kwargs={
        "reference": examined.reference})).status_code == 404
    own = Client()
    own.force_login(viewer)
    assert _download(own, mine).status_code == 200
    assert _download(own, theirs).status_code == 404
    assert own.post(reverse("dossiers:filing", kwargs={
        "reference": examined.reference})).status_code == 403


def test_the_authority_sees_only_submitted_filings_dossiers(scenario, preparer, reviewer,
                                                            monkeypatch):
    draft = built(preparer, scenario.filing)
    authority = Client()
    authority.force_login(reviewer)
    page = reverse("dossiers:filing", kwargs={"reference": scenario.filing.reference})
    assert authority.get(page).status_code == 404
    assert _download(authority, draft).status_code == 404
    make_examined(scenario, reviewer)
    assert authority.get(page)["Location"].startswith(reverse("second_factor"))
    monkeypatch.setattr("filings.dossiers.views.is_verified", lambda user: True)
    assert authority.get(page).status_code == 200
    theirs = built(reviewer, scenario.filing)
    assert _download(authority, theirs).status_code == 200


def test_nothing_of_another_tenant_is_in_a_dossier(examined, preparer, reviewer):
    other = OrganisationFactory(name="Competitor Motors")
    other_preparer = member(Role.PREPARER, other)
    other_filing = FilingFactory.create(organisation=other, created_by=other_preparer,
                                        make="Secretmake")
    other_scenario = Scenario.build(other_filing, other_preparer)
    make_examined(other_scenario, reviewer)
    built(other_preparer, other_filing)
    dossier = built(preparer, examined)
    with dossier_open(dossier) as stored, zipfile.ZipFile(stored) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist()
                              if not n.endswith((".xlsx", ".pdf", ".p7s")))
        chain = [json.loads(line) for line in archive.read("audit/chain.jsonl").splitlines()]
    assert b"Secretmake" not in everything and b"Competitor" not in everything
    ids = {e.pk for e in AuditEvent.objects.filter(organisation=other)}
    assert not ids & {link["id"] for link in chain}


def test_the_build_reports_its_progress(examined, preparer, monkeypatch):
    seen: list[int] = []
    real = build_module._Progress.add

    def spy(self, amount):
        real(self, amount)
        seen.append(Dossier.objects.get(status=DossierStatus.BUILDING).progress)

    monkeypatch.setattr(build_module._Progress, "add", spy)
    monkeypatch.setattr(build_module, "REPORT_EVERY", 0)  # every percent, not every 0.5 s
    dossier = built(preparer, examined)
    assert dossier.progress == 100
    assert seen == sorted(seen) and seen[-1] > 0


def test_an_unreachable_evidence_store_ends_in_failed_with_a_message(examined, preparer,
                                                                     monkeypatch):
    def down(name):
        raise StorageUnavailable(StorageUnavailable.message)

    monkeypatch.setattr(build_module, "evidence_open", down)
    dossier = built(preparer, examined)
    assert dossier.status == DossierStatus.FAILED
    assert "file store could not be reached" in dossier.error
    assert AuditEvent.objects.filter(filing=examined, action="dossier_fail").exists()


def test_an_unreachable_dossier_store_ends_in_failed(examined, preparer, monkeypatch):
    from filings.dossiers import storage

    class Down:
        def save(self, *args, **kwargs):
            raise OSError("disk gone")

    monkeypatch.setattr(storage, "dossier_storage", lambda: Down())
    dossier = built(preparer, examined)
    assert dossier.status == DossierStatus.FAILED
    assert "file store could not be reached" in dossier.error


def test_the_page_shows_progress_and_the_request_queues_a_build(examined, preparer, client,
                                                                django_capture_on_commit_callbacks):
    client.force_login(preparer)
    url = reverse("dossiers:filing", kwargs={"reference": examined.reference})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url)
    assert response.status_code == 302 and len(callbacks) == 1
    page = client.get(url).content.decode()
    assert "Queued (0 %)" in page and 'http-equiv="refresh"' in page


def test_the_public_verify_page_checks_an_uploaded_dossier(examined, preparer, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = _save(built(preparer, examined), tmp_path)
    page = Client()
    url = reverse("dossiers:verify")
    assert page.get(url).status_code == 200
    good = page.post(url, {"dossier": SimpleUploadedFile("d.zip", path.read_bytes())})
    assert good.status_code == 200 and "Intact" in good.content.decode()
    tampered = _rewrite(path, tmp_path / "t.zip", {"filing.json": b"{}"})
    bad = page.post(url, {"dossier": SimpleUploadedFile("t.zip", tampered.read_bytes())})
    assert "filing.json was changed" in bad.content.decode()
