"""The only way WeasyPrint may load anything while rendering a certificate (TRUST 14).

Allowed: files whose real path lies inside the bundled assets folder, and small `data:` URLs.
Everything else (other files, http, https, ftp, redirects, symlinks out of the folder) is refused,
and every refusal is recorded so a test can prove nothing was fetched.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

ASSETS = Path(__file__).resolve().parent / "assets"
# A QR code as SVG is a few kilobytes; nothing legitimate comes near this.
DATA_URL_MAX_BYTES = 64 * 1024


class RefusedURL(ValueError):
    """WeasyPrint logs this as a warning and leaves the resource out."""


class LockedFetcher(URLFetcher):  # type: ignore[misc]
    """A URL fetcher with no network and no file system beyond `ASSETS`."""

    def __init__(self, assets: Path = ASSETS) -> None:
        # No handlers at all: nothing reaches urllib's openers, so no redirects either.
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.handlers.clear()
        self.assets = assets.resolve()
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        try:
            response = self._serve(url)
        except RefusedURL:
            self.refused.append(url)
            raise
        self.fetched.append(url if not url.startswith("data:") else url[:40])
        return response

    def open(self, url: object, data: object = None, timeout: object = None) -> URLFetcherResponse:
        raise RefusedURL("The certificate renderer opens nothing outside fetch().")

    def _serve(self, url: str) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            return self._asset(url)
        raise RefusedURL(f"refused {scheme!r} URL: only bundled assets and data: URLs load")

    def _asset(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL("refused a file URL on another host")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.assets) or not path.is_file():
            raise RefusedURL("refused a file outside the certificate assets")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  {"Content-Type": content_type})

    def _data(self, url: str) -> URLFetcherResponse:
        if len(url) > DATA_URL_MAX_BYTES * 2:
            raise RefusedURL("refused an oversized data: URL")
        header, _, payload = url[5:].partition(",")
        params = header.split(";")
        body = (base64.b64decode(unquote(payload), validate=False) if "base64" in params
                else unquote_to_bytes(payload))
        if len(body) > DATA_URL_MAX_BYTES:
            raise RefusedURL("refused an oversized data: URL")
        return URLFetcherResponse(url, body, {"Content-Type": params[0] or "text/plain"})
