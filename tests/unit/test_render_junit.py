"""JUnit renderer: one suite per BGA, one case per rule (passes included, so that a fixed problem
turns green instead of vanishing), failures by threshold and waivers."""
import xml.etree.ElementTree as ET

from bgacheck.render.junit import RULES_PER_BGA, RULES_PER_BOARD, render_junit
from ci_reports import kicad_violation, make_report


def _parse(report):
    return ET.fromstring(render_junit(report))


def _cases(root, suite):
    s = root.find(f"testsuite[@name='{suite}']")
    return {c.get("name"): c for c in s.findall("testcase")}


def test_one_suite_per_bga_plus_board_and_one_case_per_rule():
    root = _parse(make_report())
    assert [s.get("name") for s in root.findall("testsuite")] == ["bga-check.U1",
                                                                  "bga-check.board"]
    reported = {"bga.fanout.unfanned", "bga.land.note", "ug1099.t1.pad_to_via",
                "ug1099.t3.channel_width"}
    assert set(_cases(root, "bga-check.U1")) == (
        {"detection", "standoff"} | reported | set(RULES_PER_BGA))
    assert set(_cases(root, "bga-check.board")) == {"board.clearance"} | set(RULES_PER_BOARD)


def test_at_the_default_threshold_errors_and_warnings_fail_info_passes():
    root = _parse(make_report())
    cases = _cases(root, "bga-check.U1")
    failed = {n for n, c in cases.items() if c.find("failure") is not None}
    assert failed == {"bga.fanout.unfanned", "ug1099.t1.pad_to_via", "ug1099.t3.channel_width"}
    assert root.get("failures") == "4"  # the board warning too
    n_cases = len(cases) + len(_cases(root, "bga-check.board"))
    assert root.get("tests") == str(n_cases)
    assert "UG1099 Table 1" in cases["ug1099.t1.pad_to_via"].find("failure").text


def test_a_fixed_problem_keeps_its_case_and_passes():
    report = make_report()
    before = _cases(_parse(report), "bga-check.U1")
    report.findings = [f for f in report.findings if f.rule_id != "ug1099.t1.pad_to_via"]
    after = _cases(_parse(report), "bga-check.U1")
    assert before["ug1099.t1.pad_to_via"].find("failure") is not None
    assert set(after) == set(before)
    assert after["ug1099.t1.pad_to_via"].find("failure") is None
    assert after["ug1099.t1.pad_to_via"].find("system-out").text == "checked: nothing found"


def test_partly_waived_finding_fails_naming_its_new_items():
    report = make_report()
    idx = [f.rule_id for f in report.sorted_findings()].index("ug1099.t1.pad_to_via")
    report.meta["ci"] = {"partial": {idx: {"new": ["via at (1.0000, 2.0000) mm"],
                                           "waived": 24}}}
    fail = _cases(_parse(report), "bga-check.U1")["ug1099.t1.pad_to_via"].find("failure")
    assert "(new: via at (1.0000, 2.0000) mm)" in fail.get("message")
    assert "24 item(s) waived" in fail.text


def test_error_report_is_one_errored_case():
    report = make_report()
    report.meta["ci"] = {"error": "board file not found: x.kicad_pcb", "exit_code": 2}
    root = _parse(report)
    assert (root.get("tests"), root.get("errors"), root.get("failures")) == ("1", "1", "0")
    assert "board file not found" in root.find(".//error").get("message")


def test_error_threshold_lets_warnings_pass_with_their_text():
    report = make_report()
    report.meta["ci"] = {"severity": "error"}
    cases = _cases(_parse(report), "bga-check.U1")
    warn = cases["ug1099.t3.channel_width"]
    assert warn.find("failure") is None
    assert "trace | too wide" in warn.find("system-out").text


def test_waived_error_passes_and_says_so():
    report = make_report()
    idx = [f.rule_id for f in report.sorted_findings()].index("ug1099.t1.pad_to_via")
    report.meta["ci"] = {"waived": {idx: "accepted at review"}}
    case = _cases(_parse(report), "bga-check.U1")["ug1099.t1.pad_to_via"]
    assert case.find("failure") is None
    assert "waived: accepted at review" in case.find("system-out").text


def test_kicad_suite_has_one_case_per_violation_type():
    report = make_report()
    report.meta["ci"] = {"severity": "error", "kicad": {
        "ran": True, "violations": [kicad_violation(), kicad_violation(),
                                    kicad_violation("silk_overlap", "warning")],
        "waived": {}}}
    cases = _cases(_parse(report), "kicad-drc")
    assert sorted(cases) == ["clearance", "silk_overlap"]
    assert cases["clearance"].find("failure").get("message").startswith("2 new")
    assert cases["silk_overlap"].find("failure") is None


def test_rules_checked_without_findings_are_passing_cases():
    report = make_report(rules_checked=["x.extra_rule", "ug1099.t1.pad_to_via"])
    cases = _cases(_parse(report), "bga-check.U1")
    assert "x.extra_rule" in cases
    assert cases["x.extra_rule"].find("failure") is None
