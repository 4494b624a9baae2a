"""`bga-check rules`: listing, every resolved value with a source and an origin, --explain, and
one-line errors with exit code 2. Runs the real command line in a subprocess."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bgacheck.core import rules

REPO = Path(__file__).resolve().parents[2]
CLEAN_BOARD = REPO / "fixtures" / "boards" / "bga-0.8mm-clean.kicad_pcb"


def bga_check(*args: str):
    """`python -m bgacheck ARGS` -> (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "bgacheck", *args], capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_bare_rules_lists_every_profile_and_fab_tier():
    code, out, err = bga_check("rules")
    assert code == 0 and err == ""
    for name in rules.list_profiles():
        assert re.search(rf"^  {name}\b.*: \S", out, re.M), name
    for tier in rules.list_fab_tiers():
        assert re.search(rf"^  {tier}\b.*: \S", out, re.M), tier
    assert "ug1099 (default)" in out and "standard (default)" in out


def test_listing_json_names_pitch_rows_and_fill_in_chain():
    code, out, _ = bga_check("rules", "--json")
    data = json.loads(out)
    ug = next(p for p in data["profiles"] if p["name"] == "ug1099")
    assert ug["pitches_mm"] == [1.0, 0.92, 0.8, 0.5] and ug["fill_in"] == ["fill_in"]
    assert [t["name"] for t in data["fab_tiers"]] == rules.list_fab_tiers()


@pytest.mark.parametrize("profile,grid,tier", [
    ("ug1099", ("1.0",), "standard"),
    ("ug1099", ("0.8", "0.65"), "advanced"),
    ("ug1099", ("0.4",), "hdi"),
    ("intel_an114", ("1.27",), "standard"),
    ("intel_an114", ("0.75",), "advanced"),
])
def test_json_gives_every_rule_key_a_source_and_an_origin(profile, grid, tier):
    pitch = ["--pitch", grid[0]] + (["--pitch-y", grid[1]] if len(grid) > 1 else [])
    code, out, err = bga_check("rules", "--profile", profile, *pitch, "--fab-tier", tier, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["profile"] == profile and data["fab_tier"] == tier
    assert set(data["values"]) == set(rules.KEYS)
    for key, v in data["values"].items():
        assert v["source"].strip(), key
        assert v["origin"] in rules.ORIGINS, key
        assert v["how"].strip(), key


def _text_blocks(out: str) -> dict[str, list[str]]:
    """Rule key -> the lines of its block in the text output."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        word = line.split(" ", 1)[0]
        if word in rules.KEYS:
            current = word
            blocks[current] = [line]
        elif current and line.startswith("    "):
            blocks[current].append(line)
        else:
            current = None
    return blocks


def test_text_output_names_a_source_and_origin_for_every_value():
    code, out, _ = bga_check("rules", "--profile", "ug1099", "--pitch", "0.8")
    assert code == 0
    blocks = _text_blocks(out)
    assert set(blocks) == set(rules.KEYS)
    words = {"published", "formula", "corrected", "typical", "fill-in", "fab tier", "override"}
    for key, lines in blocks.items():
        assert any(ln.strip().startswith("source: ") and len(ln.strip()) > 10 for ln in lines), key
        assert any(w in lines[0] for w in words), lines[0]
    assert "land_d_mm" in out and "0.4 mm" in blocks["land_d_mm"][0]
    assert "UG1099 v2.0 Table 1, 0.8 mm" in "\n".join(blocks["land_d_mm"])


def test_origins_distinguish_published_formula_corrected_fill_in_and_fab_tier():
    _, out, _ = bga_check("rules", "--pitch", "1.0", "--json")
    at10 = json.loads(out)["values"]
    assert at10["land_d_mm"]["origin"] == "published"
    assert at10["pad_to_via_mm"]["origin"] == "formula"
    assert at10["pad_to_via_mm"]["formula"] == "hypot(pitch_x, pitch_y) / 2"
    assert at10["via_route2_s_mm"]["origin"] == "corrected"
    assert at10["min_trace_w_mm"]["origin"] == "fab_tier"
    _, out, _ = bga_check("rules", "--pitch", "0.65", "--json")
    assert json.loads(out)["values"]["land_d_mm"]["origin"] == "fill_in"


def test_non_square_pitch_says_which_pitch_the_rows_use():
    code, out, _ = bga_check("rules", "--pitch", "0.8", "--pitch-y", "0.65")
    assert code == 0
    assert "0.8 x 0.65 mm" in out and "smaller pitch 0.65 mm" in out


def test_board_option_applies_the_override_file_and_leaves_the_board_alone(tmp_path):
    board = tmp_path / "demo.kicad_pcb"
    shutil.copy(CLEAN_BOARD, board)
    before = hashlib.sha256(board.read_bytes()).hexdigest()
    (tmp_path / "demo.bgacheck.toml").write_text(
        'fab_tier = "advanced"\n[rules]\n'
        'mask_web_min_mm = { value = 0.075, source = "Acme PCB quote 2025-03" }\n'
        '[[pitch]]\npitch_mm = 0.8\nland_d_mm = 0.45\n')
    code, out, err = bga_check("rules", "--board", str(board), "--pitch", "0.8", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["fab_tier"] == "advanced"
    assert data["override"]["file"].endswith("demo.bgacheck.toml")
    land, web = data["values"]["land_d_mm"], data["values"]["mask_web_min_mm"]
    assert (land["value"], land["origin"]) == (0.45, "override")
    assert (web["value"], web["origin"]) == (0.075, "override")
    assert web["source"] == "Acme PCB quote 2025-03"
    assert data["values"]["min_trace_w_mm"]["how"] == "fab tier advanced"
    code, out, _ = bga_check("rules", "--board", str(board), "--pitch", "0.8", "--fab-tier", "hdi",
                             "--json")
    assert json.loads(out)["fab_tier"] == "hdi"  # the command line wins over the file
    assert hashlib.sha256(board.read_bytes()).hexdigest() == before


def test_explain_shows_the_published_misprint_and_the_formula_that_replaces_it():
    code, out, _ = bga_check("rules", "--explain", "route_dist_pads_mm", "--pitch", "1.0")
    assert code == 0
    assert "formula: pitch - land_d_mm" in out
    assert "published: 19 mil / 0.33 mm" in out
    assert "DISAGREES: printed 0.33 mm is a misprint" in out
    assert "value: 0.5 mm" in out


def test_explain_without_pitch_covers_every_pitch_row_of_the_profile():
    code, out, _ = bga_check("rules", "--explain", "land_d_mm", "--json")
    assert code == 0
    data = json.loads(out)
    assert [a["pitch_x_mm"] for a in data["at"]] == [1.0, 0.92, 0.8, 0.5]
    assert [a["rule"]["value"] for a in data["at"]] == [0.50, 0.51, 0.40, 0.26]  # UG1099 Table 1 L
    assert all(a["rule"]["source"].startswith("UG1099 v2.0 Table 1") for a in data["at"])


@pytest.mark.parametrize("args,words", [
    (("--profile", "nope", "--pitch", "1"), "unknown rule profile 'nope'"),
    (("--pitch", "-1"), "pitch must be positive"),
    (("--pitch", "0"), "pitch must be positive"),
    (("--pitch", "nan"), "pitch must be positive"),
    (("--pitch", "abc"), "invalid float value"),
    (("--pitch", "1", "--fab-tier", "cheap"), "unknown fab tier 'cheap'"),
    (("--pitch-y", "0.65",), "--pitch-y needs --pitch"),
    (("--explain", "land_d"), "did you mean land_d_mm"),
    (("--profile", "common", "--pitch", "1"), "not a profile"),
    (("--board", "/no/such/board.kicad_pcb",), "no such file"),
])
def test_bad_profile_pitch_or_key_is_one_line_and_exit_2(args, words):
    code, out, err = bga_check("rules", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert "Traceback" not in err


def test_broken_override_file_is_one_line_and_exit_2(tmp_path):
    board = tmp_path / "b.kicad_pcb"
    board.write_text("(kicad_pcb)\n")
    (tmp_path / "b.bgacheck.toml").write_text("[rules]\nland_diameter = 0.4\n")
    code, _, err = bga_check("rules", "--board", str(board), "--pitch", "0.8")
    assert code == 2 and "unknown rule key 'land_diameter'" in err
    assert len(err.strip().splitlines()) == 1
