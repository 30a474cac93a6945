"""QR codes of a page's address, with the code printed under it (segno for the symbol).

The PNG is written here, pixel by pixel, with the caption in a small built-in bitmap font:
segno's PNG writer draws no text, and the app carries no imaging library. The SVG carries the
caption as text in the viewer's own monospace font (nothing is loaded from elsewhere).
"""

from __future__ import annotations

import io
import struct
import zlib
from html import escape

import segno

BORDER = 4  # modules of quiet zone, as the QR standard asks
SCALE = 8  # pixels per module in the PNG

# 5×7 glyphs, one string of 7 rows of 5 bits per character.
GLYPHS = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 01010 00100 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    "/": "00001 00010 00010 00100 01000 01000 10000",
    " ": "00000 00000 00000 00000 00000 00000 00000",
    "?": "01110 10001 00001 00010 00100 00000 00100",
}


def symbol(url: str) -> segno.QRCode:
    # Level M: a carton's print may smudge a little; the symbol stays small for a page URL.
    return segno.make(url, error="m", micro=False)


def _caption_rows(text: str, scale: int) -> list[list[int]]:
    """The caption as rows of pixels (1 = dark), ``scale`` pixels per font dot."""
    rows = []
    for line in range(7):
        dots = []
        for char in text.upper():
            glyph = GLYPHS.get(char, GLYPHS["?"]).split()[line]
            dots += [int(bit) for bit in glyph] + [0]
        row = [dot for dot in dots for _ in range(scale)]
        rows += [row] * scale
    return rows


def png(url: str, caption: str) -> bytes:
    """A black-on-white PNG: the symbol, then the caption centred under it."""
    qr = symbol(url)
    modules = [[int(bool(m)) for m in row] for row in qr.matrix]
    size = (len(modules) + 2 * BORDER) * SCALE
    quiet = [0] * (BORDER * SCALE)
    pixels = [[0] * size for _ in range(BORDER * SCALE)]
    for row in modules:
        line = quiet + [m for m in row for _ in range(SCALE)] + quiet
        pixels += [line] * SCALE
    pixels += [[0] * size for _ in range(BORDER * SCALE)]
    caption_scale = max(1, min(4, size // (6 * max(len(caption), 1) + 4)))
    text = _caption_rows(caption, caption_scale)
    width = max(size, len(text[0]) + 2 * SCALE)
    pad = (width - size) // 2
    pixels = [[0] * pad + row + [0] * (width - size - pad) for row in pixels]
    left = (width - len(text[0])) // 2
    for row in text:
        pixels.append([0] * left + row + [0] * (width - len(row) - left))
    pixels += [[0] * width for _ in range(BORDER * SCALE // 2)]
    return _encode_png(pixels, width)


def _encode_png(pixels: list[list[int]], width: int) -> bytes:
    """1-bit greyscale PNG (0 in ``pixels`` is white)."""
    raw = bytearray()
    for row in pixels:
        raw.append(0)  # no filter
        bits = 0
        count = 0
        for pixel in row:
            bits = (bits << 1) | (0 if pixel else 1)
            count += 1
            if count == 8:
                raw.append(bits)
                bits = count = 0
        if count:
            raw.append(bits << (8 - count))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, len(pixels), 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def svg(url: str, caption: str, title: str) -> bytes:
    """The symbol as SVG (segno's path), the caption as text under it."""
    qr = symbol(url)
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=1, border=BORDER, xmldecl=False, svgns=False, omitsize=True)
    drawn = out.getvalue().decode().strip()
    path = drawn[drawn.index("<path") :].removesuffix("</svg>")
    side = qr.symbol_size(scale=1, border=BORDER)[0]
    height = side + 6
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {height}" '
        f'width="{side * 8}" height="{height * 8}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{side}" height="{height}" fill="#fff"/>{path}'
        f'<text x="{side / 2}" y="{side + 2.5}" text-anchor="middle" font-family="monospace" '
        f'font-size="3" font-weight="bold" fill="#000">{escape(caption)}</text></svg>'
    ).encode()
