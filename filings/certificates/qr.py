"""The QR code printed on a certificate: its verification URL, as a small SVG data: URL.

Vector, so it stays sharp at any zoom and in any raster: one filled path of the dark modules
(each row's runs as rectangles, edges on whole module units) over a white square that includes
the quiet zone. A one-pixel-a-module PNG looked sharp in viewers, but rasterisers such as
poppler smooth an image they enlarge less than fourfold, whatever `/Interpolate` says, so it
decoded only from renders at 200 dpi or more. The viewBox counts modules and the SVG's own size
gives each 2 pt: a longer address makes a larger code, not smaller modules. Version 5 (a base
URL up to 39 characters) is 90 pt and decodes from page 1 at 72 dpi; version 6 at 80 dpi.
"""

from __future__ import annotations

import base64

import segno

QUIET_ZONE = 4
"""Modules of white around the code: the width the QR standard asks for."""
MODULE_PT = 2
"""The printed size of a module: two pixels at 72 dpi, the coarsest raster it decodes from."""


def qr_svg(url: str) -> str:
    """Black modules on white with a quiet zone; error correction M survives a crease."""
    code = segno.make(url, error="m", micro=False)
    size = code.symbol_size(border=0)[0]
    side = size + 2 * QUIET_ZONE
    runs: list[str] = []
    for y, row in enumerate(code.matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
            f'width="{side * MODULE_PT}pt" height="{side * MODULE_PT}pt" '
            f'shape-rendering="crispEdges">'
            f'<rect width="{side}" height="{side}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>')


def qr_svg_data_url(url: str) -> str:
    """The code as a `data:image/svg+xml` URL, for the template's `<img>`."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url).encode()).decode("ascii")
