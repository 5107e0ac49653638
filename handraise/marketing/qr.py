"""QR codes of tracked links, drawn by segno (pure Python, no image library).

A QR code holds the short address (``/r/<code>``), never the tagged target: a
short address makes a smaller, sturdier code (fewer modules, larger at the same
print size), and the link's target can be corrected later without reprinting.
The page shows the code inline as SVG; the downloads are an SVG for print
(scales to any size) and a PNG for slides and tools that take only pictures.

What it does not do: store anything. A code is drawn on each request, in well
under a millisecond at this size, so there is nothing to keep in sync.
"""

import io

import segno

# Modules per side of the quiet zone, as the standard asks; pixels per module.
BORDER = 4
PAGE_SCALE = 5
SVG_SCALE = 10
PNG_SCALE = 16  # a version 3 code (a BASE_URL of ordinary length) is 592 px wide


def qr_code(url: str) -> segno.QRCode:
    # Medium error correction (15%) at least; segno raises it when that costs no size.
    return segno.make_qr(url, error="m")


def inline_svg(url: str, *, title: str) -> str:
    """The code as an ``<svg>`` element to put in a page (no XML declaration)."""
    return qr_code(url).svg_inline(
        scale=PAGE_SCALE,
        border=BORDER,
        light="#fff",  # a dark page theme must not swallow the quiet zone
        title=title,
        svgclass="qr-code",
        lineclass=None,
    )


def svg_document(url: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="svg", scale=SVG_SCALE, border=BORDER, xmldecl=True)
    return buffer.getvalue()


def png_image(url: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=PNG_SCALE, border=BORDER)
    return buffer.getvalue()


def png_size(url: str) -> int:
    """The PNG's width and height in pixels (it is square)."""
    return qr_code(url).symbol_size(scale=PNG_SCALE, border=BORDER)[0]
