"""The JSON report of real boards, and of a generated one, validates against
resources/schemas/report.v1.schema.json."""
import json
import os
import subprocess
import sys

import jsonschema
import pytest

from paths import REPO

pytestmark = pytest.mark.kicad

SCHEMA = json.loads((REPO / "resources/schemas/report.v1.schema.json").read_text())


def _validate_check_of(path):
    res = subprocess.run([sys.executable, "-m", "bgacheck", "check", str(path),
                          "--format", "json", "--severity", "error"], capture_output=True,
                         text=True, timeout=600, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert res.returncode in (0, 1), res.stderr
    report = json.loads(res.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert report["bgas"] and report["violations"]


@pytest.mark.parametrize("board", ["luna-r0/luna_rev0.kicad_pcb",
                                   "lpddr4-testbed/lpddr4-testbed.kicad_pcb",
                                   "sdi-mipi-bridge/sdi-mipi-bridge.kicad_pcb"])
def test_json_report_of_a_real_board_matches_the_published_schema(board, shared_boards,
                                                                   pcbnew_module):
    _validate_check_of(shared_boards / board)


def test_json_report_of_a_generated_board_matches_the_published_schema(generated_board):
    _validate_check_of(generated_board)


def test_schema_rejects_a_violation_without_its_rule_and_limit():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    bad = {"type": "bga_x_y", "severity": "error", "description": "d", "source": "s",
           "items": [{"description": "", "pos": {"x": 0, "y": 0}, "uuid": ""}]}
    errors = list(jsonschema.Draft202012Validator(SCHEMA["$defs"]["violation"] | {
        "$defs": SCHEMA["$defs"]}).iter_errors(bad))
    assert {e.message.split("'")[1] for e in errors} >= {"rule", "ref", "measured", "limit", "unit"}
