"""Land, via, fanout and standoff stages on small hand-built boards (no KiCad)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.core.checks import land, vias
from bgacheck.core.units import mm_to_nm
from routing_boards import Board

PITCH = 1.0


def grid(land_mm=0.50, fanout=True, nets=True, ball_in_name=True):
    """A 4 x 4, 1.0 mm BGA (UG1099 land 0.50) with a dog-bone per ball at its outward interstice."""
    b = Board(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    names = {f"{r}{c}": f"N_{r}{c}" for r in "ABCD" for c in range(1, 5)} if nets else {}
    b.footprint("U1", fpid="Package_BGA:BGA-16_4x4" + ("_Ball0.6mm" if ball_in_name else ""))
    for ri, r in enumerate("ABCD"):
        for c in range(4):
            name = f"{r}{c + 1}"
            b.pad(name, c * PITCH, ri * PITCH, land_mm, net=names.get(name, ""))
    if fanout:
        for ri, r in enumerate("ABCD"):
            for c in range(4):
                x, y = c * PITCH, ri * PITCH
                vx = x + (-0.5 if c < 2 else 0.5) * PITCH
                vy = y + (-0.5 if ri < 2 else 0.5) * PITCH
                net = names.get(f"{r}{c + 1}", "")
                b.via(vx, vy, 0.48, 0.25, net=net)
                b.track(x, y, vx, vy, 0.13, net=net)
    return b


def with_mask(model, extra_mm, which=None):
    """Copy of the model with mask openings grown by extra_mm (all pads, or pad index which)."""
    p = model.pads
    mw = p.mask_w_nm.copy()
    sel = slice(None) if which is None else which
    mw[sel] = p.w_nm[sel] + mm_to_nm(extra_mm)
    pads = dataclasses.replace(p, mask_w_nm=mw, mask_h_nm=mw.copy())
    return dataclasses.replace(model, pads=pads)


def run(model, **kw):
    kw.setdefault("fab_tier", "advanced")
    return check_model(model, CheckOptions(**kw))


def rules(report, prefix=""):
    return sorted(f.rule_id for f in report.findings if f.rule_id.startswith(prefix))


def test_clean_grid_has_no_errors_from_land_vias_fanout():
    rep = run(with_mask(grid().model(), 0.10))
    bad = [f for f in rep.findings if f.severity == "error"]
    assert bad == []
    assert rep.bgas[0].extra["vias"]["dogbone"] == 16


def test_small_lands_give_one_land_diameter_finding_listing_every_ball():
    rep = run(with_mask(grid(land_mm=0.40).model(), 0.10))
    found = [f for f in rep.findings if f.rule_id == "ug1099.t1.land_diameter"]
    assert len(found) == 1
    assert len(found[0].pads) == 16 and found[0].measured == pytest.approx(0.40)
    assert found[0].limit == pytest.approx(0.45)


def test_one_wide_mask_opening_gives_one_web_finding_at_that_ball():
    model = with_mask(grid().model(), 0.10)
    k = model.pads.number.index("B2")
    model = with_mask(model, 0.80, which=k)  # opening 1.30: web 1.0 - 0.65 - 0.30 = 0.05 < 0.0864
    rep = run(model)
    webs = [f for f in rep.findings if f.rule_id == "fab.mask_web"]
    assert len(webs) == 1
    assert webs[0].pads[0] == "B2" and webs[0].severity == "warning"  # an assembly risk
    assert webs[0].measured == pytest.approx(0.05, abs=1e-4)


def test_mask_web_is_measured_edge_to_edge_for_round_openings():
    model = with_mask(grid(fanout=False).model(), 0.10)
    arr = run(model).bgas[0]
    from bgacheck.core.detect import detect_arrays
    a, b, web = land.mask_webs(model, detect_arrays(model)[0])
    straight = web[np.isclose(web, web.max()) == False]  # noqa: E712 - diagonals are the max
    assert arr.balls == 16
    assert np.isclose(straight.min(), mm_to_nm(1.0 - 0.6))


def test_thick_stencil_fails_the_area_ratio():
    rep = run(with_mask(grid().model(), 0.10), stencil_mm=0.2)  # 0.50 / (4 x 0.2) = 0.625
    found = [f for f in rep.findings if f.rule_id == "ipc7525.area_ratio"]
    assert len(found) == 1 and found[0].measured == pytest.approx(0.625)


@pytest.mark.parametrize("text, mm", [("0.1", 0.1), ("0.12 mm", 0.12), ("4mil", 0.1016),
                                      ("100um", 0.1)])
def test_stencil_thickness_is_read_from_a_board_text_variable(text, mm):
    model = dataclasses.replace(grid().model(), properties={"STENCIL_THICKNESS": text})
    t, src = land.stencil_thickness(model, CheckOptions(), None)
    assert t == pytest.approx(mm) and "STENCIL_THICKNESS" in src


def test_ball_size_comes_from_the_footprint_name_then_the_profile():
    from bgacheck.core.context import rules_for
    from bgacheck.core.detect import detect_arrays
    for named, want in ((True, 0.6), (False, 0.6)):
        model = grid(ball_in_name=named).model()
        arr = detect_arrays(model)[0]
        rs = rules_for(model, arr, CheckOptions())
        d, src = land.ball_diameter(model, arr, CheckOptions(), rs)
        assert d == pytest.approx(want)
        assert ("footprint name" in src) == named
    d, src = land.ball_diameter(model, arr, CheckOptions(ball_d_mm=0.45), None)
    assert d == 0.45 and "option" in src


def test_off_centre_field_via_is_judged_by_its_clearance_loss_to_the_nearest_land():
    b = grid()
    b.vias[5]["x"] += 0.10  # B2's via, between A1 A2 B1 B2: 0.640 mm from A2/B2 instead of 0.707
    rep = run(with_mask(b.model(), 0.10))
    found = [f for f in rep.findings if f.rule_id == "ug1099.t1.pad_to_via"]
    assert len(found) == 1 and found[0].pads == ("B2",)
    assert found[0].measured == pytest.approx(np.hypot(0.5, 0.5) - np.hypot(0.4, 0.5), abs=1e-4)
    assert found[0].limit == pytest.approx(0.05)
    assert found[0].items[0][1] == "via-5" and found[0].fix


def test_a_field_via_off_centre_by_less_than_the_tolerance_is_not_reported():
    b = grid()
    b.vias[5]["x"] += 0.05  # loses 0.034 mm of clearance: within the 0.05 mm tolerance
    rep = run(with_mask(b.model(), 0.10))
    assert [f for f in rep.findings if f.rule_id == "ug1099.t1.pad_to_via"] == []


def test_vias_outside_the_field_are_held_to_fab_minimums_only():
    b = grid()  # the corner and edge balls' vias sit outside the ball field
    for v in b.vias:
        v["d"], v["drill"] = 0.60, 0.30  # above UG1099's 0.48 / 0.25
    for k in (5, 6, 9, 10):  # B2, B3, C2, C3: their vias sit between four balls
        b.vias[k]["d"], b.vias[k]["drill"] = 0.48, 0.25
    rep = run(with_mask(b.model(), 0.10))
    assert [f for f in rep.findings if f.rule_id.startswith("ug1099.t1.via")] == []
    assert rep.bgas[0].extra["vias"]["field_vias"] == 4  # the four inner interstices


def test_unfilled_via_in_pad_is_an_error_unless_the_board_declares_fill():
    b = grid(fanout=False)
    for pad in b.pads:
        b.via(pad["x"], pad["y"], 0.3, 0.15, net=b.nets[pad["net"]])
    model = with_mask(b.model(), 0.10)
    rep = run(model)
    assert rules(rep, "ipc4761") == ["ipc4761.via_in_pad_fill"]
    declared = dataclasses.replace(model, properties={"VIA_PROTECTION": "IPC-4761 Type VII"})
    assert rules(run(declared), "ipc4761") == []
    assert vias.via_protection_declared(declared).startswith("board text variable")


def test_mixing_via_in_pad_and_dog_bone_is_flagged():
    b = grid()
    b.vias[0]["x"], b.vias[0]["y"] = 0.0, 0.0  # A1's via moves into its pad
    rep = run(with_mask(b.model(), 0.10), fab_tier="hdi")
    found = [f for f in rep.findings if f.rule_id == "ug575.via_in_pad_mixed"]
    assert len(found) == 1 and found[0].pads == ("A1",)


def test_ball_without_copper_leaving_it_is_unrouted_and_unconnected_nets_are_skipped():
    b = grid()
    b.footprint("J1", fpid="Connector:Test", x=10, y=10)
    for k, name in enumerate(("N_B3", "N_A1", "N_C3")):
        b.pad(str(k + 1), 10 + 2 * k, 10, 1.0, net=name)
    del b.tracks[10]  # C3's stub: its net goes to J1, so C3 must be fanned out
    del b.tracks[6]  # B3's stub
    b.pads[1]["net"] = b.net("N_LONELY")  # A2: a net with no other pad needs no fanout
    del b.tracks[1]
    b.pads[0]["net"] = b.net("unconnected-(U1-PadA1)")  # A1 goes to J1 but is marked unconnected
    del b.tracks[0]
    rep = run(with_mask(b.model(), 0.10))
    found = [f for f in rep.findings if f.rule_id == "fanout.unrouted_ball"]
    assert sorted(f.pads for f in found) == [("B3",), ("C3",)]
    assert rep.bgas[0].extra["fanout"]["single_pad_nets"] >= 1


def test_via_joining_nothing_else_is_dangling_when_its_net_goes_elsewhere():
    b = grid()
    b.footprint("J1", fpid="Connector:Test", x=10, y=10)
    b.pad("1", 10, 10, 1.0, net="N_A1")  # N_A1 must reach J1 but its via stops
    b.pad("2", 12, 10, 1.0, net="N_A2")
    b.track(-0.5, -0.5, 5, -0.5, 0.1, layer=1, net="N_A2")  # wrong net: no help
    a2 = b.vias[1]
    b.track(a2["x"], a2["y"], 5, a2["y"], 0.1, layer=1, net="N_A2")  # A2 goes on
    rep = run(with_mask(b.model(), 0.10))
    found = [f for f in rep.findings if f.rule_id == "fanout.dangling_via"]
    assert [f.pads for f in found] == [("A1",)]


def test_standoff_reports_height_per_ball_and_its_inputs():
    rep = run(with_mask(grid().model(), 0.10), stencil_mm=0.1)
    st = rep.bgas[0].extra["standoff"]
    assert 0.3 < st["height_mm"] < 0.6 and st["tolerance_mm"] > 0
    assert st["ball_d_mm"] == 0.6 and "footprint name" in st["ball_source"]
    assert st["stencil_source"] == "option --stencil-mm"
    assert len(st["per_ball_height_mm"]) == len(rep.bgas[0].ball_names) == 16
    assert any(f.rule_id == "standoff.predicted" for f in rep.findings)
    assert any(line.startswith("standoff ") for line in rep.bgas[0].extra["text_lines"])
