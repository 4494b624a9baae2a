"""`bga-check ci` end to end, with the real kicad-cli and pcbnew, on two boards.

- A board generated here (fixtures/fanout.py, see fixture_boards.write_board_with_findings), so
  the tests run in any clone: an 8 x 8 BGA at 0.8 mm with one ball left unfanned (an error);
  kicad-cli reports its dangling vias and tracks (warnings).

The comparisons with kicad-cli on its own run it as ``ci`` does: in ``ci``'s controlled KiCad
configuration, with ``--all-track-errors``, the footprint library checks left out.
- lpddr4-testbed (antmicro, Apache-2.0) from the shared real boards, skipped when that folder is
  absent: kicad-cli 9.0.8 finds 162 errors and warnings, 68 of them footprint library checks
  that `ci` leaves out (the designer excluded 199 more in the project file), and the BGA checks
  report channel findings on its 0.8 x 0.65 mm LPDDR4 array.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
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


def kicad_alone(board_dir, name, out="kicad.json"):
    """kicad-cli's own DRC of a board as `ci` runs it (its configuration and options), with the
    footprint library checks taken out."""
    from bgacheck.core.kicad_drc_merge import LIBRARY_CHECKS
    from bgacheck.kicad.kicad_cli import kicad_cli

    with tempfile.TemporaryDirectory() as tmp:
        cli = kicad_cli(tmp)
        subprocess.run([cli.exe, "pcb", "drc", "--format", "json", "--severity-error",
                        "--severity-warning", "--all-track-errors", "-o", out, name],
                       cwd=board_dir, capture_output=True, timeout=HANG_GUARD_S, check=True,
                       env=cli.env)
    drc = json.loads((Path(board_dir) / out).read_text())
    drc["violations"] = [v for v in drc["violations"] if v["type"] not in LIBRARY_CHECKS]
    return drc


@pytest.fixture(scope="module")
def full_run(board):
    """One `ci` run with KiCad's DRC, plus what kicad-cli and `check` say on their own."""
    board_dir, name = board.dir, board.name
    before = hashlib.sha256((board_dir / name).read_bytes()).hexdigest()
    code, out, err = _run(["ci", name, "--out-dir", "out"], board_dir)
    after = hashlib.sha256((board_dir / name).read_bytes()).hexdigest()
    check = _run(["check", name, "--format", "json", "-o", "check.json"], board_dir)
    assert check[0] in (0, 1), check[2]
    return {"code": code, "out": out, "err": err, "changed": before != after,
            "merged": json.loads((board_dir / "out" / FILES[0]).read_text()),
            "kicad": kicad_alone(board_dir, name),
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
    assert merged["bga_check"]["new"] >= len(_found(merged))  # items: a via group is many
    assert merged["bga_check"]["waived"] == 0
    assert "DRC ran every check at the severities and exclusions of" in (
        merged["bga_check"]["kicad_drc"])


def test_new_warnings_fail_the_run_at_the_default_severity(full_run):
    assert full_run["code"] == 1
    first, second = full_run["out"].splitlines()[:2]
    assert first.startswith("bga-check ci: KiCad ") and "left to the project's own DRC" in first
    assert second.startswith("bga-check ci: FAIL")


def test_other_formats_agree_with_the_merged_json(full_run, board):
    out = board.dir / "out"
    sarif = json.loads((out / "bga-check.sarif").read_text())
    ours = [v for v in full_run["merged"]["violations"] if v["type"].startswith("bga_")]
    assert len(sarif["runs"][0]["results"]) == len(ours)
    assert len(sarif["runs"][1]["results"]) == len(_found(full_run["kicad"]))
    root = ET.parse(out / "bga-check.junit.xml").getroot()
    assert [s.get("name") for s in root.findall("testsuite")] == (
        ["bga-check.U1", "bga-check.board", "kicad-drc"])
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


def test_missing_kicad_cli_exits_3_with_reports_unless_kicad_drc_is_off(board, tmp_path):
    board_dir, name = board.dir, board.name
    env = dict(os.environ, PATH=str(tmp_path))  # no kicad-cli on this PATH
    code, out, err = _run(["ci", name, "--out-dir", "nokicad"], board_dir, env)
    assert code == 3, err
    assert "kicad-cli not found on PATH" in err and "--no-kicad-drc" in err
    assert len(err.splitlines()) == 1
    for f in FILES:  # minimal reports for `if: always()` steps
        assert (board_dir / "nokicad" / f).stat().st_size > 0, f
    assert json.loads((board_dir / "nokicad" / FILES[0]).read_text())["bga_check"][
        "exit_code"] == 3
    assert (board_dir / "nokicad" / FILES[3]).read_text().startswith("## BGA check: ERROR")
    code, out, err = _run(["ci", name, "--out-dir", "nokicad2", "--no-kicad-drc"], board_dir,
                          env)
    assert code in (0, 1) and err == ""
    assert "KiCad DRC not run (--no-kicad-drc)" in out


def test_baseline_accepts_known_findings_and_fails_only_on_new_ones(board):
    board_dir, name = board.dir, board.name
    code, out, _ = _run(["ci", name, "--out-dir", "b1", "--write-baseline", "base.json"],
                        board_dir)
    assert code == 0
    first = json.loads((board_dir / "b1" / FILES[0]).read_text())
    # the same word everywhere: the run fails without its new baseline, and says so
    assert "bga-check ci: FAIL: " in out and "PASS" not in out
    assert "baseline accepting all" in out and "exit 0 as --write-baseline asks" in out
    assert first["bga_check"]["verdict"] == "FAIL"
    assert (board_dir / "b1" / FILES[3]).read_text().startswith("## BGA check: FAIL")
    base = json.loads((board_dir / "base.json").read_text())
    assert base["bga_check_baseline"] == 2
    assert 0 < len(base["waivers"]) <= first["bga_check"]["new"]  # one per item
    assert all("item" in w for w in base["waivers"] if w["origin"] == "bga-check"
               and w["rule"] in FINDINGS_RULES)
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
    assert json.loads((board_dir / "b3" / FILES[0]).read_text())["bga_check"]["new"] == 1
    summary = (board_dir / "b3" / FILES[3]).read_text()
    assert "### Failing (1)" in summary
    assert dropped["message"].replace("|", "\\|")[:60] in summary


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


# ---- item waivers on a generated board: vias moved and fixed ----------------------------------

OFF_CENTRE = ("C2", "C3", "D2", "D3")
"""Balls whose dog-bone vias the tests move towards their ball: one grouped pad_to_via warning."""


def _via_of(ball, pitch=0.8):
    """Board position [nm] of the dog-bone via of a ball on the generated 8 x 8 board, and the
    unit step towards its ball."""
    from fixture_boards import fanout

    fx = fanout()
    r, c = fx.ROW_LETTERS.index(ball[0]), int(ball[1:]) - 1
    ox, oy = fx.ORIGIN_MM
    sx, sy = (-1 if c < 4 else 1), (-1 if r < 4 else 1)
    x, y = ox + (c - 3.5) * pitch + sx * pitch / 2, oy + (r - 3.5) * pitch + sy * pitch / 2
    return (round(x * 1e6), round(y * 1e6)), (-sx, -sy)


def _move_vias(pc, path, balls, back=False):
    """Move the dog-bone vias of ``balls`` 0.1 mm towards their balls (or back)."""
    b = pc.LoadBoard(str(path))
    step = 0.1e6 / 2 ** 0.5
    for ball in balls:
        (x, y), (dx, dy) = _via_of(ball)
        if back:
            x, y, dx, dy = round(x + dx * step), round(y + dy * step), -dx, -dy
        via = next(t for t in b.GetTracks() if t.Type() == pc.PCB_VIA_T
                   and (t.GetPosition().x, t.GetPosition().y) == (x, y))
        via.SetPosition(pc.VECTOR2I(round(x + dx * step), round(y + dy * step)))
    pc.SaveBoard(str(path), b)


@pytest.fixture
def moved(generated, pcbnew_module):
    """The generated board with four vias off centre, and a baseline accepting everything."""
    _move_vias(pcbnew_module, generated, OFF_CENTRE)
    code, out, err = _run(["ci", generated.name, "--no-kicad-drc", "--out-dir", "m0",
                           "--write-baseline", "base.json"], generated.parent)
    assert code == 0, err
    merged = json.loads((generated.parent / "m0" / FILES[0]).read_text())
    group = next(v for v in merged["violations"] if v["rule"] == "ug1099.t1.pad_to_via")
    assert sorted(group["pads"]) == sorted(OFF_CENTRE)
    return generated, merged


def test_a_via_moved_into_a_waived_group_fails_on_that_via_alone(moved, pcbnew_module):
    board, _ = moved
    assert _run(["ci", board.name, "--no-kicad-drc", "--out-dir", "m1", "--baseline",
                 "base.json"], board.parent)[0] == 0
    _move_vias(pcbnew_module, board, ["E2"])
    code, out, err = _run(["ci", board.name, "--no-kicad-drc", "--out-dir", "m2", "--baseline",
                           "base.json"], board.parent)
    assert code == 1, out
    merged = json.loads((board.parent / "m2" / FILES[0]).read_text())
    assert merged["bga_check"]["new_failing"] == 1 and merged["bga_check"]["new"] == 1
    (x, y), (dx, dy) = _via_of("E2")
    step = 0.1 / 2 ** 0.5
    what = f"via at ({x / 1e6 + dx * step:.4f}, {y / 1e6 + dy * step:.4f}) mm"
    summary = (board.parent / "m2" / FILES[3]).read_text()
    assert f"new: {what}; 4 waived" in summary
    junit = (board.parent / "m2" / FILES[1]).read_text()
    assert what in junit


def test_fixing_one_waived_via_passes_and_leaves_one_stale_waiver(moved, pcbnew_module):
    board, _ = moved
    _move_vias(pcbnew_module, board, ["C3"], back=True)
    code, out, err = _run(["ci", board.name, "--no-kicad-drc", "--out-dir", "m3", "--baseline",
                           "base.json"], board.parent)
    assert code == 0, out
    assert err.startswith("bga-check ci: stale waiver (matches nothing): rule "
                          "ug1099.t1.pad_to_via ref U1 item via:")
    assert len(err.splitlines()) == 1
    assert _run(["ci", board.name, "--no-kicad-drc", "--out-dir", "m4", "--baseline",
                 "base.json", "--fail-on-stale"], board.parent)[0] == 1


def test_a_format_1_baseline_still_reads_and_a_fixed_via_passes(moved, pcbnew_module):
    """Baselines written before items had keys (one waiver per finding, its balls and uuids)."""
    board, merged = moved
    old = [{"origin": "bga-check", "rule": v["rule"], "ref": v["ref"],
            **({"balls": v["pads"]} if v.get("pads") else {}),
            **({"items": sorted(i["uuid"] for i in v["items"] if i["uuid"])}
               if any(i["uuid"] for i in v["items"]) else {})}
           for v in merged["violations"]]
    (board.parent / "old.json").write_text(json.dumps({"bga_check_baseline": 1,
                                                       "waivers": old}))
    _move_vias(pcbnew_module, board, ["C3"], back=True)
    code, out, err = _run(["ci", board.name, "--no-kicad-drc", "--out-dir", "m5", "--baseline",
                           "old.json"], board.parent)
    assert code == 0, out + err


def test_kicad_waivers_are_matched_per_violation_and_not_stale_without_kicad(generated):
    d = generated.parent
    assert _run(["ci", generated.name, "--out-dir", "k0", "--write-baseline", "kb.json"], d)[0] == 0
    base = json.loads((d / "kb.json").read_text())
    kicad = [w for w in base["waivers"] if w["origin"] == "kicad"]
    assert kicad and len({w["item"] for w in kicad}) == len(kicad)
    code, out, err = _run(["ci", generated.name, "--out-dir", "k1", "--baseline", "kb.json"], d)
    assert code == 0 and err == "", out + err
    code, out, err = _run(["ci", generated.name, "--out-dir", "k2", "--baseline", "kb.json",
                           "--no-kicad-drc", "--fail-on-stale"], d)
    assert code == 0 and "stale" not in err, out + err


# ---- where reports go, and what they say when the run cannot finish ---------------------------

def test_sarif_paths_are_relative_to_the_repository_root(generated, tmp_path):
    repo = tmp_path / "repo"
    board = copy_board(generated, repo / "hw")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for cwd, arg in ((repo, "hw/" + board.name), (repo / "hw", board.name)):
        code, out, err = _run(["ci", arg, "--no-kicad-drc", "--out-dir", str(tmp_path / "o")],
                              cwd)
        assert code in (0, 1), err
        sarif = json.loads((tmp_path / "o" / "bga-check.sarif").read_text())
        run = sarif["runs"][0]
        assert run["artifacts"][0]["location"]["uri"] == "hw/" + board.name
        assert run["automationDetails"]["id"] == f"bga-check/hw/{board.name}/"
    _run(["ci", board.name, "--no-kicad-drc", "--out-dir", str(tmp_path / "o2"),
          "--source-root", str(repo / "hw")], repo / "hw")
    sarif = json.loads((tmp_path / "o2" / "bga-check.sarif").read_text())
    assert sarif["runs"][0]["artifacts"][0]["location"]["uri"] == board.name


def test_an_output_folder_that_cannot_be_written_stops_at_once_with_exit_2(generated):
    d = generated.parent
    (d / "plain-file").write_text("not a folder\n")  # a path under a regular file: even root
    code, out, err = _run(["ci", generated.name, "--out-dir", "plain-file/reports"], d)
    assert code == 2, out + err
    assert "cannot write the reports to plain-file/reports" in err
    assert out == ""  # stopped before any check or kicad-cli run
    code, out, err = _run(["ci", generated.name, "--no-kicad-drc", "--write-baseline",
                           "plain-file/base.json"], d)
    assert code == 2 and "cannot write the baseline" in err


def test_a_missing_board_still_writes_a_minimal_report_of_each_kind(tmp_path):
    code, out, err = _run(["ci", "hw/gone.kicad_pcb", "--out-dir", "r"], tmp_path)
    assert code == 2 and "board file not found: hw/gone.kicad_pcb" in err
    for f in FILES:
        assert (tmp_path / "r" / f).stat().st_size > 0, f
    root = ET.parse(tmp_path / "r" / FILES[1]).getroot()
    assert root.get("errors") == "1"
    sarif = json.loads((tmp_path / "r" / FILES[2]).read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "board file not found" in (tmp_path / "r" / FILES[4]).read_text()


def test_kicad_runs_in_its_own_configuration_without_library_noise(generated, tmp_path):
    """A CI user has no global footprint library table: ci gives kicad-cli KiCad's template
    tables in a folder of its own and leaves the library checks to the project's DRC."""
    d = generated.parent
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KICAD_CONFIG_HOME",
                                                            "XDG_CONFIG_HOME")}
    env["HOME"] = str(home)
    code, out, err = _run(["ci", generated.name, "--out-dir", "c1"], d, env)
    merged = json.loads((d / "c1" / FILES[0]).read_text())
    assert not {v["type"] for v in merged["violations"]} & {"lib_footprint_issues",
                                                            "lib_footprint_mismatch"}
    assert sum(merged["bga_check"]["kicad_left_out"].values()) > 0
    assert "footprint library checks (lib_footprint_issues, lib_footprint_mismatch) left to " \
           "the project's own DRC" in out.splitlines()[0]
    # the template table went into ci's own folder, not into the user's configuration
    assert not list(home.glob(".config/kicad/*/fp-lib-table"))
    code, out, err = _run(["ci", generated.name, "--out-dir", "c2", "--kicad-library-checks"],
                          d, env)
    merged = json.loads((d / "c2" / FILES[0]).read_text())
    assert "lib_footprint_issues" in {v["type"] for v in merged["violations"]}
    assert "KiCad's template library table" in out.splitlines()[0]


def test_a_project_rules_file_that_does_not_parse_stops_ci_with_its_line(generated):
    d = generated.parent
    rules = generated.with_suffix(".kicad_dru")
    rules.write_text('(version 1)\n\n(rule "mine"\n  (constraint clearence (min 0.2mm))\n'
                     "  (condition \"A.Type == 'Track'\"))\n")
    code, out, err = _run(["ci", generated.name, "--out-dir", "t"], d)
    assert code == 2, out
    assert f"{rules.name}:3: kicad-cli" in err and "does not parse" in err
    assert "ran every check" not in out
    assert (d / "t" / FILES[3]).read_text().startswith("## BGA check: ERROR")
