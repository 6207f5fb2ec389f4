"""`Authorization: Token <key>` (or `Bearer <key>`): the request acts as the token's creator."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from filings.api.models import ApiToken
from filings.api.services import api_token_authenticate
from portal.accounts.models import User


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as `Authorization: Token <key>`.")
        token = api_token_authenticate(parts[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed("The token is unknown or was revoked.")
        # The request's actor, its membership read once (`api_token_authenticate`).
        return token.created_by, token

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "filings.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <key>`: a token made on the portal's API tokens page."}
