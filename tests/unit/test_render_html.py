"""HTML renderer: self-contained page, ball map coloured by status, standoff, findings table."""
from html.parser import HTMLParser

import pytest

from bgacheck.render.html import ball_positions, render_html
from ci_reports import VIA_UUID, ball_xy, make_bga, make_report


class _Elements(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def by_class(self, tag, cls):
        return [a for t, a in self.tags if t == tag and cls in a.get("class", "").split()]


def _balls(page):
    return {a["data-ball"]: a for a in page.by_class("circle", "ball")}


def test_page_is_self_contained():
    text = render_html(make_report())
    assert text.startswith("<!DOCTYPE html>")
    lowered = text.lower()
    for needle in ("http:", "https:", "<script", " src=", "<link", "@import"):
        assert needle not in lowered


def test_every_ball_and_depopulated_site_is_drawn_with_its_status():
    balls = _balls(_Elements(render_html(make_report())))
    assert len(balls) == 16
    status = {n: a["class"].split()[1] for n, a in balls.items()}
    assert status["B3"] == "error"
    assert status["D4"] == "unrouted"
    assert status["B2"] == "depopulated"
    assert sum(s == "clean" for s in status.values()) == 13
    x, y = ball_xy("C2")
    assert float(balls["C2"]["cx"]) == pytest.approx(x)
    assert float(balls["C2"]["cy"]) == pytest.approx(y)


def test_waived_findings_do_not_colour_balls():
    report = make_report()
    idx = [f.rule_id for f in report.sorted_findings()].index("ug1099.t1.pad_to_via")
    report.meta["ci"] = {"waived": {idx: "ok"}}
    page = _Elements(render_html(report))
    assert _balls(page)["B3"]["class"].split()[1] == "clean"
    assert page.by_class("circle", "failed-via") == []


def test_failed_via_and_channel_are_marked():
    page = _Elements(render_html(make_report()))
    vias = page.by_class("circle", "failed-via")
    assert len(vias) == 1
    x, y = ball_xy("B3")
    assert float(vias[0]["cx"]) == pytest.approx(x + 0.4)
    assert len(page.by_class("path", "failed-channel")) == 1


def test_checks_ball_list_is_used_when_present():
    given = [{"name": "A1", "x_mm": 1.0, "y_mm": 2.0, "status": "warning"},
             {"name": "A2", "x_mm": 1.8, "y_mm": 2.0, "status": "unrouted"},
             {"name": "A3", "x_mm": 2.6, "y_mm": 2.0}]
    balls = _balls(_Elements(render_html(make_report(balls=given))))
    assert sorted(balls) == ["A1", "A2", "A3"]
    assert balls["A1"]["class"] == "ball warning"
    assert balls["A2"]["class"] == "ball unrouted"
    assert balls["A3"]["class"] == "ball clean"
    assert float(balls["A2"]["cx"]) == pytest.approx(1.8)


def test_standoff_band_and_histogram_over_balls():
    page = _Elements(render_html(make_report()))
    assert len(page.by_class("rect", "tolerance-band")) == 1
    assert len(page.by_class("line", "nominal")) == 1
    bars = page.by_class("rect", "hist-bar")
    assert bars and all(float(b["height"]) > 0 for b in bars)
    text = render_html(make_report())
    assert text.count(" ball(s) ") == len(bars)
    counts = [int(s.split("<title>")[-1]) for s in text.split(" ball(s) ")[:-1]]
    assert sum(counts) == 15


def test_missing_standoff_is_said_not_drawn():
    text = render_html(make_report(standoff=None))
    assert "Standoff not computed." in text
    assert "tolerance-band" not in text


def test_findings_table_names_rules_and_sources():
    text = render_html(make_report())
    for needle in ("ug1099.t1.pad_to_via", "UG1099 Table 1", "IPC-7351B", "Board findings",
                   "trace | too wide"):
        assert needle in text
    assert VIA_UUID not in text  # uuids belong in JSON/SARIF, not in the page


@pytest.mark.parametrize("rot", [0.0, 90.0, 180.0, 270.0])
def test_ball_positions_put_a1_where_kicad_puts_it(rot):
    """A1 of a centred field at local (-1.2, -1.2) mm, rotated as KiCad's RotatePoint does."""
    bga = make_bga()
    bga.rot_deg = rot
    x, y = ball_positions(bga)["A1"]
    expected = {0.0: (98.8, 48.8), 90.0: (98.8, 51.2), 180.0: (101.2, 51.2),
                270.0: (101.2, 48.8)}[rot]
    assert (x, y) == pytest.approx(expected)


def test_detector_grid_names_of_empty_sites_do_not_shift_the_rows():
    """Sites the detector could not name come as "R<row>C<col>"; JEDEC rows stay as they are."""
    bga = make_bga()
    bga.ball_names = tuple(n for n in bga.ball_names if n != "D4")
    bga.depopulated = ("B2", "R4C4")
    pos = ball_positions(bga)
    assert pos["A1"] == pytest.approx(ball_xy("A1"))
    assert pos["R4C4"] == pytest.approx(ball_xy("D4"))


def test_jedec_rows_skip_i_even_beside_grid_named_sites():
    bga = make_bga()
    bga.rows, bga.cols = 10, 1
    bga.ball_names = tuple(f"{r}1" for r in "ABCDEFGHJ")
    bga.depopulated = ("R10C1",)
    pos = ball_positions(bga)
    assert pos["J1"][1] - pos["A1"][1] == pytest.approx(8 * 0.8)
    assert pos["R10C1"][1] - pos["A1"][1] == pytest.approx(9 * 0.8)


def test_notes_on_a_ball_leave_it_clean_even_from_the_fanout_stage():
    from bgacheck.core.report import Finding
    from bgacheck.render.html import ball_statuses

    bga = make_bga()
    name = bga.ball_names[0]
    note = Finding(rule_id="fanout.plane_net", severity="info", message="on a plane net",
                   ref=bga.ref, x_mm=0.0, y_mm=0.0, pads=(name,))
    unrouted = Finding(rule_id="fanout.unrouted_ball", severity="error", message="not fanned out",
                       ref=bga.ref, x_mm=0.0, y_mm=0.0, pads=(name,))
    assert {b["name"]: b["status"] for b in ball_statuses(bga, [note])}[name] == "clean"
    assert {b["name"]: b["status"] for b in ball_statuses(bga, [unrouted])}[name] == "unrouted"
