"""`bga-check standoff` through the command line, in process: output, JSON keys, exit codes."""
import json

import pytest

from bgacheck.cli import main


def run(capsys, *argv):
    try:
        code = main(["standoff", *argv])
    except SystemExit as exc:  # argparse rejects a flag
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


SEED = ["--ball-d", "0.25", "--pkg-pad", "0.25", "--pkg-pad-type", "smd", "--board-pad", "0.25",
        "--board-pad-type", "nsmd", "--stencil", "0.1", "--aperture", "0.25"]


def test_seed_case_prints_height_collapse_tolerance_and_planes(capsys):
    code, out, _ = run(capsys, *SEED)
    assert code == 0
    assert "height" in out and "collapse" in out and "RSS" in out and "solder-mask surface" in out


def test_json_has_the_documented_keys(capsys):
    code, out, _ = run(capsys, *SEED, "--mass-g", "0.399", "--balls", "233", "--json")
    rep = json.loads(out)
    assert code == 0 and rep["valid"] is True
    for key in ("height_mm", "collapse_mm", "tolerance_mm", "reference_planes", "valid", "message",
                "rim_angle_board_deg", "rim_angle_pkg_deg"):
        assert key in rep
    assert rep["load_mg_per_ball"] == pytest.approx(399 / 233, rel=1e-5)


def test_physics_flags_reproduce_brakke_bga5(capsys):
    code, out, _ = run(capsys, "--volume-mm3", str(1.3 * 3.141592653589793 * 1.2), "--pkg-pad", "2",
                       "--pkg-pad-type", "disk", "--board-pad", "2", "--board-pad-type", "disk",
                       "--load-mg-per-ball", str(2.0 / 9.80665e-3), "--surface-tension", "0.48",
                       "--density", "9", "--json")
    assert code == 0
    assert json.loads(out)["height_mm"] == pytest.approx(1.045, abs=0.01)


def test_no_gravity_zero_load_equals_no_load(capsys):
    _, plain, _ = run(capsys, *SEED, "--json")
    _, weightless, _ = run(capsys, *SEED, "--load-mg-per-ball", "0", "--no-gravity", "--json")
    assert json.loads(plain)["height_mm"] == json.loads(weightless)["height_mm"]


def test_hanging_load_raises_the_joint(capsys):
    _, plain, _ = run(capsys, *SEED, "--json")
    code, hanging, _ = run(capsys, *SEED, "--load-mg-per-ball", "-5", "--json")
    assert code == 0
    assert json.loads(hanging)["height_mm"] > json.loads(plain)["height_mm"]


def test_overload_is_invalid_with_exit_1_and_null_height(capsys):
    code, out, _ = run(capsys, *SEED, "--load-mg-per-ball", "100", "--json")
    rep = json.loads(out)
    assert code == 1 and rep["valid"] is False and rep["height_mm"] is None
    assert "pad plane" in rep["message"] or "equilibrium" in rep["message"]


def test_open_joint_exits_1_in_text_mode(capsys):
    code, out, _ = run(capsys, "--ball-d", "0.05", "--pkg-pad", "0.25", "--board-pad", "0.25",
                       "--aperture-shape", "none")
    assert code == 1 and "insufficient solder" in out


@pytest.mark.parametrize("argv, first_line", [
    (["--ball-d", "-0.1", "--pkg-pad", "0.25", "--board-pad", "0.25"], "--ball-d must be >= 0"),
    (["--ball-d", "nan", "--pkg-pad", "0.25", "--board-pad", "0.25"],
     "--ball-d must be a finite number"),
    (["--pkg-pad", "0.25", "--board-pad", "0.25", "--mass-g", "1"], "--mass-g needs --balls"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, first_line):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and first_line in err


def test_unknown_pad_type_is_rejected_by_argparse_with_exit_2(capsys):
    code, _, err = run(capsys, "--pkg-pad", "0.25", "--board-pad", "0.25", "--board-pad-type",
                       "foo")
    assert code == 2 and "invalid choice" in err
