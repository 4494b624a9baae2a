"""`bga-check check` end to end through a real subprocess: output shapes, exit codes, no writes."""
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.kicad

BOARD = "glasgow-revC3/glasgow.kicad_pcb"


def run(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "bgacheck", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)


@pytest.fixture
def board(tmp_path, shared_boards, pcbnew_module):
    dst = tmp_path / "glasgow.kicad_pcb"
    shutil.copy(shared_boards / BOARD, dst)
    return dst


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_text_report_has_one_block_per_bga_and_leaves_the_board_untouched(board):
    before = sha(board)
    res = run("check", str(board), "--severity", "error")
    assert res.returncode in (0, 1), res.stderr
    assert "U30  Package_BGA:BGA-121" in res.stdout
    assert "balls 121 in 11 rows x 11 cols, pitch 0.8 mm" in res.stdout
    assert sha(board) == before
    assert sorted(p.name for p in board.parent.iterdir()) == ["glasgow.kicad_pcb"]


def test_json_report_follows_kicad_cli_drc_shape_and_lists_bgas(board, tmp_path):
    out = tmp_path / "report.json"
    res = run("check", str(board), "--format", "json", "-o", str(out))
    assert res.returncode in (0, 1), res.stderr
    data = json.loads(out.read_text())
    for key in ("$schema", "source", "date", "kicad_version", "coordinate_units", "violations"):
        assert key in data
    assert data["coordinate_units"] == "mm"
    (bga,) = data["bgas"]
    assert bga["ref"] == "U30" and bga["balls"] == 121 and bga["rows"] == bga["cols"] == 11
    assert bga["pitch_mm"] == [0.8, 0.8]
    for key in ("footprint", "side", "depopulated", "land_d_mm", "mask_opening_d_mm", "pad_type"):
        assert key in bga
    for v in data["violations"]:
        assert {"type", "severity", "description", "items", "rule", "measured", "limit",
                "source"} <= set(v)
        assert v["type"].startswith("bga_")
        assert all({"description", "pos", "uuid"} <= set(i) for i in v["items"])


def test_exit_code_follows_the_chosen_severity(board):
    strict = run("check", str(board), "--severity", "info", "--format", "json")
    data = json.loads(strict.stdout)
    assert strict.returncode == (1 if data["violations"] else 0)
    errors = [v for v in data["violations"] if v["severity"] == "error"]
    lenient = run("check", str(board), "--severity", "error", "--format", "json")
    assert lenient.returncode == (1 if errors else 0)


@pytest.mark.parametrize("make,needle", [
    (lambda d: d / "missing.kicad_pcb", "no such file"),
    (lambda d: d, "is a directory"),
    (lambda d: _write(d / "notes.kicad_pcb", b"hello"), "not a KiCad board file"),
    (lambda d: _truncated(d), "truncated or corrupt"),
    (lambda d: _newer(d), "newer than this KiCad"),
])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, shared_boards, pcbnew_module, make, needle):
    path = make(tmp_path)
    res = run("check", str(path))
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_usage_errors_exit_2_with_one_line(tmp_path):
    res = run("check")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    res = run("check", "x.kicad_pcb", "--format", "yaml")
    assert res.returncode == 2 and "invalid choice" in res.stderr


def _write(path, data):
    path.write_bytes(data)
    return path


def _truncated(d):
    from paths import SHARED_BOARDS
    data = (SHARED_BOARDS / BOARD).read_bytes()
    return _write(d / "cut.kicad_pcb", data[: len(data) // 3])


def _newer(d):
    from paths import SHARED_BOARDS
    data = (SHARED_BOARDS / BOARD).read_bytes()
    import re
    data = re.sub(rb"\(version \d+\)", b"(version 29991231)", data, count=1)
    return _write(d / "future.kicad_pcb", data)


@pytest.mark.parametrize("fmt,marker", [("html", "<svg"), ("sarif", '"version": "2.1.0"'),
                                        ("junit", "<testsuites"), ("markdown", "| U30 |")])
def test_every_report_format_renders_the_same_check(board, tmp_path, fmt, marker):
    out = tmp_path / f"report.{fmt}"
    res = run("check", str(board), "--format", fmt, "-o", str(out), "--severity", "error")
    assert res.returncode in (0, 1), res.stderr
    assert marker in out.read_text()


def test_report_is_never_written_over_the_board(board):
    before = sha(board)
    res = run("check", str(board), "-o", str(board))
    assert res.returncode == 2 and "over the board file" in res.stderr
    assert sha(board) == before
