"""The API tokens page. The revoke route is in tests/api/routes.py's registry."""

from django.urls import path

from filings.api import web

app_name = "api_tokens"

urlpatterns = [
    path("", web.token_list, name="list"),
    path("<int:token_id>/revoke/", web.token_revoke, name="revoke"),
]
