"""Draw the toolbar icons (24 px, light and dark) and the 64 px PCM icon as RGBA PNG files.

A 3 x 3 ball grid (the BGA) with a green check mark. Run: ``python resources/make_icons.py``.
Needs numpy only; the PNG is written with zlib so that no imaging library is required.
"""
from __future__ import annotations

import os
import struct
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

CHECK_RGB = (0, 168, 107)
"""Check-mark colour; the GUI test looks for these exact pixels on the toolbar."""
BALL_RGB = {"light": (58, 74, 96), "dark": (196, 206, 220)}
BODY_RGB = {"light": (214, 220, 228), "dark": (70, 78, 92)}
SUPERSAMPLE = 8


def png_bytes(rgba: np.ndarray) -> bytes:
    """Encode an (h, w, 4) uint8 array as a PNG (colour type 6, 8 bits, no interlace)."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _grid(size: int):
    n = size * SUPERSAMPLE
    c = (np.arange(n) + 0.5) / n  # unit coordinates of sample centres
    return np.meshgrid(c, c)


def _coverage(mask: np.ndarray, size: int) -> np.ndarray:
    return mask.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(1, 3))


def _segment_distance(x, y, a, b):
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = np.clip(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.hypot(x - (ax + t * dx), y - (ay + t * dy))


def draw(size: int, theme: str) -> np.ndarray:
    """Render the icon at ``size`` px for a light or dark toolbar; returns (size, size, 4) uint8."""
    x, y = _grid(size)
    body = (np.abs(x - 0.42) < 0.38) & (np.abs(y - 0.58) < 0.38)
    balls = np.zeros_like(body)
    for cx in (0.20, 0.42, 0.64):
        for cy in (0.36, 0.58, 0.80):
            balls |= np.hypot(x - cx, y - cy) < 0.085
    check_w = 0.085
    check = ((_segment_distance(x, y, (0.42, 0.52), (0.60, 0.72)) < check_w)
             | (_segment_distance(x, y, (0.60, 0.72), (0.90, 0.16)) < check_w))
    halo = ((_segment_distance(x, y, (0.42, 0.52), (0.60, 0.72)) < check_w + 0.06)
            | (_segment_distance(x, y, (0.60, 0.72), (0.90, 0.16)) < check_w + 0.06))
    layers = [  # painter's order: body, balls, halo (toolbar-coloured gap), check
        (_coverage(body & ~halo, size), BODY_RGB[theme]),
        (_coverage(balls & ~halo, size), BALL_RGB[theme]),
        (_coverage(check, size), CHECK_RGB),
    ]
    rgb = np.zeros((size, size, 3))
    alpha = np.zeros((size, size))
    for cov, colour in layers:
        a = cov[..., None]
        rgb = rgb * (1 - a) + np.asarray(colour, dtype=float) * a
        alpha = alpha * (1 - cov) + cov
    # rgb above is premultiplied by alpha; un-premultiply for PNG's straight alpha
    safe = np.where(alpha > 0, alpha, 1.0)[..., None]
    out = np.dstack([np.clip(np.rint(rgb / safe), 0, 255), np.rint(alpha * 255)])
    return out.astype(np.uint8)


def main() -> None:
    """Write icons/bgacheck_light.png, icons/bgacheck_dark.png (24 px) and icon.png (64 px)."""
    os.makedirs(os.path.join(HERE, "icons"), exist_ok=True)
    targets = {
        os.path.join(HERE, "icons", "bgacheck_light.png"): draw(24, "light"),
        os.path.join(HERE, "icons", "bgacheck_dark.png"): draw(24, "dark"),
        os.path.join(HERE, "icon.png"): draw(64, "light"),
    }
    for path, pixels in targets.items():
        with open(path, "wb") as fh:
            fh.write(png_bytes(pixels))
        print(path)


if __name__ == "__main__":
    main()
