"""`bga-check check --warpage-mm` (and --board-warpage-mm, --package-mass-g) on a generated
board: the assembly review takes them, and a value out of range is one line and exit code 2."""
import json
import os
import subprocess
import sys

import pytest

from paths import REPO

BOARD = REPO / "fixtures" / "boards" / "bga-assembly-thermal-corner.kicad_pcb"


def run(*args):
    return subprocess.run([sys.executable, "-m", "bgacheck", *args], capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, PYTHONWARNINGS="ignore"))


def assembly(res):
    assert res.returncode in (0, 1), res.stderr
    return json.loads(res.stdout)["bgas"][0]["extra"]["assembly"]


def test_warpage_option_reaches_the_review_and_an_open_joint_fails_the_run():
    res = run("check", str(BOARD), "--format", "json", "--warpage-mm", "0.2",
              "--package-mass-g", "0.4", "--reader", "native")
    a = assembly(res)
    assert a["warpage_mm"] == 0.2 and a["warpage_given"] and a["package_mass_g"] == 0.4
    assert a["warpage_source"] == "option --warpage-mm"
    assert res.returncode == 1  # a head-in-pillow error
    rules = {v["rule"] for v in json.loads(res.stdout)["violations"] if v["severity"] == "error"}
    assert "assembly.head_in_pillow" in rules


def test_board_warpage_the_same_way_gives_a_flat_joint_field():
    a = assembly(run("check", str(BOARD), "--format", "json", "--warpage-mm", "0.2",
                     "--board-warpage-mm", "0.2", "--reader", "native"))
    assert a["relative_warpage_mm"] == 0.0
    assert max(a["per_ball_height_mm"]) - min(a["per_ball_height_mm"]) < 1e-4


@pytest.mark.parametrize("flag, value", [("--warpage-mm", "1.5"), ("--warpage-mm", "flat"),
                                         ("--package-mass-g", "0")])
def test_out_of_range_values_are_one_line_and_exit_2(flag, value):
    res = run("check", str(BOARD), flag, value)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and flag in res.stderr
