"""Generated KiCad custom rules: what they enforce, that they never loosen a project rule, that
KiCad parses every file we write, and that the merge into a project's rules comes out again.

The DRC half runs the real ``kicad-cli pcb drc`` on boards from fixtures/fanout.py (copied to a
temporary folder). The fixtures' own board setup asks exactly the fab tier's minimums, so no rule
would be generated for them; ``loosen`` lowers the project's settings below the tier (as many
real projects have them) so that every rule is generated. kicad-cli 9.0.8 drops a whole rules
file without a word when it does not parse, so the clean runs carry a rule of the project's own
that must fire: it proves the merged file parsed.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from bgacheck.api import CheckOptions, UserError
from bgacheck.cli.rules import add_board_arguments, remove_rules, run_board, write_rules
from bgacheck.core import kicad_rules_file as dru
from bgacheck.core.kicad_rules_file import rules_path_for
from bgacheck.kicad.kicad_cli import check_parses

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("fixtures_fanout", ROOT / "fixtures" / "fanout.py")
fx = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fx  # dataclasses look their module up
_spec.loader.exec_module(fx)

PROJECT_RULES = """(version 1)

# the project's own rule, kept by the merge; it fires on every track of the fixtures
(rule "project edge rule"
  (constraint edge_clearance (min 1000mm))
  (condition "A.Type == 'Track'"))
"""
BLOCK_V1 = (f"{dru.BEGIN}\n(rule \"bga-check U1 clearance\"\n"
            "  (constraint clearance (min 0.1mm))\n"
            f"  (condition \"A.Type == 'Track'\"))\n{dru.END}\n")
BLOCK_V2 = BLOCK_V1.replace("0.1mm", "0.12mm")
REPORT_ERRORS = ("clearance.", "fab.min_drill", "fab.annular_ring", "fab.trace_width")
"""The report's rule ids that generated rules mirror."""


# ---- merge and remove (no KiCad needed) -------------------------------------------------------

def test_merge_into_new_file_puts_a_version_clause_inside_the_block():
    text = dru.merge_rules(None, BLOCK_V1)
    assert text.startswith(dru.BEGIN + "\n")
    assert text.count("(version 1)") == 1 and text.count(dru.BEGIN) == 1
    assert dru.remove_rules(text) == (None, True)  # it made the file: it deletes it


def test_merge_puts_the_block_first_so_that_project_rules_come_after_it():
    text = dru.merge_rules(PROJECT_RULES, BLOCK_V1)
    assert text.startswith("(version 1)\n" + dru.BEGIN)
    assert text.index(dru.END) < text.index("project edge rule")
    assert text.replace(text[text.index(dru.BEGIN):text.index(dru.END) + len(dru.END) + 1],
                        "") == PROJECT_RULES


def test_rerun_replaces_only_the_block_and_is_byte_identical():
    first = dru.merge_rules(PROJECT_RULES + "\n(rule after (constraint clearance (min 1mm)))\n",
                            BLOCK_V1)
    again = dru.merge_rules(first, BLOCK_V2)
    assert again == first.replace("0.1mm", "0.12mm")
    assert dru.merge_rules(again, BLOCK_V2) == again
    assert again.count(dru.BEGIN) == 1 and "(rule after" in again


@pytest.mark.parametrize("original", [
    "",
    PROJECT_RULES,
    PROJECT_RULES.replace("\n", "\r\n"),
    "(version 1)",
    "(version 1)\n",
    "(version 1) (rule x (constraint clearance (min 1mm)))\n",
    "# comment first\n(version 1) # same line\n\n(rule x)\n",
    '(rule "legacy, no version"\r\n  (constraint clearance (min 1mm)))\r\n',
    "(rule no_newline_at_end)",
])
def test_remove_gives_back_the_original_byte_for_byte(original):
    merged = dru.merge_rules(original, BLOCK_V1)
    merged = dru.merge_rules(merged, BLOCK_V2)  # a re-run keeps the record of the first merge
    assert dru.remove_rules(merged) == (original, True)
    if "\r\n" in original:
        assert "\r\n" in merged and "\n" not in merged.replace("\r\n", "")


def test_merge_adds_a_version_clause_to_a_file_without_one():
    legacy = '(rule "x"\r\n  (constraint clearance (min 1mm)))\r\n'
    text = dru.merge_rules(legacy, BLOCK_V1)
    assert text.endswith(legacy) and "(version 1)\r\n" in text


def test_a_block_appended_by_an_older_version_moves_to_the_top():
    old = PROJECT_RULES + "\n" + BLOCK_V1  # as the merge wrote it before: last, after a blank
    text = dru.merge_rules(old, BLOCK_V2)
    assert text.index(dru.BEGIN) < text.index("project edge rule")
    assert dru.remove_rules(text)[0] == PROJECT_RULES


def test_begin_marker_without_end_is_refused():
    with pytest.raises(dru.DruError, match="without"):
        dru.merge_rules(f"(version 1)\n{dru.BEGIN}\n(rule x)\n", BLOCK_V1)


def test_duplicated_block_collapses_to_one():
    doubled = "(version 1)\n" + BLOCK_V1 + "(rule mine)\n" + BLOCK_V1
    text = dru.merge_rules(doubled, BLOCK_V2)
    assert text.count(dru.BEGIN) == 1 and "(rule mine)" in text and "0.12mm" in text


def test_top_level_expressions_and_their_lines():
    text = '(version 1)\n# a (comment\n(rule "a (b"\n  (x))\n\n(rule c)\n'
    assert [line for _, _, line in dru.top_level(text)] == [1, 3, 6]
    with pytest.raises(dru.DruSyntaxError) as info:
        dru.top_level("(version 1)\n(rule x\n  (y)\n")
    assert info.value.line == 2


def test_the_first_expression_kicad_rejects_is_found_by_bisection():
    """``parses`` stands in for kicad-cli: it rejects any text holding the word 'clearence'."""
    rules = ["(version 1)"] + [f'(rule "r{k}" (constraint clearance (min 1mm)))' for k in range(9)]
    rules[6] = rules[6].replace("clearance", "clearence")
    text = "\n".join(rules) + "\n"
    calls = []

    def parses(t):
        calls.append(t)
        return "clearence" not in t
    assert dru.find_unparsed(text, parses) == (7, 'it stops at `(rule "r5" (constraint '
                                                  'clearence (min 1mm)))`')
    assert len(calls) <= 7
    assert dru.find_unparsed("(version 1)\n(rule x)\n", lambda t: True) is None
    assert dru.find_unparsed("(rule x)\n", lambda t: False)[0] == 1
    assert dru.find_unparsed("(version 1)\n(rule x\n", lambda t: True)[0] == 2


# ---- kicad-cli --------------------------------------------------------------------------------

def _kicad_cli() -> str:
    exe = shutil.which("kicad-cli")
    if exe is None:
        pytest.skip("kicad-cli not installed")
    return exe


def _drc(board: Path) -> list[dict]:
    """kicad-cli's violations, run as `ci` runs it."""
    from bgacheck.kicad.kicad_cli import kicad_cli

    _kicad_cli()
    out = board.with_suffix(".drc.json")
    with tempfile.TemporaryDirectory() as tmp:
        cli = kicad_cli(tmp)
        proc = subprocess.run([cli.exe, "pcb", "drc", "--format", "json", "--severity-error",
                               "--severity-warning", "--all-track-errors", "-o", str(out),
                               str(board)], capture_output=True, text=True, timeout=600,
                              env=cli.env)
    assert out.is_file(), proc.stderr
    return json.loads(out.read_text())["violations"]


def _keys(violations) -> set:
    return {(v["type"], tuple(sorted(i["uuid"] for i in v["items"]))) for v in violations}


def loosen(board: Path, clearance_mm: float = 0.05) -> None:
    """Lower the project's minimums below every fab tier's, as many real projects have them."""
    pro = board.with_suffix(".kicad_pro")
    doc = json.loads(pro.read_text())
    limits = doc["board"]["design_settings"]["rules"]
    for key in ("min_clearance", "min_hole_clearance", "min_track_width",
                "min_through_hole_diameter", "min_microvia_drill", "min_via_annular_width"):
        limits[key] = 0.0
    for nc in doc["net_settings"]["classes"]:
        nc["clearance"] = clearance_mm
    pro.write_text(json.dumps(doc, indent=2))


@pytest.fixture(scope="module")
def make(tmp_path_factory, pcbnew_module):
    def get(pitch, defect=None, loose=True):
        folder = tmp_path_factory.mktemp(f"dru-{pitch:g}-{defect or 'clean'}")
        info = fx.make_board(pitch, defect, str(folder / "board.kicad_pcb"))
        board = Path(info.path)
        if loose:
            loosen(board)
        board.with_name("board.bgacheck.toml").write_text(f'fab_tier = "{info.fab_tier}"\n')
        return info, board
    return get


def _ours(board: Path) -> dict:
    """The report's errors of the kinds generated rules mirror: {item uuid: {rule ids}}."""
    out = board.with_suffix(".check.json")
    proc = subprocess.run([sys.executable, "-m", "bgacheck", "check", str(board), "--format",
                           "json", "-o", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    found: dict = {}
    for v in json.loads(out.read_text())["violations"]:
        if v["severity"] == "error" and v["rule"].startswith(REPORT_ERRORS):
            for i in v["items"]:
                found.setdefault(i["uuid"], set()).add(v["rule"])
    return found


@pytest.mark.kicad
def test_fixture_settings_already_ask_the_tier_so_nothing_is_generated(make):
    info, board = make(1.0, loose=False)
    write_rules(str(board), options=CheckOptions(fab_tier=info.fab_tier))
    text = rules_path_for(board).read_text()
    assert "(rule " not in text and text.count("# not generated:") == 5


@pytest.mark.kicad
@pytest.mark.parametrize("pitch", fx.PITCHES)
def test_clean_board_gets_no_new_violation_and_project_rules_still_apply(make, pitch):
    info, board = make(pitch)
    before = _keys(_drc(board))
    rules_path_for(board).write_text(PROJECT_RULES)
    write_rules(str(board), options=CheckOptions(fab_tier=info.fab_tier))
    text = rules_path_for(board).read_text()
    assert text.endswith(PROJECT_RULES.split("\n", 1)[1]) and '(rule "bga-check U1 ' in text
    assert "(severity error)" in text
    after = _drc(board)
    assert any(v["type"] == "copper_edge_clearance" for v in after), "rules file did not parse"
    new = _keys(v for v in after if v["type"] != "copper_edge_clearance") - before
    assert not new


@pytest.mark.kicad
@pytest.mark.parametrize("pitch, defect", [(p, d) for p in (1.0, 0.65, 0.4)
                                           for d in ("clearance_short", "trace_too_wide",
                                                     "three_traces")])
def test_kicad_reports_under_our_rules_only_what_the_report_calls_an_error(make, pitch, defect):
    """One verdict per board: every item KiCad flags under a generated rule is in an error of
    the report, under the rule the generated rule is named after."""
    info, board = make(pitch, defect)
    write_rules(str(board), options=CheckOptions(fab_tier=info.fab_tier))
    ours = _ours(board)
    hits = [v for v in _drc(board) if "rule 'bga-check U1 " in v["description"]]
    if not ours:  # three traces at 1.0 mm keep the fab's spacing: no error, no KiCad error
        assert not hits
        return
    for v in hits:
        named = v["description"].split("rule 'bga-check U1 ")[1].split(":")[0]
        assert v["severity"] == "error"
        assert any(r.startswith(named) for i in v["items"] for r in ours.get(i["uuid"], ())), v
    if pitch > 0.55:  # at via-in-pad pitches the hdi tier's 0.05 mm is below the net class's
        assert set(info.defect_items) & {i["uuid"] for v in hits for i in v["items"]}


@pytest.mark.kicad
def test_via_holes_and_rings_below_the_tier_are_named_errors(make, pcbnew_module):
    """kicad-cli 9.0.8 names no rule in a hole_size violation ('board setup constraints min
    hole'): the hole minimum is a disallow rule that names itself; the ring keeps its name."""
    pc = pcbnew_module
    info, board = make(1.0)
    b = pc.LoadBoard(str(board))
    vias = [t for t in b.GetTracks() if t.Type() == pc.PCB_VIA_T][:3]
    for v in vias:
        v.SetDrill(int(0.1e6))    # below the advanced tier's drill
        v.SetWidth(int(0.25e6))   # a 0.075 mm ring: below its ring
    pc.SaveBoard(str(board), b)
    loosen(board)  # SaveBoard wrote the project's settings back
    write_rules(str(board), options=CheckOptions(fab_tier=info.fab_tier))
    ours = _ours(board)
    found = Counter()
    for v in _drc(board):
        if "rule 'bga-check U1 fab." in v["description"]:
            assert {i["uuid"] for i in v["items"]} <= set(ours)
            found[v["description"].split("rule 'bga-check U1 ")[1].split(":")[0]] += 1
    assert found == {"fab.min_drill": 3, "fab.annular_ring": 3}
    assert set().union(*ours.values()) == {"fab.annular_ring", "fab.min_drill"}


STRICTER = {
    "clearance": ("clearance (min 0.3mm)", "clearance"),
    "hole clearance": ("hole_clearance (min 0.5mm)", "hole_clearance"),
    "track width": ("track_width (min 0.3mm)", "track_width"),
    "hole size": ("hole_size (min 0.3mm)", "drill_out_of_range"),
    "via disallow": ("disallow via", "items_not_allowed"),
    "annular width": ("annular_width (min 0.2mm)", "annular_width"),
}
"""A project rule stricter than ours for every constraint the block holds (the disallow rules
for holes and track widths, the clearances, the ring), and the KiCad type it reports as."""


@pytest.mark.kicad
@pytest.mark.parametrize("name", sorted(STRICTER))
def test_the_block_never_loosens_a_stricter_project_rule(make, name):
    constraint, vtype = STRICTER[name]
    info, board = make(1.0)
    project = (f'(version 1)\n(rule "project {name}"\n  (constraint {constraint})\n'
               "  (condition \"A.Type == 'Via' || A.Type == 'Track'\"))\n")
    rules_path_for(board).write_text(project)
    alone = _keys(v for v in _drc(board) if f"project {name}" in v["description"]
                  or v["type"] == vtype)
    assert alone, f"the project's {name} rule finds something on its own"
    write_rules(str(board), options=CheckOptions(fab_tier=info.fab_tier))
    merged = rules_path_for(board).read_text()
    assert merged.index(dru.END) < merged.index(f"project {name}")
    with_ours = _drc(board)
    kept = _keys(v for v in with_ours if f"project {name}" in v["description"]
                 or (v["type"] == vtype and "bga-check" not in v["description"]))
    assert kept == alone
    # the test can tell: with the block after the project's rule (the order before), KiCad's
    # precedence lets a generated constraint of the same kind replace the project's under the
    # BGA (the disallow rules match only items below the tier, so they replace nothing here)
    block = merged[merged.index(dru.BEGIN):merged.index(dru.END) + len(dru.END) + 1]
    if name in ("clearance", "hole clearance", "annular width"):
        assert f"(constraint {constraint.split()[0]} " in block
        rules_path_for(board).write_text(project + block)
        after = _keys(v for v in _drc(board) if f"project {name}" in v["description"])
        assert after < alone


@pytest.mark.kicad
def test_a_typo_in_the_project_rules_stops_rules_with_its_line_and_writes_nothing(make):
    info, board = make(0.8)
    typo = PROJECT_RULES + '\n(rule "typo"\n  (constraint clearence (min 0.2mm)))\n'
    rules_path_for(board).write_text(typo)
    with pytest.raises(UserError) as err:
        write_rules(str(board), options=CheckOptions(fab_tier=info.fab_tier))
    assert err.value.code == 2
    assert f"{rules_path_for(board)}:8: kicad-cli" in str(err.value)
    assert "the project's own rules" in str(err.value)
    assert rules_path_for(board).read_text() == typo


@pytest.mark.kicad
def test_every_generated_file_parses_and_a_broken_one_is_named(make):
    _kicad_cli()
    assert check_parses(PROJECT_RULES, "x.kicad_dru")  # the kicad-cli version that parsed it
    with pytest.raises(UserError, match=r"x.kicad_dru:1: .*no \(version 1\) clause"):
        check_parses('(rule "a" (constraint clearance (min 1mm)))\n', "x.kicad_dru")


@pytest.mark.kicad
def test_remove_restores_a_crlf_project_file_byte_for_byte(make, capsys):
    info, board = make(0.8)
    original = PROJECT_RULES.replace("\n", "\r\n").encode()
    rules_path_for(board).write_bytes(original)
    parser = argparse.ArgumentParser()
    parser.add_argument("--fab-tier")
    add_board_arguments(parser)
    assert run_board(parser.parse_args([str(board), "--fab-tier", info.fab_tier])) == 0
    merged = rules_path_for(board).read_bytes()
    assert merged != original and b"\n" not in merged.replace(b"\r\n", b"")
    assert "kicad-cli 9.0.8 parses it" in capsys.readouterr().err
    assert run_board(parser.parse_args([str(board), "--remove"])) == 0
    assert rules_path_for(board).read_bytes() == original
    assert remove_rules(str(board))[1] == "nothing to remove"


@pytest.mark.kicad
def test_rules_command_writes_file_or_stdout_and_never_the_board(make, capsys):
    info, board = make(0.8)
    board_bytes = board.read_bytes()
    parser = argparse.ArgumentParser()
    parser.add_argument("--fab-tier")
    add_board_arguments(parser)
    assert run_board(parser.parse_args([str(board), "--fab-tier", "advanced", "-o", "-"])) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(dru.BEGIN) and not rules_path_for(board).exists()
    other = board.parent / "ci.kicad_dru"
    args = parser.parse_args([str(board), "--fab-tier", "advanced", "-o", str(other)])
    assert run_board(args) == 0
    assert other.read_text() == printed
    assert run_board(parser.parse_args([str(board), "--fab-tier", "advanced"])) == 0
    assert rules_path_for(board).read_text() == printed
    assert run_board(parser.parse_args([str(board), "--remove"])) == 0
    assert not rules_path_for(board).exists()  # the merge had made it
    assert board.read_bytes() == board_bytes
