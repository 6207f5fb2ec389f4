"""A missing page and a server error answer in the portal's look, never with Django's debug pages
or a traceback (the demo runs with DEBUG off: tests/test_demo.py)."""

from __future__ import annotations

from django.test import Client


def test_a_missing_page_is_the_portals_404_page(db, client, viewer):
    client.force_login(viewer)

    response = client.get("/no-such-page/")

    body = response.content.decode()
    assert response.status_code == 404
    assert 'class="site-header"' in body and "<h1>Page not found</h1>" in body
    assert viewer.email in body  # the portal's own header, as on every page
    assert 'href="/"' in body or "Back to your filings" in body
    assert "Traceback" not in body and "URLconf" not in body


def test_a_server_error_is_the_portals_500_page_without_a_traceback(db, settings, viewer):
    settings.ROOT_URLCONF = "tests.web.error_urls"
    client = Client(raise_request_exception=False)
    client.force_login(viewer)

    response = client.get("/fails/")

    body = response.content.decode()
    assert response.status_code == 500
    assert 'class="site-header"' in body and "<h1>Something went wrong</h1>" in body
    assert "secret-detail-from-the-traceback" not in body and "Traceback" not in body
