"""Reading QR symbols back from images, with a real decoder (zxing-cpp).

Raster images (PNG, JPEG, anything Pillow opens) go straight to zxing-cpp; SVG files are
rasterized first with resvg. The verifier CLI uses this for photos and scans of labels, the
tests use it to prove every symbol ``labels.render`` draws reads back to the exact text.

Left out: judging the text (``labels.verify``).
"""

from __future__ import annotations

import io

import resvg_py
import zxingcpp
from PIL import Image, UnidentifiedImageError

__all__ = ["decode_image", "rasterize_svg"]

MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Photos of labels are far smaller; anything larger is refused before decoding."""


def rasterize_svg(svg: bytes, width: int = 600) -> bytes:
    """Render an SVG to PNG bytes ``width`` pixels wide (white background).

    The DPI is set (96, the CSS pixel) so sizes in millimetres, as printable labels have,
    resolve; resvg's default of 0 would make them empty.

    Raises:
        ValueError: the SVG cannot be rendered.
    """
    try:
        return bytes(
            resvg_py.svg_to_bytes(
                svg_string=svg.decode("utf-8"), background="#ffffff", width=width, dpi=96
            )
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"cannot render the svg: {exc}") from exc


def decode_image(data: bytes) -> list[str]:
    """Every QR code's text in an image (PNG, JPEG… or SVG), in the decoder's order.

    Raises:
        ValueError: the bytes are not an image, are too large, or hold no QR code.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"image is larger than {MAX_IMAGE_BYTES} bytes")
    head = data[:512].lstrip()
    if head.startswith((b"<?xml", b"<svg")):
        data = rasterize_svg(data)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not an image: {exc}") from exc
    found = zxingcpp.read_barcodes(
        image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    texts = [barcode.text for barcode in found if barcode.valid]
    if not texts:
        raise ValueError("no QR code found in the image")
    return texts
