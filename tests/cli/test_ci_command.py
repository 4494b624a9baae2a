"""`bga-check ci` end to end on a real board, with the real kicad-cli and pcbnew.

lpddr4-testbed (antmicro, Apache-2.0) is used because both tools report on it: kicad-cli
9.0.8 finds 162 errors and warnings (the designer excluded 199 more in the project file), and
the BGA checks report channel findings on its 0.8 x 0.65 mm LPDDR4 array.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from paths import SHARED_BOARDS  # noqa: E402

pytestmark = pytest.mark.kicad

BOARD_DIR = SHARED_BOARDS / "lpddr4-testbed"
BOARD = "lpddr4-testbed.kicad_pcb"
FILES = ("bga-check.json", "bga-check.junit.xml", "bga-check.sarif", "bga-check.md",
         "bga-check.html")
HANG_GUARD_S = 900


def _run(args, cwd, env=None):
    """`python -m bgacheck ARGS` in cwd; returns (exit code, stdout, stderr without wx noise)."""
    proc = subprocess.run([sys.executable, "-m", "bgacheck", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=HANG_GUARD_S)
    err = "\n".join(ln for ln in proc.stderr.splitlines() if "Debug:" not in ln)
    return proc.returncode, proc.stdout, err


@pytest.fixture(scope="module")
def board_dir(tmp_path_factory):
    if shutil.which("kicad-cli") is None:
        pytest.skip("kicad-cli not installed")
    d = tmp_path_factory.mktemp("lpddr4")
    for f in BOARD_DIR.iterdir():
        shutil.copy(f, d / f.name)
        os.chmod(d / f.name, 0o644)
    return d


@pytest.fixture(scope="module")
def full_run(board_dir):
    """One `ci` run with KiCad's DRC, plus what kicad-cli and `check` say on their own."""
    before = hashlib.sha256((board_dir / BOARD).read_bytes()).hexdigest()
    code, out, err = _run(["ci", BOARD, "--out-dir", "out"], board_dir)
    after = hashlib.sha256((board_dir / BOARD).read_bytes()).hexdigest()
    subprocess.run(["kicad-cli", "pcb", "drc", "--format", "json", "-o", "kicad.json", BOARD],
                   cwd=board_dir, capture_output=True, timeout=HANG_GUARD_S, check=True)
    check = _run(["check", BOARD, "--format", "json", "-o", "check.json"], board_dir)
    assert check[0] in (0, 1), check[2]
    return {"code": code, "out": out, "err": err, "changed": before != after,
            "merged": json.loads((board_dir / "out" / FILES[0]).read_text()),
            "kicad": json.loads((board_dir / "kicad.json").read_text()),
            "check": json.loads((board_dir / "check.json").read_text())}


def _ids(violations):
    return Counter((v["type"], v["severity"], tuple(i["uuid"] for i in v["items"]))
                   for v in violations)


def test_ci_writes_every_report_and_leaves_the_board_alone(full_run, board_dir):
    for name in FILES:
        assert (board_dir / "out" / name).stat().st_size > 0, name
    assert not full_run["changed"]
    assert full_run["err"] == ""
    assert "reports in out" in full_run["out"]


def test_merged_json_holds_kicads_violations_and_ours(full_run):
    merged, kicad, check = full_run["merged"], full_run["kicad"], full_run["check"]
    ours = [v for v in merged["violations"] if v["type"].startswith("bga_")]
    theirs = [v for v in merged["violations"] if not v["type"].startswith("bga_")]
    assert ours, "the BGA checks report channel findings on this board"
    assert _ids(theirs) == _ids(kicad["violations"])
    assert _ids(ours) == _ids(check["violations"])
    assert merged["kicad_version"] == kicad["kicad_version"]
    assert [b["ref"] for b in merged["bgas"]] == ["U1"]
    assert merged["bga_check"]["new"] == len(merged["violations"])
    assert merged["bga_check"]["kicad_drc"] == "ran"


def test_new_warnings_fail_the_run_at_the_default_severity(full_run):
    assert full_run["code"] == 1
    assert full_run["out"].startswith("bga-check ci: FAIL")


def test_other_formats_agree_with_the_merged_json(full_run, board_dir):
    out = board_dir / "out"
    sarif = json.loads((out / "bga-check.sarif").read_text())
    ours = [v for v in full_run["merged"]["violations"] if v["type"].startswith("bga_")]
    assert len(sarif["runs"][0]["results"]) == len(ours)
    assert len(sarif["runs"][1]["results"]) == len(full_run["kicad"]["violations"])
    root = ET.parse(out / "bga-check.junit.xml").getroot()
    assert [s.get("name") for s in root.findall("testsuite")] == ["bga-check.U1", "kicad-drc"]
    assert int(root.get("failures")) > 0
    assert (out / "bga-check.md").read_text().startswith("## BGA check: FAIL")
    html = (out / "bga-check.html").read_text()
    assert html.count('class="ball ') == 200 + 64  # 200 balls and 64 depopulated sites


def test_without_kicad_drc_only_ours_are_reported(board_dir):
    code, out, err = _run(["ci", BOARD, "--out-dir", "own", "--no-kicad-drc"], board_dir)
    merged = json.loads((board_dir / "own" / FILES[0]).read_text())
    assert all(v["type"].startswith("bga_") for v in merged["violations"])
    assert merged["bga_check"]["kicad_drc"] == "not run (--no-kicad-drc)"
    assert "KiCad DRC: not run (--no-kicad-drc)" in (board_dir / "own" / FILES[3]).read_text()
    assert code == (1 if merged["violations"] else 0), err


def test_missing_kicad_cli_is_noted_and_the_checks_still_run(board_dir, tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no kicad-cli on this PATH
    code, out, err = _run(["ci", BOARD, "--out-dir", "nokicad"], board_dir, env)
    merged = json.loads((board_dir / "nokicad" / FILES[0]).read_text())
    assert merged["bga_check"]["kicad_drc"] == "not run: kicad-cli not found on PATH"
    assert "KiCad DRC not run: kicad-cli not found on PATH" in out
    assert err == ""


def test_baseline_accepts_known_findings_and_fails_only_on_new_ones(board_dir):
    code, out, _ = _run(["ci", BOARD, "--out-dir", "b1", "--write-baseline", "base.json"],
                        board_dir)
    assert code == 0
    base = json.loads((board_dir / "base.json").read_text())
    assert len(base["waivers"]) == len(set(
        (v["type"], tuple(i["uuid"] for i in v["items"]), tuple(v.get("pads", ())))
        for v in json.loads((board_dir / "b1" / FILES[0]).read_text())["violations"]))
    code, out, _ = _run(["ci", BOARD, "--out-dir", "b2", "--baseline", "base.json"], board_dir)
    assert code == 0, out
    assert json.loads((board_dir / "b2" / FILES[0]).read_text())["bga_check"]["new"] == 0

    dropped = next(w for w in base["waivers"]
                   if w["origin"] == "bga-check" and w["severity"] in ("warning", "error"))
    partial = dict(base, waivers=[w for w in base["waivers"] if w is not dropped])
    (board_dir / "partial.json").write_text(json.dumps(partial))
    code, out, _ = _run(["ci", BOARD, "--out-dir", "b3", "--baseline", "partial.json"],
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


def test_stale_waivers_are_reported_and_can_fail_the_run(board_dir):
    _run(["ci", BOARD, "--out-dir", "s0", "--write-baseline", "stale.json"], board_dir)
    base = json.loads((board_dir / "stale.json").read_text())
    ghost = {"rule": "ug1099.t1.pad_to_via", "ref": "U7", "balls": ["A1"]}
    base["waivers"].append(ghost)
    (board_dir / "stale.json").write_text(json.dumps(base))
    code, out, err = _run(["ci", BOARD, "--out-dir", "s1", "--baseline", "stale.json"],
                          board_dir)
    assert code == 0
    assert err == "bga-check ci: stale waiver (matches nothing): rule ug1099.t1.pad_to_via ref U7"
    merged = json.loads((board_dir / "s1" / FILES[0]).read_text())
    assert merged["bga_check"]["stale_waivers"] == [ghost]
    assert "### Stale waivers (1)" in (board_dir / "s1" / FILES[3]).read_text()
    code, _, _ = _run(["ci", BOARD, "--out-dir", "s2", "--baseline", "stale.json",
                       "--fail-on-stale"], board_dir)
    assert code == 1


def test_severity_threshold_decides_which_new_findings_fail(board_dir):
    _run(["ci", BOARD, "--out-dir", "t0", "--write-baseline", "sev.json"], board_dir)
    base = json.loads((board_dir / "sev.json").read_text())
    errors_only = dict(base, waivers=[w for w in base["waivers"] if w["severity"] == "error"])
    assert len(errors_only["waivers"]) < len(base["waivers"])
    (board_dir / "sev.json").write_text(json.dumps(errors_only))
    assert _run(["ci", BOARD, "--out-dir", "t1", "--baseline", "sev.json", "--severity",
                 "error"], board_dir)[0] == 0
    assert _run(["ci", BOARD, "--out-dir", "t2", "--baseline", "sev.json", "--severity",
                 "warning"], board_dir)[0] == 1


@pytest.mark.parametrize("args, words", [
    (["ci", "nope.kicad_pcb"], "board file not found: nope.kicad_pcb"),
    (["ci", BOARD, "--baseline", "missing.json", "--no-kicad-drc"],
     "baseline file not found: missing.json"),
    (["ci", "LICENSE", "--no-kicad-drc"], "LICENSE"),
])
def test_user_errors_exit_2_with_one_line(board_dir, args, words):
    code, out, err = _run(args + ["--out-dir", "err"], board_dir)
    assert code == 2
    assert len(err.splitlines()) == 1 and words in err
    assert "Traceback" not in err
