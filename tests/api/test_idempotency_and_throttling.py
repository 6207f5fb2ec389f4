"""Safe retries with Idempotency-Key, and throttling per token and per user."""

from __future__ import annotations

from django.urls import reverse

from filings.api.models import IdempotencyRecord
from filings.models import EvidenceFile, Filing
from filings.states import State
from tests.api.conftest import token_client
from tests.api.test_filings_api import NEW
from tests.web.routes import workbook_upload


def test_the_same_key_and_body_replays_the_first_response(preparer):
    client = token_client(preparer)
    first = client.post(reverse("api:filings"), NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(reverse("api:filings"), NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Filing.objects.count() == 1


def test_the_same_key_with_another_body_is_a_409(preparer):
    client = token_client(preparer)
    client.post(reverse("api:filings"), NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = client.post(reverse("api:filings"), {**NEW, "model": "Other"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert Filing.objects.count() == 1


def test_without_a_key_each_request_acts(preparer):
    client = token_client(preparer)
    client.post(reverse("api:filings"), NEW, format="json")
    client.post(reverse("api:filings"), NEW, format="json")
    assert Filing.objects.count() == 2


def test_a_retried_upload_stores_one_file_and_a_different_file_is_a_409(preparer, filing):
    client = token_client(preparer)
    url = reverse("api:evidence", kwargs={"reference": filing.reference})
    for _ in range(2):
        response = client.post(url, {"kind": "evidence", "file": workbook_upload()},
                               format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
        assert response.status_code == 201
    assert EvidenceFile.objects.filter(version__filing=filing).count() == 1
    other = client.post(url, {"kind": "evidence", "file": workbook_upload("other.xlsx")},
                        format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert other.status_code == 409


def test_a_retried_submit_replays_instead_of_conflicting(signer, scenario,
                                                         django_capture_on_commit_callbacks):
    client = token_client(signer)
    url = reverse("api:submit", kwargs={"reference": scenario.filing.reference})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(2):
            response = client.post(url, {"attestation_confirmed": True}, format="json",
                                   HTTP_IDEMPOTENCY_KEY="submit-1")
            assert response.status_code == 202
    assert len(callbacks) == 1
    assert scenario.refresh().state == State.SUBMITTED


def test_keys_are_per_user(preparer, signer):
    token_client(preparer).post(reverse("api:filings"), NEW, format="json",
                                HTTP_IDEMPOTENCY_KEY="k-1")
    token_client(signer).post(reverse("api:filings"), NEW, format="json",
                              HTTP_IDEMPOTENCY_KEY="k-1")
    assert Filing.objects.count() == 2


def test_a_token_over_its_rate_gets_a_429_saying_when_to_retry(settings, preparer):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "3/minute", "user": "100/minute"}}
    client = token_client(preparer)
    codes = [client.get(reverse("api:filings")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get(reverse("api:filings"))
    assert int(response["Retry-After"]) > 0
    assert response.json()["type"].endswith("/throttled")
    assert "retry in" in response.json()["detail"]
    # Another token of the same user has its own allowance.
    assert token_client(preparer, "BI").get(reverse("api:filings")).status_code == 200


def test_a_user_over_its_rate_is_throttled_across_its_tokens(settings, preparer):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "100/minute", "user": "2/minute"}}
    token_client(preparer, "A").get(reverse("api:filings"))
    token_client(preparer, "B").get(reverse("api:filings"))
    assert token_client(preparer, "C").get(reverse("api:filings")).status_code == 429


def test_a_refused_request_keeps_no_record_so_the_corrected_retry_acts(preparer):
    client = token_client(preparer)
    bad = client.post(reverse("api:filings"), {**NEW, "coverage_end": "2020-01-01"},
                      format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="k-1").exists()
    corrected = client.post(reverse("api:filings"), NEW, format="json",
                            HTTP_IDEMPOTENCY_KEY="k-1")
    assert corrected.status_code == 201
    assert Filing.objects.count() == 1


def test_a_duplicate_sent_while_the_first_is_still_running_is_a_409(preparer):
    IdempotencyRecord.objects.create(user=preparer, key="k-1", request_hash="x", status=0)
    response = token_client(preparer).post(reverse("api:filings"), NEW, format="json",
                                           HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/idempotency-key-in-use")
    assert Filing.objects.count() == 0
