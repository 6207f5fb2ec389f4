"""Free text is plain text (TRUST 31): make, model, reasons and comments refuse control,
bidi-override and zero-width characters as evidence cells do; comments keep their line breaks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from filings.api.models import ApiToken
from filings.api.services import api_token_create
from filings.models import Filing, ReviewNote
from filings.rulebooks.models import RulebookVersion
from filings.rulebooks.services.drafting import AmendmentInvalid, rulebook_draft_create
from filings.services.common import ServiceError, plain_text
from filings.services.manufacturer import filing_create, filing_update, filing_withdraw
from filings.services.review import review_recommend, review_start
from tests.api.conftest import token_client
from tests.services.test_filing_services import assessed

pytestmark = pytest.mark.django_db

HIDDEN = [("Granite \u202eMotor\u202c", "U+202E"), ("M\u200bX", "U+200B"), ("Iron\x07wood", "U+0007"),
          ("Line\nbreak", "U+000A")]
NEW = {"make": "Granite Motor Company", "model": "Ironwood EV", "model_year": 2025,
       "vehicle_class": "pickup", "coverage_start": dt.date(2025, 1, 1),
       "coverage_end": dt.date(2025, 6, 30)}


@pytest.mark.parametrize(("value", "code"), HIDDEN)
@pytest.mark.parametrize("field", ["make", "model"])
def test_a_make_or_model_with_a_hidden_character_is_refused_and_nothing_is_stored(
        preparer, field, value, code):
    with pytest.raises(ServiceError, match=f"The {field} contains .* {re.escape(code)}; retype it"):
        filing_create(actor=preparer, **{**NEW, field: value})
    assert not Filing.objects.exists()


def test_an_update_with_a_hidden_character_changes_nothing(preparer):
    filing = filing_create(actor=preparer, **NEW)
    with pytest.raises(ServiceError, match=r"U\+202E"):
        filing_update(actor=preparer, filing=filing, model="EV\u202e")
    filing.refresh_from_db()
    assert filing.model == "Ironwood EV"


def test_the_api_answers_a_400_problem_naming_the_character(preparer):
    body = {**NEW, "make": "Granite \u202eMotor", "coverage_start": "2025-01-01",
            "coverage_end": "2025-06-30"}
    response = token_client(preparer).post(reverse("api:filings"), body, format="json")
    assert response.status_code == 400
    assert "U+202E" in response.json()["detail"]
    assert not Filing.objects.exists()


def test_the_web_form_shows_the_refusal_and_stores_nothing(client, preparer):
    client.force_login(preparer)
    response = client.post(reverse("filings:create"), {
        **NEW, "make": "M\u200bX", "coverage_start": "2025-01-01", "coverage_end": "2025-06-30"})
    assert response.status_code == 400
    assert "U+200B" in response.content.decode()
    assert not Filing.objects.exists()


def test_a_comment_keeps_its_line_breaks_but_not_a_bidi_override(preparer, signer, reviewer):
    filing = review_start(actor=reviewer, filing=assessed(preparer, signer))
    with pytest.raises(ServiceError, match=r"The comment contains .* U\+202E"):
        review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                         comment="Fine\u202e.")
    review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                     comment="Minerals met.\nComponents met.\tApprove.")
    assert ReviewNote.objects.get(filing=filing).text == "Minerals met.\nComponents met.\tApprove."


def test_a_withdrawal_reason_with_a_zero_width_space_is_refused(preparer, signer):
    filing = filing_create(actor=preparer, **NEW)
    with pytest.raises(ServiceError, match=r"The reason contains .* U\+200B"):
        filing_withdraw(actor=signer, filing=filing, reason="dup\u200blicate")
    filing.refresh_from_db()
    assert filing.state == "draft"


def test_an_api_token_name_with_a_bidi_override_is_refused(preparer):
    with pytest.raises(ServiceError, match=r"The token's name contains .* U\+202E"):
        api_token_create(actor=preparer, name="ERP\u202e")
    assert not ApiToken.objects.exists()


def test_a_rulebook_citation_with_a_zero_width_space_is_refused_at_its_field(approver):
    with pytest.raises(AmendmentInvalid, match=r"U\+200B") as refused:
        rulebook_draft_create(actor=approver, version="2099.1", citation="IRC \u200b§30D",
                              note="A note of some length.")
    assert refused.value.field == "citation"
    assert not RulebookVersion.objects.filter(version="2099.1").exists()


@pytest.mark.parametrize("mark", ["\u061c", "\U000e0041", "\U000e007f"])
def test_the_arabic_letter_mark_and_tag_characters_are_refused_too(mark):
    with pytest.raises(ServiceError, match=f"U\\+{ord(mark):04X}"):
        plain_text(f"Ironwood{mark} EV", what="The model")
