"""The HTML report of a board, rendered by headless Chromium (Debian `chromium`).

The board is generated here (the `generated_board` fixture: one 8 x 8 BGA, one ball left
unfanned), so the test runs in any clone, with or without the shared real boards.

The screenshot is decoded (PNG, stdlib zlib + numpy) and the ball map's status colours are
counted, so the test fails if the SVG does not render, not only if the file is missing.
"""
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.gui, pytest.mark.kicad]

WIDTH, HEIGHT = 1400, 1800
STATUS_RGB = [tuple(int(c[k:k + 2], 16) for k in (1, 3, 5))
              for c in ("#3f9e5a", "#e3a21a", "#d2352b", "#7b4fd1")]
"""STATUS_COLOURS of clean, warning, error and unrouted balls."""
HANG_GUARD_S = 120


def _screenshot(html: Path, png: Path, profile: Path) -> None:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    f"--user-data-dir={profile}", f"--screenshot={png}",
                    f"--window-size={WIDTH},{HEIGHT}", html.as_uri()],
                   capture_output=True, timeout=HANG_GUARD_S, check=True)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _decode_png(path: Path) -> np.ndarray:
    """RGB(A) pixels of an 8-bit, non-interlaced PNG as an (h, w, channels) uint8 array."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    ch = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, w * ch + 1)
    out = np.zeros((h, w * ch), dtype=np.uint8)
    prev = np.zeros(w * ch, dtype=np.uint8)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            row = line
        elif f == 2:
            row = line + prev
        else:
            row = line.copy()
            for x in range(w * ch):
                a = int(row[x - ch]) if x >= ch else 0
                b = int(prev[x])
                c = int(prev[x - ch]) if x >= ch else 0
                pred = a if f == 1 else (a + b) // 2 if f == 3 else _paeth(a, b, c)
                row[x] = (row[x] + pred) & 0xFF
        prev = (row & 0xFF).astype(np.uint8)
        out[y] = prev
    return out.reshape(h, w, ch)


@pytest.fixture(scope="module")
def shot(tmp_path_factory, generated_board):
    from bgacheck.api import check_file
    from bgacheck.render.html import render_html

    d = tmp_path_factory.mktemp("html")
    html = d / "report.html"
    report = check_file(str(generated_board))
    assert [b.balls for b in report.bgas] == [64]
    html.write_text(render_html(report), encoding="utf-8")
    png = d / "report.png"
    _screenshot(html, png, d / "profile")
    blank = d / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    _screenshot(blank, d / "blank.png", d / "profile")
    return png, d / "blank.png", report.bgas[0].balls


def test_screenshot_is_the_requested_size_and_far_from_blank(shot):
    png, blank, _ = shot
    assert struct.unpack(">II", png.read_bytes()[16:24]) == (WIDTH, HEIGHT)
    assert png.stat().st_size > 5 * blank.stat().st_size


def test_ball_map_renders_in_its_status_colours(shot):
    pixels = _decode_png(shot[0])[:, :, :3].astype(np.int16)
    status = sum(np.all(np.abs(pixels - np.array(rgb)) <= 6, axis=2) for rgb in STATUS_RGB)
    balls = shot[2]
    assert status.sum() > balls * 40  # each ball some 15 px across or more, in a status colour
    distinct = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(distinct) > 50
