"""The text report: summary first, one short block per BGA, one line per finding (errors first,
largest BGA first), notes hidden unless asked for, lines cut not wrapped, sources as keys."""
import re
from dataclasses import replace

import pytest

from bgacheck.core.report import Finding
from bgacheck.render.text import LINE_WIDTH, MAX_BALLS_LISTED, render_text
from ci_reports import make_bga, make_report

KEY = re.compile(r"\[S(\d+)\]")


def finding_lines(text):
    return [ln for ln in text.splitlines() if ln.split(" ", 1)[0] in ("ERROR", "WARNING", "NOTE")]


def legend(text):
    """{key: source} from the legend after "Sources:"."""
    tail = text.split("\nSources:\n", 1)[1]
    out = {}
    for ln in tail.splitlines():
        m = re.match(r"\[(S\d+)\] (.+)$", ln)
        assert m, ln
        assert m.group(1) not in out, f"key {m.group(1)} defined twice"
        out[m.group(1)] = m.group(2)
    return out


def two_bgas():
    """U1 (15 balls) as in ci_reports plus U9 (64 balls), each with an error and a warning."""
    report = make_report()
    big = replace(make_bga(), ref="U9", balls=64, rows=8, cols=8, depopulated=(),
                  uuid="99999999-0000-0000-0000-000000000009")
    report.bgas.append(big)
    report.findings += [
        Finding("ug1099.t1.via_drill", "error", "via hole too big", "U9", 1.0, 1.0, 0.3, 0.25,
                "mm", "UG1099 Table 1", pads=("A1",)),
        Finding("aa.first_rule", "warning", "a warning on the big BGA", "U9", 1.0, 1.0, 0.5, 0.4,
                "mm", "UG1099 Table 1"),
    ]
    return report


def test_summary_comes_first_with_board_bga_count_verdict_and_tally():
    lines = render_text(make_report()).splitlines()
    assert lines[1] == "board    /tmp/board/test.kicad_pcb"
    assert lines[2] == "BGAs     1: U1"
    assert lines[3] == "verdict  FAIL at --severity warning"
    assert lines[4] == "found    2 errors, 2 warnings, 1 note"


def test_verdict_follows_the_chosen_severity():
    report = make_report()
    report.findings = [f for f in report.findings if f.severity != "error"]
    assert "verdict  PASS at --severity error" in render_text(report, severity="error")
    assert "verdict  FAIL at --severity warning" in render_text(report)


def test_each_bga_has_one_compact_block_with_its_facts():
    text = render_text(make_report())
    block = text.split("\n\n")[1].splitlines()
    assert block[0] == ("U1  Package_BGA:Test-16_4x4_P0.8mm  (top, rotation 0°): "
                        "FAIL, 2 errors, 1 warning, 1 note")
    assert block[1] == "  balls 15 in 4 rows x 4 cols, pitch 0.8 mm, A1 top-left"
    assert block[2] == "  depopulated 1: B2"
    assert block[3] == "  land 0.400 mm circle NSMD, mask opening 0.500 mm, paste 0.400 mm"
    assert block[4].startswith("  standoff 0.300 ± 0.020 mm (spread 0.014 mm)")


def test_rules_and_standoff_inputs_are_short_and_their_sources_keyed():
    report = make_report()
    bga = report.bgas[0]
    bga.extra["standoff"].update(ball_d_mm=0.4, ball_source="footprint name (Ball0.4mm)",
                                 stencil_mm=0.1, stencil_source="default stencil")
    bga.extra["rules"] = {"profile": "ug1099", "fab_tier": "standard", "match": "row 0.8 mm"}
    bga.extra["text_lines"] = ["rules: ug1099, fab tier standard; row 0.8 mm",
                               "standoff 0.300 +/- 0.020 mm (long form)",
                               "ball 0.4 mm (footprint name (Ball0.4mm)); stencil 0.1 mm (...)",
                               "escape: 3 layers"]
    text = render_text(report)
    assert "ball 0.4 mm [S1], stencil 0.1 mm [S2]" in text
    assert "\n  rules ug1099, fab tier standard; row 0.8 mm\n" in text
    assert "\n  escape: 3 layers\n" in text  # lines of other stages are kept
    assert "long form" not in text and "rules: ug1099" not in text
    assert legend(text)["S1"] == "footprint name (Ball0.4mm)"


def test_notes_are_hidden_by_default_and_counted_on_one_line():
    text = render_text(make_report())
    assert not [ln for ln in finding_lines(text) if ln.startswith("NOTE")]
    assert "NSMD lands" not in text
    hidden = [ln for ln in text.splitlines() if "hidden" in ln]
    assert hidden == ["1 note hidden; --severity info shows them."]
    assert "IPC-7351B" not in text  # the hidden note's source is not in the legend


def test_severity_info_lists_the_notes():
    text = render_text(make_report(), severity="info")
    notes = [ln for ln in finding_lines(text) if ln.startswith("NOTE")]
    assert len(notes) == 1 and "bga.land.note U1: NSMD lands" in notes[0]
    assert "hidden" not in text
    assert "IPC-7351B" in legend(text).values()


def test_severity_error_hides_warnings_and_notes_and_names_the_flag():
    text = render_text(make_report(), severity="error")
    assert {ln.split()[0] for ln in finding_lines(text)} == {"ERROR"}
    assert "2 warnings, 1 note hidden; --severity info shows all." in text


def test_ci_runs_default_to_their_own_threshold():
    report = make_report()
    report.meta["ci"] = {"severity": "info"}
    assert "NSMD lands" in render_text(report)


def test_errors_come_first_then_the_larger_bga_then_the_rule():
    lines = finding_lines(render_text(two_bgas()))
    order = [(ln.split()[0], ln.split()[2].rstrip(":"), ln.split()[1]) for ln in lines]
    assert order == [
        ("ERROR", "U9", "ug1099.t1.via_drill"),
        ("ERROR", "U1", "bga.fanout.unfanned"),
        ("ERROR", "U1", "ug1099.t1.pad_to_via"),
        ("WARNING", "U9", "aa.first_rule"),
        ("WARNING", "U1", "ug1099.t3.channel_width"),
        ("WARNING", "board", "board.clearance"),
    ]


def test_bga_blocks_run_largest_first():
    text = render_text(two_bgas())
    assert text.index("\nU9  ") < text.index("\nU1  ")
    assert "BGAs     2: U9, U1" in text


def test_one_line_per_finding_with_where_value_and_source_key():
    lines = finding_lines(render_text(make_report()))
    assert lines[1] == ("ERROR   ug1099.t1.pad_to_via U1 B3: via too close to pad "
                        "(0.25 mm vs min 0.3 mm) [S2]")
    assert lines[0] == "ERROR   bga.fanout.unfanned U1 D4: ball not fanned out [S1]"
    assert "ug1099.t3.channel_width U1 In1.Cu: trace | too wide" in lines[2]


@pytest.mark.parametrize("severity,measured,limit,word", [
    ("error", 0.25, 0.3, "min"), ("warning", 0.35, 0.3, "max"), ("info", 0.35, 0.3, "limit"),
    ("error", 0.3, 0.3, "limit")])
def test_limit_is_called_min_or_max_from_the_failing_value(severity, measured, limit, word):
    report = make_report()
    report.findings = [Finding("x.rule", severity, "m", "U1", 0, 0, measured, limit, "mm", "s")]
    (line,) = finding_lines(render_text(report, severity="info"))
    assert f"vs {word} {limit:g} mm" in line


def test_long_ball_lists_are_cut_to_a_few_names_and_a_count():
    report = make_report()
    many = tuple(f"A{k}" for k in range(1, 41))
    report.findings[0] = replace(report.findings[0], pads=many)
    line = next(ln for ln in finding_lines(render_text(report)) if "pad_to_via" in ln)
    names = ",".join(f"A{k}" for k in range(1, MAX_BALLS_LISTED + 1))
    assert f" U1 {names} +{40 - MAX_BALLS_LISTED}: " in line
    assert f"A{MAX_BALLS_LISTED + 1}," not in line


def test_long_messages_fixes_and_ball_lists_stay_on_one_short_line():
    report = make_report()
    long_msg = "trace 0.1270 mm wide between balls A10 and A11 on F.Cu " * 8
    long_fix = "move the via to the four-ball interstice and shrink its pad " * 4
    names = tuple(f"AA{k}" for k in range(1, 300))
    report.findings = [
        Finding("ug1099.t2.trace_width_between_pads", "warning", long_msg, "U1", 0, 0, 0.127,
                0.1016, "mm", "UG1099 v2.0 Table 2 (seed), 0.8 mm: W1 4 mil", pads=names),
        Finding("ug1099.t1.pad_to_via", "error", long_msg, "U1", 0, 0, 0.44, 0.01, "mm",
                "UG1099 Table 1", pads=names, fix=long_fix),
        Finding("x.short", "error", "short", "U1", 0, 0, fix="drill 0.2 mm"),
    ]
    text = render_text(report)
    lines = finding_lines(text)
    assert len(lines) == 3
    for line in lines:
        assert len(line) <= LINE_WIDTH, line
    long_lines = [ln for ln in lines if "AA1," in ln]
    assert all("…" in ln and "+295" in ln for ln in long_lines)
    assert all(KEY.search(ln) for ln in long_lines)  # the source key survives the cut
    assert all("(0.44 mm vs max 0.01 mm)" in ln for ln in long_lines if "pad_to_via" in ln)
    assert "; fix: move the via" in next(ln for ln in lines if "pad_to_via" in ln)
    assert all(len(ln) <= LINE_WIDTH for ln in text.split("\nSources:\n")[0].splitlines())


def test_fix_is_printed_when_present():
    report = make_report()
    report.findings[0] = replace(report.findings[0], fix="move the via 0.05 mm away from B3")
    line = next(ln for ln in finding_lines(render_text(report)) if "pad_to_via" in ln)
    assert line.endswith("(0.25 mm vs min 0.3 mm); fix: move the via 0.05 mm away from B3 [S2]")
    assert all("fix:" not in ln for ln in finding_lines(render_text(report)) if ln != line)


def test_sources_get_unique_keys_in_order_of_first_use_and_all_are_defined():
    report = two_bgas()  # "UG1099 Table 1" is used by three findings
    text = render_text(report, severity="info")
    defined = legend(text)
    used = KEY.findall(text.split("\nSources:\n")[0])
    assert used and {f"S{k}" for k in used} == set(defined)
    assert len(set(defined.values())) == len(defined)
    assert sorted(set(defined.values())) == sorted({f.source for f in report.findings})
    assert list(dict.fromkeys(int(k) for k in used)) == list(range(1, len(defined) + 1))
    assert defined["S1"] == "UG1099 Table 1"
    assert sum(ln.endswith(" [S1]") for ln in finding_lines(text)) == 3


def test_board_without_arrays_says_so():
    report = make_report()
    report.bgas.clear()
    report.findings.clear()
    text = render_text(report)
    assert "No BGA / area-array footprints found." in text
    assert "BGAs     0\n" in text and "verdict  PASS" in text and "No findings." in text
    assert "Sources:" not in text


def test_results_window_lists_findings_in_the_same_order_and_hides_notes_by_default():
    from bgacheck.api import CheckOptions
    from bgacheck.kicad import results_rows

    report = two_bgas()
    start = results_rows.severity_or_default(CheckOptions().severity)
    assert start == "warning" and results_rows.severity_or_default(None) == "warning"
    listed = [f for _, f, _ in results_rows.finding_rows(report, start)]
    assert all(f.severity != "info" for f in listed)
    text_order = [ln.split()[1] for ln in finding_lines(render_text(report))]
    assert [f.rule_id for f in listed] == text_order
    notes = [f for _, f, _ in results_rows.finding_rows(report, "info") if f.ref == "U1"]
    assert notes[-1].rule_id == "bga.land.note"
