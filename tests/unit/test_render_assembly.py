"""Every report format shows the assembly review of each BGA (text, JSON and its schema, HTML
with the gap-margin map, Markdown, JUnit, SARIF)."""
import json
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.render.assembly_html import margin_colour
from bgacheck.render.drc_json import report_dict
from bgacheck.render.html import render_html
from bgacheck.render.junit import render_junit
from bgacheck.render.markdown import render_markdown
from bgacheck.render.sarif import sarif_dict
from bgacheck.render.text import render_text
from paths import REPO
from test_checks_assembly import bga

SCHEMA = json.loads((REPO / "resources/schemas/report.v1.schema.json").read_text())


@pytest.fixture(scope="module")
def report():
    return check_model(bga(), CheckOptions(warpage_mm=0.15))


def test_text_report_has_the_assembly_lines(report):
    text = render_text(report, severity="info")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("assembly:")]
    assert lines[0].startswith("assembly: warpage 0.150 mm, margin -0.")
    assert any(ln.startswith("assembly: X-ray strongly advised") for ln in lines)
    assert "ERROR   assembly.head_in_pillow U1" in text


def test_json_report_carries_the_assembly_object_and_matches_the_schema(report):
    d = report_dict(report, date="2026-01-01T00:00:00+00:00")
    jsonschema.Draft202012Validator(SCHEMA).validate(d)
    a = d["bgas"][0]["extra"]["assembly"]
    assert a["warpage_mm"] == 0.15 and a["warpage_margin_mm"] < 0
    assert len(a["per_ball_height_mm"]) == len(d["bgas"][0]["ball_names"]) == 100
    json.dumps(d)  # plain data only


def test_html_report_draws_the_gap_margin_map(report):
    html = render_html(report)
    svg = re.search(r'<svg class="gapmap".*?</svg>', html, re.S).group(0)
    circles = re.findall(r'<circle class="gap ([a-z_]*)" data-ball="(\w+)"[^>]*fill="(#\w+)"', svg)
    assert len(circles) == 100
    fills = {ball: fill for _, ball, fill in circles}
    assert fills["A1"] == margin_colour(-0.01, 0.025) == "#d2352b"  # lifted off its paste
    assert fills["E5"] == "#3f9e5a"  # the centre stands on its paste
    assert "<h3>Assembly</h3>" in html and "X-ray strongly advised" in html


def test_markdown_junit_and_sarif_carry_one_assembly_line_per_bga(report):
    md = render_markdown(report)
    assert "### Assembly" in md and re.search(r"- \*\*U1\*\*: warpage margin -0\.\d+ mm; X-ray", md)
    root = ET.fromstring(render_junit(report))
    case = root.find(".//testcase[@name='assembly']")
    assert case is not None and "X-ray strongly advised" in case.find("system-out").text
    bgas = sarif_dict(report)["runs"][0]["properties"]["bgas"]
    assert bgas[0]["assembly"]["warpage_mm"] == 0.15
