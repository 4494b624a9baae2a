"""SARIF renderer: valid against the OASIS 2.1.0 schema, one result per finding, stable identity."""
import json
from pathlib import Path

import jsonschema
import pytest

from bgacheck.render.sarif import render_sarif, sarif_dict
from ci_reports import FP_UUID, VIA_UUID, kicad_violation, make_report

SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _ci_report():
    report = make_report()
    report.meta["ci"] = {
        "severity": "warning", "board_file": "hw/test.kicad_pcb",
        "waived": {1: "accepted at review"},
        "kicad": {"ran": True, "version": "9.0.8", "note": "ran",
                  "violations": [kicad_violation(), kicad_violation("silk_overlap", "warning")],
                  "waived": {1: "silk is fine"}, "unconnected": 0},
        "uuid_lines": {VIA_UUID: 1234, FP_UUID: 77},
    }
    return report


def test_plain_report_is_valid_sarif(validator):
    doc = json.loads(render_sarif(make_report()))
    assert list(validator.iter_errors(doc)) == []


def test_ci_report_with_kicad_run_and_suppressions_is_valid_sarif(validator):
    doc = json.loads(render_sarif(_ci_report()))
    assert list(validator.iter_errors(doc)) == []
    assert [r["tool"]["driver"]["name"] for r in doc["runs"]] == ["bga-check", "KiCad DRC"]


def test_schema_rejects_a_broken_log(validator):
    doc = sarif_dict(make_report())
    doc["runs"][0]["results"][0]["level"] = "fatal"
    doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(list(validator.iter_errors(doc))) == 2


def test_one_result_per_finding_with_levels_and_rule_index():
    report = make_report()
    run = sarif_dict(report)["runs"][0]
    findings = report.sorted_findings()
    assert len(run["results"]) == len(findings)
    level = {"error": "error", "warning": "warning", "info": "note"}
    for f, res in zip(findings, run["results"]):
        assert res["ruleId"] == f.rule_id
        assert res["level"] == level[f.severity]
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == f.rule_id
        assert res["properties"]["source"] == f.source


def test_region_points_at_the_line_of_the_first_item_else_the_footprint():
    run = sarif_dict(_ci_report())["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    line = lambda r: r["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
    assert line(by_rule["ug1099.t1.pad_to_via"]) == 1234
    assert line(by_rule["bga.fanout.unfanned"]) == 77
    assert line(by_rule["board.clearance"]) == 1
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "hw/test.kicad_pcb"


def test_waived_results_carry_an_external_suppression():
    doc = sarif_dict(_ci_report())
    ours, kicad = doc["runs"]
    suppressed = [r for r in ours["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"][0]["justification"] == "accepted at review"
    assert [r["ruleId"] for r in kicad["results"] if "suppressions" in r] == ["silk_overlap"]


def test_fingerprints_are_stable_and_distinct():
    a = sarif_dict(make_report())["runs"][0]["results"]
    b = sarif_dict(make_report())["runs"][0]["results"]
    prints = [r["partialFingerprints"]["bgacheck/v1"] for r in a]
    assert prints == [r["partialFingerprints"]["bgacheck/v1"] for r in b]
    assert len(set(prints)) == len(prints)


def test_no_kicad_run_without_a_kicad_record():
    report = make_report()
    report.meta["ci"] = {"kicad": {"ran": False, "note": "kicad-cli not found on PATH"}}
    assert len(sarif_dict(report)["runs"]) == 1


def test_uri_is_relative_to_the_repository_and_each_board_has_its_own_automation_id():
    report = _ci_report()
    report.meta["ci"]["board_uri"] = "hw/main/board.kicad_pcb"
    runs = sarif_dict(report)["runs"]
    uri = runs[0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "hw/main/board.kicad_pcb"
    assert [r["automationDetails"]["id"] for r in runs] == [
        "bga-check/hw/main/board.kicad_pcb/", "kicad-drc/hw/main/board.kicad_pcb/"]
    other = _ci_report()
    other.meta["ci"]["board_uri"] = "hw/io/board.kicad_pcb"
    assert sarif_dict(other)["runs"][0]["automationDetails"]["id"] != runs[0][
        "automationDetails"]["id"]


def test_error_report_is_valid_sarif_with_an_unsuccessful_invocation(validator):
    report = make_report()
    report.meta["ci"] = {"error": "kicad-cli not found on PATH", "exit_code": 3,
                         "board_uri": "hw/board.kicad_pcb"}
    doc = sarif_dict(report)
    assert list(validator.iter_errors(doc)) == []
    inv = doc["runs"][0]["invocations"][0]
    assert (inv["executionSuccessful"], inv["exitCode"]) == (False, 3)
    assert doc["runs"][0]["results"] == []


def test_partly_waived_results_name_their_new_items(validator):
    report = _ci_report()
    idx = [f.rule_id for f in report.sorted_findings()].index("ug1099.t1.pad_to_via")
    report.meta["ci"]["partial"] = {idx: {"new": ["via at (1.0000, 2.0000) mm"], "waived": 3}}
    doc = sarif_dict(report)
    assert list(validator.iter_errors(doc)) == []
    res = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "ug1099.t1.pad_to_via")
    assert res["properties"]["new_items"] == ["via at (1.0000, 2.0000) mm"]
