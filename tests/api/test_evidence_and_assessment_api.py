"""Evidence upload and listing, submit with the attestation, withdraw, the assessment and the
evidence row errors through the API."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.models import Filing
from filings.states import State
from tests.api.conftest import token_client
from tests.storage.upload_samples import stored_objects
from tests.web.conftest import engine_result, store_assessment
from tests.web.routes import workbook_upload


def url(name: str, filing: Filing) -> str:
    return reverse(f"api:{name}", kwargs={"reference": filing.reference})


def test_a_signer_uploads_lists_and_submits_and_the_assessment_is_queued(
        signer, filing, django_capture_on_commit_callbacks):
    client = token_client(signer)
    upload = client.post(url("evidence", filing), {"kind": "evidence", "file": workbook_upload()},
                         format="multipart")
    assert upload.status_code == 201
    assert upload.json()["original_name"] == "us-pickup-japan-minerals.xlsx"
    listed = client.get(url("evidence", filing)).json()
    assert [f["sha256"] for f in listed] == [upload.json()["sha256"]]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("submit", filing), {"attestation_confirmed": True},
                               format="json")
    assert response.status_code == 202 and response.json()["state"] == "submitted"
    assert len(callbacks) == 1


def test_submitting_without_the_attestation_is_refused(signer, scenario):
    response = token_client(signer).post(url("submit", scenario.filing),
                                         {"attestation_confirmed": False}, format="json")
    assert response.status_code == 400
    assert "attest" in response.json()["detail"]
    assert scenario.refresh().state == State.DRAFT


def test_a_renamed_executable_is_refused_with_a_problem(preparer, filing):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("evidence.xlsx", b"MZ\x90\x00 not a workbook")
    response = token_client(preparer).post(url("evidence", filing),
                                           {"kind": "evidence", "file": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_withdrawing_needs_a_reason(signer, filing):
    client = token_client(signer)
    assert client.post(url("withdraw", filing), {"reason": " "}, format="json").status_code == 400
    response = client.post(url("withdraw", filing), {"reason": "Model cancelled."}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"


def test_the_assessment_shows_the_engines_result(viewer, scenario):
    result = engine_result()
    store_assessment(scenario.filing.current_version(), result=result)
    body = token_client(viewer).get(url("assessment", scenario.filing)).json()
    assert body["state"] == "assessed" and body["assessment_pending"] is False
    assert body["assessment"]["valid"] is True
    assert body["assessment"]["result"] == result


def test_before_any_assessment_the_assessment_is_null(viewer, scenario):
    body = token_client(viewer).get(url("assessment", scenario.filing)).json()
    assert body["assessment"] is None and body["state"] == "draft"


def test_the_row_errors_of_invalid_evidence_come_in_the_problem_shape(viewer, scenario):
    errors = [{"sheet": "Minerals", "row": 7, "column": "mass_kg", "value": "-3",
               "message": "The mass must be positive."}]
    store_assessment(scenario.filing.current_version(), errors=errors)
    body = token_client(viewer).get(url("evidence_errors", scenario.filing)).json()
    assert body["type"].endswith("/invalid-evidence")
    assert body["errors"] == errors
    assert body["title"] and "1 problem" in body["detail"]


def test_valid_evidence_has_no_row_errors(viewer, scenario):
    store_assessment(scenario.filing.current_version(), result=engine_result())
    body = token_client(viewer).get(url("evidence_errors", scenario.filing)).json()
    assert body["errors"] == []


# --- one file per request, each refusal in words (issue 11) -------------------------------

def _csv(name: str = "vehicle.csv", content: bytes = b"make\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _nothing_stored(filing: Filing) -> None:
    assert not filing.current_version().files.exists()
    assert stored_objects() == []


def test_more_than_one_file_in_a_request_is_refused_naming_the_count(preparer, filing):
    response = token_client(preparer).post(url("evidence", filing), {
        "kind": "evidence", "file": [_csv(f"vehicle{i}.csv") for i in range(25)]},
        format="multipart")
    message = ("This request carries 25 files; the API takes one file per request. Send each "
               "file in a POST of its own to this URL.")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == f"file: {message}"
    assert response.json()["errors"] == [{"field": "file", "message": message}]
    _nothing_stored(filing)


def test_a_second_file_in_another_field_is_counted_too(preparer, filing):
    response = token_client(preparer).post(url("evidence", filing), {
        "kind": "evidence", "file": workbook_upload(), "attachment": _csv()}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("file: This request carries 2 files;")
    _nothing_stored(filing)


def test_a_file_in_another_field_is_refused_saying_which(preparer, filing):
    response = token_client(preparer).post(url("evidence", filing), {
        "kind": "evidence", "document": workbook_upload()}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == ("file: The file came in a field named 'document'; send "
                                         "it in the field 'file'.")
    _nothing_stored(filing)


def test_an_empty_file_is_refused_in_the_storages_words(preparer, filing):
    response = token_client(preparer).post(url("evidence", filing), {
        "kind": "evidence", "file": _csv(content=b"")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == ("vehicle.csv: the file is empty (0 bytes); choose the "
                                         "file that holds the content and upload it again.")
    _nothing_stored(filing)


def test_a_file_of_the_wrong_type_says_what_evidence_is(preparer, filing):
    response = token_client(preparer).post(url("evidence", filing), {
        "kind": "evidence", "file": _csv("x.docx")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == ("Evidence must be an .xlsx workbook or .csv sheet "
                                         "files; x.docx is neither.")
    _nothing_stored(filing)
