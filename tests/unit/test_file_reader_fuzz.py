"""The board-file reader on mutated real boards: a model or one clear line, never a traceback.

Seeds are the boards KiCad wrote in fixtures/boards, windows of the shared real boards (their
header and a run of consecutive items, so that each read stays fast), a KiCad 10 rewrite and a
board on one line (the tokenizer's path instead of the layout cut). Hypothesis mutates bytes,
tokens and whole lines. The run lasts about BGACHECK_FUZZ_SECONDS in all (60 by default, the
Makefile's `fuzz` target sets 900); the short run is derandomised so that `make test` is
repeatable, the long one explores.
"""
from __future__ import annotations

import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from bgacheck.board_file import BoardFileError, read_board_file
from bgacheck.board_file.layout import indent_unit, split
from paths import REPO, SHARED_BOARDS

BUDGET_S = float(os.environ.get("BGACHECK_FUZZ_SECONDS", "60"))
LONG_RUN = BUDGET_S > 120

_HEAD_KEYS = {"version", "generator", "generator_version", "general", "paper", "title_block",
              "layers", "setup", "property", "net"}
_TOKENS = [b"(", b")", b'"', b"\\", b"\n", b"\t", b" ", b"-", b"0", b"1e308", b"-1e308", b"nan",
           b"inf", b"1e-9", b"99999999999", b"(at 1 2)", b"(net 3)", b'(net "X")', b"(layer",
           b'"F.Cu"', b'"In99.Cu"', b"(pad", b"(via", b"(segment", b"(zone", b"(footprint",
           b"(size 0 0)", b"(drill 0)", b"(layers *.Cu)", b"(pts", b"(xy 0 0)", b"(arc", b"yes",
           b"no", b"(version 20211014)", b"(version 20260206)", b"\xff\xfe", "µ".encode(),
           b"(primitives", b"(gr_poly", b"(padstack", b"(mode custom)", b"(roundrect_rratio 9)",
           b"(chamfer_ratio -1)", b"(filled_polygon", b"(island", b"(rect_delta 5 5)"]


def _crop(data: bytes, rng: random.Random, max_items: int = 40, max_bytes: int = 150_000):
    """Header of a real board plus a run of consecutive items from it."""
    cut = split(data, 0, len(data), 1, indent_unit(data), head_nodes=True)
    if cut is None:
        return None
    _, kids = cut
    head = [c for c in kids if c.keyword in _HEAD_KEYS]
    body = [c for c in kids if c.keyword not in _HEAD_KEYS and c.end - c.start < max_bytes]
    if not head or not body:
        return None
    first = rng.randrange(len(body))
    chosen, size = [], 0
    for c in body[first:first + max_items]:
        size += c.end - c.start
        if size > max_bytes:
            break
        chosen.append(c)
    parts = [data[c.start:c.end] for c in head + chosen]
    return b"(kicad_pcb\n\t" + b"\n\t".join(parts) + b"\n)\n"


def _seeds() -> list[bytes]:
    out = [p.read_bytes() for p in sorted((REPO / "fixtures" / "boards").glob("*.kicad_pcb"))]
    rng = random.Random(11)
    if SHARED_BOARDS.is_dir():
        for board in sorted(SHARED_BOARDS.glob("*/*.kicad_pcb")):
            data = board.read_bytes()
            for _ in range(3):
                crop = _crop(data, rng)
                if crop is not None:
                    out.append(crop)
    if out:
        sys.path.insert(0, str(REPO / "fixtures"))
        try:
            from kicad10 import to_kicad10
        finally:
            sys.path.pop(0)
        out.append(to_kicad10(out[0].decode("utf-8"), fill_vias=True, extras=True).encode())
        out.append(b" ".join(out[0].split()))
    return out


SEEDS = _seeds()
_DIR = Path(tempfile.mkdtemp(prefix="bga-fuzz-"))


def _seconds_per_read() -> float:
    """Mean time of one read of a seed board."""
    path = _DIR / "calibrate.kicad_pcb"
    t0 = time.perf_counter()
    for data in SEEDS:
        path.write_bytes(data)
        try:
            read_board_file(str(path))
        except BoardFileError:
            pass
    return (time.perf_counter() - t0) / max(1, len(SEEDS))


class _Budget:
    """A test's share of the run: the clock starts at its first example."""

    def __init__(self, seconds: float):
        self.seconds, self.stop = seconds, None

    def spent(self) -> bool:
        now = time.monotonic()
        if self.stop is None:
            self.stop = now + self.seconds
        return now > self.stop


PER_EXAMPLE_S = (_seconds_per_read() if SEEDS else 0.01) + 0.003
"""A read plus hypothesis's drawing and the mutation (measured: about 3 ms)."""
SHARES = (0.5, 0.3, 0.2)
"""Fractions of the budget for the three property tests below, in order."""


def _fuzz(share: float):
    """Hypothesis settings for a test that gets ``share`` of the budget."""
    return settings(max_examples=max(20, int(BUDGET_S * share / PER_EXAMPLE_S)), deadline=None,
                    database=None, derandomize=not LONG_RUN, print_blob=LONG_RUN,
                    phases=[Phase.generate, Phase.shrink] if LONG_RUN else [Phase.generate],
                    suppress_health_check=list(HealthCheck))


def _mutate(data: bytes, draw) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "lines", "digits", "dup"]))
        pos = draw(st.integers(0, max(0, len(buf) - 1)))
        if kind == "insert":
            buf[pos:pos] = draw(st.sampled_from(_TOKENS) | st.binary(min_size=1, max_size=6))
        elif kind == "delete":
            del buf[pos:pos + draw(st.integers(1, 64))]
        elif kind == "replace":
            span = draw(st.integers(1, 8))
            buf[pos:pos + span] = draw(st.sampled_from(_TOKENS))
        elif kind == "digits":  # a number turned into another, kept a plain number
            m = re.compile(rb"-?\d+(\.\d+)?").search(bytes(buf), pos)
            if m:
                buf[m.start():m.end()] = draw(st.sampled_from(
                    [b"0", b"-0", b"1e6", b"-2147.483648", b"0.0000005", b"360", b"-90.5",
                     b"3", b"1000000", b"2147483647"]))
        else:  # whole lines: delete, duplicate or move one (keeps the text mostly well formed)
            lines = bytes(buf).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "lines":
                line = lines.pop(i)
                lines.insert(j, line)
            else:
                lines.insert(j, lines[i])
            buf = bytearray(b"\n".join(lines))
    return bytes(buf)


def _check_model(model) -> None:
    """Tables whose columns agree: what the checks rely on."""
    p = model.pads
    n = len(p.x_nm)
    assert all(len(getattr(p, f)) == n for f in ("y_nm", "w_nm", "net", "number", "shape"))
    assert len(model.vias.flash_mask) == len(model.vias.x_nm)
    assert len(model.tracks.layer) == len(model.tracks.x1_nm)
    for fp in model.footprints:
        assert 0 <= fp.pad_start <= fp.pad_stop <= n
    if n:
        assert p.net.min() >= -1 and int(p.net.max()) < max(len(model.net_names), 1) + 1
    assert np.isfinite(p.rot_deg).all()


def _read_or_one_line(data: bytes, project: bytes | None = None) -> None:
    path = _DIR / "fuzz.kicad_pcb"
    path.write_bytes(data)
    pro = _DIR / "fuzz.kicad_pro"
    if project is None:
        pro.unlink(missing_ok=True)
    else:
        pro.write_bytes(project)
    try:
        model, _ = read_board_file(str(path))
    except BoardFileError as exc:
        text = str(exc)
        assert text and "\n" not in text and len(text) < 400, text
        assert exc.kind in ("syntax", "format", "io"), text  # "internal": a defect of ours
        m = re.search(r"\(line (\d+)\)", text)
        if m:
            assert 1 <= int(m.group(1)) <= data.count(b"\n") + 1
        return
    _check_model(model)


pytestmark = pytest.mark.skipif(not SEEDS, reason="no seed boards found (fixtures/boards)")


_SHARES = [_Budget(BUDGET_S * share) for share in SHARES]


@_fuzz(SHARES[0])
@given(st.data())
def test_mutated_boards_read_or_fail_with_one_line(data):
    seed = data.draw(st.integers(0, len(SEEDS) - 1), label="seed")
    text = _mutate(SEEDS[seed], data.draw)
    if not _SHARES[0].spent():  # all drawn first: hypothesis wants the same draws every time
        _read_or_one_line(text)


@_fuzz(SHARES[1])
@given(st.data())
def test_mutated_boards_on_one_line_read_or_fail_with_one_line(data):
    seed = data.draw(st.integers(0, min(4, len(SEEDS)) - 1), label="seed")
    text = b" ".join(_mutate(SEEDS[seed], data.draw).split(b"\n"))
    if not _SHARES[1].spent():
        _read_or_one_line(text)


@_fuzz(SHARES[2])
@given(st.data())
def test_broken_project_files_never_stop_the_read(data):
    project = data.draw(st.sampled_from([
        b'{"board": {"design_settings": {"rules": {"min_clearance": "x"}}}}',
        b'{"board": {"design_settings": {"rules": {"min_via_diameter": 1e308}}}}',
        b'{"net_settings": {"classes": [{"name": 5, "clearance": null}, 7]}}',
        b'[1, 2]', b'{"board": [', b"\xff\xfe", b'{"text_variables": {"A": {"B": 1}}}',
        b"[" * 100_000]) | st.binary(max_size=200), label="project")
    if not _SHARES[2].spent():
        _read_or_one_line(SEEDS[0], project)


def test_the_seeds_themselves_read():
    for data in SEEDS:
        _read_or_one_line(data)
