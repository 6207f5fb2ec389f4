"""The portal's routes plus one that fails, for the 500 page's test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def _fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret-detail-from-the-traceback")


urlpatterns = [path("fails/", _fails), *portal_urlpatterns]
