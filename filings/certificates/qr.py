"""The QR code printed on a certificate: its verification URL, as a small PNG data: URL.

One pixel per module: the stylesheet draws it with `image-rendering: pixelated`, which WeasyPrint
writes as `/Interpolate false`, so every viewer scales it up to sharp squares (and PDF/A forbids
interpolated images anyway). A PNG costs WeasyPrint far less than an SVG path of the same code.
"""

from __future__ import annotations

import base64
import io

import segno


def qr_png_data_url(url: str) -> str:
    """Black modules on white with a quiet zone; error correction M survives a crease."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=1, border=2,
                                                 dark="#000", light="#fff")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
