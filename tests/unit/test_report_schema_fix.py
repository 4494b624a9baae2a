"""The JSON report carries a finding's ``fix`` when it has one, and the schema accepts it."""
import json
from dataclasses import replace

import jsonschema

from bgacheck.render.drc_json import render_json
from ci_reports import make_report
from paths import REPO

SCHEMA = json.loads((REPO / "resources/schemas/report.v1.schema.json").read_text())


def test_fix_is_written_when_given_and_left_out_when_empty():
    report = make_report()
    report.findings[0] = replace(report.findings[0], fix="move the via 0.05 mm away from B3")
    data = json.loads(render_json(report, date="2026-01-01T00:00:00+00:00"))
    fixes = [v.get("fix") for v in data["violations"]]
    assert fixes.count("move the via 0.05 mm away from B3") == 1
    assert fixes.count(None) == len(fixes) - 1
    jsonschema.Draft202012Validator(SCHEMA).validate(data)


def test_schema_rejects_an_empty_or_non_text_fix():
    validator = jsonschema.Draft202012Validator(SCHEMA)
    data = json.loads(render_json(make_report(), date="2026-01-01T00:00:00+00:00"))
    for bad in ("", 3):
        data["violations"][0]["fix"] = bad
        assert not validator.is_valid(data)
