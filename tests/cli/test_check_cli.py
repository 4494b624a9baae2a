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


@pytest.fixture
def clean_board(tmp_path, pcbnew_module):
    """The generated 0.8 mm fixture board with its project files, copied out of the repo."""
    from paths import REPO

    for src in (REPO / "fixtures/boards").glob("bga-0.8mm-clean.*"):
        shutil.copy(src, tmp_path / src.name)
    return tmp_path / "bga-0.8mm-clean.kicad_pcb"


def _severities(board):
    res = run("check", str(board), "--format", "json", "--severity", "info")
    assert res.returncode in (0, 1), res.stderr
    return [v["severity"] for v in json.loads(res.stdout)["violations"]]


def _listed(text):
    return [ln for ln in text.splitlines() if ln.split(" ", 1)[0] in ("ERROR", "WARNING", "NOTE")]


def test_text_report_hides_notes_unless_severity_info(clean_board):
    severities = _severities(clean_board)
    notes = severities.count("info")
    assert notes, "the fixture board is expected to give at least one note (the standoff)"
    default = run("check", str(clean_board))
    assert default.returncode in (0, 1), default.stderr
    assert not [ln for ln in _listed(default.stdout) if ln.startswith("NOTE")]
    assert f"{notes} note{'s' if notes != 1 else ''} hidden; --severity info shows" \
        in default.stdout
    assert len(_listed(default.stdout)) == len(severities) - notes
    shown = run("check", str(clean_board), "--severity", "info")
    assert shown.returncode == 1
    assert len([ln for ln in _listed(shown.stdout) if ln.startswith("NOTE")]) == notes
    assert "hidden" not in shown.stdout
    assert "verdict  FAIL at --severity info" in shown.stdout


def test_text_report_summary_and_lines_stay_short(clean_board):
    severities = _severities(clean_board)
    res = run("check", str(clean_board), "--severity", "error")
    lines = res.stdout.splitlines()
    assert lines[1].startswith("board    ") and lines[2].startswith("BGAs     1: U1")
    verdict = "FAIL" if "error" in severities else "PASS"
    assert lines[3] == f"verdict  {verdict} at --severity error"
    assert res.returncode == (1 if verdict == "FAIL" else 0)
    assert {ln.split()[0] for ln in _listed(res.stdout)} <= {"ERROR"}
    body = res.stdout.split("\nSources:\n")[0]
    assert all(len(ln) <= 160 for ln in body.splitlines())


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
    (lambda d: _truncated(d), "unexpected end of file"),
    (lambda d: _newer(d), "newer than this KiCad"),
])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, pcbnew_module, make, needle):
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


def _good_board_bytes():
    """A valid board to spoil: the committed generated one, present in every clone."""
    from paths import REPO
    return (REPO / "fixtures/boards/bga-0.8mm-clean.kicad_pcb").read_bytes()


def _truncated(d):
    data = _good_board_bytes()
    return _write(d / "cut.kicad_pcb", data[: len(data) // 3])


def _newer(d):
    data = _good_board_bytes()
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
