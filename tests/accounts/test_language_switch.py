"""The header's language switch and the language a page is shown in: the user's saved setting,
else the cookie the switch sets, else Accept-Language, else English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.admin.conftest import client_for, second_factor_passed
from tests.factories import PASSWORD, FilingFactory

pytestmark = pytest.mark.usefixtures("translations")


def login_page(client: Client, **headers: str) -> str:
    response = client.get(reverse("login"), headers=headers)
    assert response.status_code == 200
    return str(response.content.decode())


def switch(client: Client, language: str, next_url: str = "/accounts/login/"):
    return client.post(reverse("language_set"), {"language": language, "next": next_url})


def test_english_is_the_default(client, db):
    page = login_page(client)
    assert '<html lang="en">' in page and "Log in" in page and "ログイン" not in page


def test_accept_language_ja_gives_the_page_in_japanese(client, db):
    response = client.get(reverse("login"), headers={"accept-language": "ja,en;q=0.5"})
    page = response.content.decode()
    assert '<html lang="ja">' in page
    assert "<h1>ログイン</h1>" in page and "メールアドレス" in page and "パスワードをお忘れですか？" in page
    assert response["Content-Language"] == "ja"


def test_an_anonymous_visitor_switches_with_the_cookie(client, db):
    response = switch(client, "ja")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ja" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert '<html lang="ja">' in login_page(client, **{"accept-language": "en"})
    switch(client, "en")
    assert '<html lang="en">' in login_page(client, **{"accept-language": "ja"})


def test_the_switch_is_a_form_in_the_header_that_needs_no_script(client, db):
    page = login_page(client)
    form = page[page.index('<form method="post" action="/accounts/language/"'):]
    form = form[:form.index("</form>")]
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<option value="ja" lang="ja">日本語</option>' in form
    assert '<button type="submit"' in form


def test_the_switch_refuses_a_post_without_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    assert switch(client, "ja").status_code == 403


def test_the_switch_answers_only_post(client, db):
    assert client.get(reverse("language_set")).status_code == 405


def test_a_logged_in_user_switching_saves_the_setting_on_the_user(client, preparer):
    client.force_login(preparer)
    switch(client, "ja", reverse("filings:dashboard"))
    preparer.refresh_from_db()
    assert preparer.language == "ja"
    # Another browser, English by its header and without the cookie: the saved setting wins.
    other = Client()
    other.post(reverse("login"), {"username": preparer.email, "password": PASSWORD})
    page = other.get(reverse("filings:dashboard"), headers={"accept-language": "en"})
    assert '<html lang="ja">' in page.content.decode()


def test_the_saved_setting_wins_over_accept_language_both_ways(client, preparer):
    client.force_login(preparer)
    preparer.language = "en"
    preparer.save(update_fields=["language"])
    english = client.get(reverse("filings:dashboard"), headers={"accept-language": "ja"})
    assert '<html lang="en">' in english.content.decode()
    preparer.language = "ja"
    preparer.save(update_fields=["language"])
    japanese = client.get(reverse("filings:dashboard"), headers={"accept-language": "en"})
    assert '<html lang="ja">' in japanese.content.decode()


def test_without_a_saved_setting_a_user_gets_accept_language(client, preparer):
    client.force_login(preparer)
    page = client.get(reverse("filings:dashboard"), headers={"accept-language": "ja"})
    assert '<html lang="ja">' in page.content.decode()


def test_an_unknown_language_changes_nothing(client, preparer):
    client.force_login(preparer)
    response = switch(client, "xx", reverse("filings:dashboard"))
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    preparer.refresh_from_db()
    assert preparer.language == ""


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", ""])
def test_the_switch_goes_back_only_to_the_portals_own_pages(client, db, target):
    assert switch(client, "ja", target)["Location"] == "/"


def test_a_page_answering_a_post_sends_the_switch_home_not_back_to_the_post(client, preparer):
    filing = FilingFactory.create(organisation=preparer.membership().organisation,
                                  created_by=preparer)
    client.force_login(preparer)
    refused = client.post(reverse("filings:withdraw", kwargs={"reference": filing.reference}),
                          {"reason": "x" * 2001}).content.decode()
    form = refused[refused.index('action="/accounts/language/"'):]
    assert 'name="next"' not in form[:form.index("</form>")]
    assert switch(client, "ja", "")["Location"] == "/"


def test_the_reviewer_console_stays_english_whatever_the_user_saved(reviewer):
    reviewer.language = "ja"
    reviewer.save(update_fields=["language"])
    client = client_for(reviewer)
    second_factor_passed(client, reviewer)
    response = client.get(reverse("admin:index"), headers={"accept-language": "ja"})
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in response.content.decode()
    # Outside the console the saved setting still holds.
    assert response.wsgi_request.user.language == "ja"
    assert '<html lang="ja">' in client.get(reverse("rulebooks:history")).content.decode()
