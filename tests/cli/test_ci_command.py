"""`bga-check ci` end to end, with the real kicad-cli and pcbnew, on two boards.

- A board generated here (fixtures/fanout.py, see fixture_boards.write_board_with_findings), so
  the tests run in any clone: an 8 x 8 BGA at 0.8 mm with one ball left unfanned (an error);
  kicad-cli reports its dangling vias and tracks (warnings).
- lpddr4-testbed (antmicro, Apache-2.0) from the shared real boards, skipped when that folder is
  absent: kicad-cli 9.0.8 finds 162 errors and warnings (the designer excluded 199 more in the
  project file), and the BGA checks report channel findings on its 0.8 x 0.65 mm LPDDR4 array.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixture_boards import FINDINGS_RULES, copy_board  # noqa: E402
from paths import REPO, shared_board  # noqa: E402

pytestmark = pytest.mark.kicad

REAL_BOARD = "lpddr4-testbed/lpddr4-testbed.kicad_pcb"
FILES = ("bga-check.json", "bga-check.junit.xml", "bga-check.sarif", "bga-check.md",
         "bga-check.html")
HANG_GUARD_S = 900


def _run(args, cwd, env=None):
    """`python -m bgacheck ARGS` in cwd; returns (exit code, stdout, stderr without wx noise)."""
    proc = subprocess.run([sys.executable, "-m", "bgacheck", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=HANG_GUARD_S)
    err = "\n".join(ln for ln in proc.stderr.splitlines() if "Debug:" not in ln)
    return proc.returncode, proc.stdout, err


@dataclass(frozen=True)
class Board:
    """A writable copy of a board, and what the tests expect of it."""

    dir: Path
    name: str
    ball_sites: int
    """Balls plus depopulated sites, each drawn once in the HTML ball map."""
    rules: tuple = ()
    """Rules of BGA findings known to be on the board."""


def _need_kicad_cli():
    if shutil.which("kicad-cli") is None:
        pytest.skip("kicad-cli not installed")


@pytest.fixture(scope="module", params=["generated", "lpddr4-testbed"])
def board(request, tmp_path_factory):
    _need_kicad_cli()
    d = tmp_path_factory.mktemp(request.param)
    if request.param == "generated":
        path = copy_board(request.getfixturevalue("generated_board"), d)
        return Board(d, path.name, 64, FINDINGS_RULES)
    src = shared_board(REAL_BOARD).parent
    for f in src.iterdir():
        shutil.copy(f, d / f.name)
        os.chmod(d / f.name, 0o644)
    return Board(d, Path(REAL_BOARD).name, 200 + 64)  # 200 balls and 64 depopulated sites


@pytest.fixture
def generated(generated_board, tmp_path):
    """A writable copy of the generated board, for tests that need any board."""
    _need_kicad_cli()
    return copy_board(generated_board, tmp_path)


@pytest.fixture(scope="module")
def full_run(board):
    """One `ci` run with KiCad's DRC, plus what kicad-cli and `check` say on their own."""
    board_dir, name = board.dir, board.name
    before = hashlib.sha256((board_dir / name).read_bytes()).hexdigest()
    code, out, err = _run(["ci", name, "--out-dir", "out"], board_dir)
    after = hashlib.sha256((board_dir / name).read_bytes()).hexdigest()
    subprocess.run(["kicad-cli", "pcb", "drc", "--format", "json", "-o", "kicad.json", name],
                   cwd=board_dir, capture_output=True, timeout=HANG_GUARD_S, check=True)
    check = _run(["check", name, "--format", "json", "-o", "check.json"], board_dir)
    assert check[0] in (0, 1), check[2]
    return {"code": code, "out": out, "err": err, "changed": before != after,
            "merged": json.loads((board_dir / "out" / FILES[0]).read_text()),
            "kicad": json.loads((board_dir / "kicad.json").read_text()),
            "check": json.loads((board_dir / "check.json").read_text())}


def _ids(violations):
    return Counter((v["type"], v["severity"], tuple(i["uuid"] for i in v["items"]))
                   for v in violations)


def _found(drc):
    """Everything a kicad-cli-shaped report holds against the board: violations, then KiCad's
    unconnected items (ci counts, waives and reports both)."""
    return drc["violations"] + drc.get("unconnected_items", [])


def test_ci_writes_every_report_and_leaves_the_board_alone(full_run, board):
    for name in FILES:
        assert (board.dir / "out" / name).stat().st_size > 0, name
    assert not full_run["changed"]
    assert full_run["err"] == ""
    assert "reports in out" in full_run["out"]


def test_merged_json_holds_kicads_violations_and_ours(full_run, board):
    merged, kicad, check = full_run["merged"], full_run["kicad"], full_run["check"]
    ours = [v for v in merged["violations"] if v["type"].startswith("bga_")]
    theirs = [v for v in merged["violations"] if not v["type"].startswith("bga_")]
    assert ours, "the BGA checks report findings on this board"
    assert theirs, "kicad-cli reports on this board"
    assert set(board.rules) <= {v["rule"] for v in ours}
    assert _ids(theirs) == _ids(kicad["violations"])
    assert _ids(merged["unconnected_items"]) == _ids(kicad["unconnected_items"])
    assert _ids(ours) == _ids(check["violations"])
    assert merged["kicad_version"] == kicad["kicad_version"]
    assert [b["ref"] for b in merged["bgas"]] == ["U1"]
    assert merged["bga_check"]["new"] == len(_found(merged))
    assert merged["bga_check"]["kicad_drc"] == "ran"


def test_new_warnings_fail_the_run_at_the_default_severity(full_run):
    assert full_run["code"] == 1
    assert full_run["out"].startswith("bga-check ci: FAIL")


def test_other_formats_agree_with_the_merged_json(full_run, board):
    out = board.dir / "out"
    sarif = json.loads((out / "bga-check.sarif").read_text())
    ours = [v for v in full_run["merged"]["violations"] if v["type"].startswith("bga_")]
    assert len(sarif["runs"][0]["results"]) == len(ours)
    assert len(sarif["runs"][1]["results"]) == len(_found(full_run["kicad"]))
    root = ET.parse(out / "bga-check.junit.xml").getroot()
    on_no_bga = [v for v in ours if not v.get("ref")]  # board-wide findings: their own suite
    assert [s.get("name") for s in root.findall("testsuite")] == (
        ["bga-check.U1"] + ["bga-check.board"] * bool(on_no_bga) + ["kicad-drc"])
    assert int(root.get("failures")) > 0
    assert (out / "bga-check.md").read_text().startswith("## BGA check: FAIL")
    html = (out / "bga-check.html").read_text()
    assert html.count('class="ball ') == board.ball_sites


def test_without_kicad_drc_only_ours_are_reported(board):
    board_dir, name = board.dir, board.name
    code, out, err = _run(["ci", name, "--out-dir", "own", "--no-kicad-drc"], board_dir)
    merged = json.loads((board_dir / "own" / FILES[0]).read_text())
    assert all(v["type"].startswith("bga_") for v in merged["violations"])
    assert merged["bga_check"]["kicad_drc"] == "not run (--no-kicad-drc)"
    assert "KiCad DRC: not run (--no-kicad-drc)" in (board_dir / "own" / FILES[3]).read_text()
    assert code == (1 if merged["violations"] else 0), err


def test_missing_kicad_cli_is_noted_and_the_checks_still_run(board, tmp_path):
    board_dir, name = board.dir, board.name
    env = dict(os.environ, PATH=str(tmp_path))  # no kicad-cli on this PATH
    code, out, err = _run(["ci", name, "--out-dir", "nokicad"], board_dir, env)
    merged = json.loads((board_dir / "nokicad" / FILES[0]).read_text())
    assert merged["bga_check"]["kicad_drc"] == "not run: kicad-cli not found on PATH"
    assert "KiCad DRC not run: kicad-cli not found on PATH" in out
    assert err == ""


def test_baseline_accepts_known_findings_and_fails_only_on_new_ones(board):
    board_dir, name = board.dir, board.name
    code, out, _ = _run(["ci", name, "--out-dir", "b1", "--write-baseline", "base.json"],
                        board_dir)
    assert code == 0
    base = json.loads((board_dir / "base.json").read_text())
    assert len(base["waivers"]) == len(set(
        (v["type"], tuple(i["uuid"] for i in v["items"]), tuple(v.get("pads", ())))
        for v in _found(json.loads((board_dir / "b1" / FILES[0]).read_text()))))
    code, out, _ = _run(["ci", name, "--out-dir", "b2", "--baseline", "base.json"], board_dir)
    assert code == 0, out
    assert json.loads((board_dir / "b2" / FILES[0]).read_text())["bga_check"]["new"] == 0

    dropped = next(w for w in base["waivers"]
                   if w["origin"] == "bga-check" and w["severity"] in ("warning", "error"))
    partial = dict(base, waivers=[w for w in base["waivers"] if w is not dropped])
    (board_dir / "partial.json").write_text(json.dumps(partial))
    code, out, _ = _run(["ci", name, "--out-dir", "b3", "--baseline", "partial.json"],
                        board_dir)
    assert code == 1
    written = json.loads((board_dir / "b1" / FILES[0]).read_text())["violations"]
    same = [v for v in written if v.get("rule") == dropped["rule"]
            and v.get("ref") == dropped["ref"] and v.get("pads", []) == dropped.get("balls", [])
            and sorted(i["uuid"] for i in v["items"] if i["uuid"]) == dropped.get("items", [])]
    assert json.loads((board_dir / "b3" / FILES[0]).read_text())["bga_check"]["new"] == len(same)
    summary = (board_dir / "b3" / FILES[3]).read_text()
    assert f"### New findings ({len(same)})" in summary
    assert dropped["message"].replace("|", "\\|") in summary


def test_stale_waivers_are_reported_and_can_fail_the_run(board):
    board_dir, name = board.dir, board.name
    _run(["ci", name, "--out-dir", "s0", "--write-baseline", "stale.json"], board_dir)
    base = json.loads((board_dir / "stale.json").read_text())
    ghost = {"rule": "ug1099.t1.pad_to_via", "ref": "U7", "balls": ["A1"]}
    base["waivers"].append(ghost)
    (board_dir / "stale.json").write_text(json.dumps(base))
    code, out, err = _run(["ci", name, "--out-dir", "s1", "--baseline", "stale.json"],
                          board_dir)
    assert code == 0
    assert err == "bga-check ci: stale waiver (matches nothing): rule ug1099.t1.pad_to_via ref U7"
    merged = json.loads((board_dir / "s1" / FILES[0]).read_text())
    assert merged["bga_check"]["stale_waivers"] == [ghost]
    assert "### Stale waivers (1)" in (board_dir / "s1" / FILES[3]).read_text()
    code, _, _ = _run(["ci", name, "--out-dir", "s2", "--baseline", "stale.json",
                       "--fail-on-stale"], board_dir)
    assert code == 1


def test_severity_threshold_decides_which_new_findings_fail(board):
    board_dir, name = board.dir, board.name
    _run(["ci", name, "--out-dir", "t0", "--write-baseline", "sev.json"], board_dir)
    base = json.loads((board_dir / "sev.json").read_text())
    errors_only = dict(base, waivers=[w for w in base["waivers"] if w["severity"] == "error"])
    assert len(errors_only["waivers"]) < len(base["waivers"])
    (board_dir / "sev.json").write_text(json.dumps(errors_only))
    assert _run(["ci", name, "--out-dir", "t1", "--baseline", "sev.json", "--severity",
                 "error"], board_dir)[0] == 0
    assert _run(["ci", name, "--out-dir", "t2", "--baseline", "sev.json", "--severity",
                 "warning"], board_dir)[0] == 1


@pytest.mark.parametrize("args, words", [
    (["ci", "nope.kicad_pcb"], "board file not found: nope.kicad_pcb"),
    (["ci", "{board}", "--baseline", "missing.json", "--no-kicad-drc"],
     "baseline file not found: missing.json"),
    (["ci", "LICENSE", "--no-kicad-drc"], "LICENSE"),
])
def test_user_errors_exit_2_with_one_line(generated, args, words):
    shutil.copy(REPO / "LICENSE", generated.parent / "LICENSE")  # a file that is no board
    args = [a.format(board=generated.name) for a in args]
    code, out, err = _run(args + ["--out-dir", "err"], generated.parent)
    assert code == 2
    assert len(err.splitlines()) == 1 and words in err
    assert "Traceback" not in err
