"""Copper geometry: exact gaps from cores and radii, per-layer vias, arcs, bulk pair queries."""
from __future__ import annotations

import math

import numpy as np
import pytest

from bgacheck.core import geometry as g
from bgacheck.core.model import PadShape
from bgacheck.core.units import NM_PER_MM
from routing_boards import Board

BIG = (-1e9, -1e9, 1e9, 1e9)


def items(model, layer=0, box=BIG):
    return g.AreaLayer(model, layer, box)


def pair_gap_mm(al, kind_a, idx_a, kind_b, idx_b):
    a = np.flatnonzero((al.kind == kind_a) & (al.index == idx_a))
    b = np.flatnonzero((al.kind == kind_b) & (al.index == idx_b))
    return float(al.gaps(a, b)[0]) / NM_PER_MM


def test_round_pads_gap_is_centre_distance_minus_radii_exactly():
    b = Board()
    b.footprint("U1")
    p0 = b.pad("A1", 0.0, 0.0, 0.4, net="a")
    p1 = b.pad("A2", 0.8, 0.0, 0.4, net="b")
    al = items(b.model())
    assert pair_gap_mm(al, g.PAD, p0, g.PAD, p1) == pytest.approx(0.4, abs=1e-9)


def test_track_gap_to_pad_uses_half_width_and_round_caps():
    b = Board()
    b.footprint("U1")
    p = b.pad("A1", 0.0, 0.0, 0.4, net="a")
    t = b.track(0.5, -1.0, 0.5, 1.0, 0.1, net="b")  # vertical, 0.5 mm right of the pad centre
    cap = b.track(0.0, 0.6, 0.0, 2.0, 0.1, net="c")  # end cap pointing at the pad
    al = items(b.model())
    assert pair_gap_mm(al, g.PAD, p, g.TRACK, t) == pytest.approx(0.5 - 0.2 - 0.05, abs=1e-9)
    assert pair_gap_mm(al, g.PAD, p, g.TRACK, cap) == pytest.approx(0.6 - 0.2 - 0.05, abs=1e-9)


def test_rotated_rect_and_oval_pads_are_exact():
    b = Board()
    b.footprint("J1")
    rect = b.pad("1", 0.0, 0.0, 1.0, 0.4, shape=PadShape.RECT, rot=90.0, net="a")  # now 0.4 x 1.0
    oval = b.pad("2", 3.0, 0.0, 1.0, 0.4, shape=PadShape.OVAL, rot=90.0,
                 net="b")  # vertical stadium
    v = b.via(0.0, 1.0, 0.4, 0.2, net="c")  # 0.5 below the rect's edge centre
    w = b.via(3.0, 1.0, 0.4, 0.2, net="d")  # 0.5 below the oval's top arc centre... at 0.3
    al = items(b.model())
    assert pair_gap_mm(al, g.PAD, rect, g.VIA, v) == pytest.approx(1.0 - 0.5 - 0.2, abs=1e-9)
    assert pair_gap_mm(al, g.PAD, oval, g.VIA, w) == pytest.approx(1.0 - 0.5 - 0.2, abs=1e-9)


def test_roundrect_corner_gap_follows_the_rounded_corner():
    b = Board()
    b.footprint("U1")
    rr = b.pad("1", 0.0, 0.0, 1.0, 1.0, shape=PadShape.ROUNDRECT, corner=0.25, net="a")
    v = b.via(1.0, 1.0, 0.2, 0.1, net="b")  # on the diagonal through the corner arc's centre
    al = items(b.model())
    # The corner arc is centred 0.25 mm in from each side, at (0.25, 0.25).
    want = math.hypot(1.0 - 0.25, 1.0 - 0.25) - 0.25 - 0.1
    assert pair_gap_mm(al, g.PAD, rr, g.VIA, v) == pytest.approx(want, abs=1e-9)


def test_custom_pad_polygon_is_used_as_drawn():
    b = Board()
    b.footprint("U1")
    tri = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)]
    p = b.pad("1", 0.3, 0.3, 1.0, shape=PadShape.CUSTOM, polygon=tri, net="a")
    v = b.via(1.0, 1.0, 0.2, 0.1, net="b")
    al = items(b.model())
    # Distance from (1, 1) to the hypotenuse x + y = 1 is 1/sqrt(2).
    assert pair_gap_mm(al, g.PAD, p, g.VIA, v) == pytest.approx(1 / math.sqrt(2) - 0.1, abs=1e-6)


def test_via_without_pad_on_a_layer_is_its_hole_and_blind_via_is_absent():
    b = Board(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    through = b.via(0.0, 0.0, 0.6, 0.3, flashed=(0, 3), remove_unused=True)
    blind = b.via(2.0, 0.0, 0.3, 0.1, span=(0, 1))
    m = b.model()
    inner = items(m, layer=2)
    k = np.flatnonzero(inner.kind == g.VIA)
    assert list(inner.index[k]) == [through]
    assert inner.hole_only[k].tolist() == [True]
    assert inner.radius_nm[k].tolist() == [150_000.0]
    top = items(m, layer=0)
    k = np.flatnonzero(top.kind == g.VIA)
    assert sorted(top.index[k].tolist()) == [through, blind]
    assert not top.hole_only[k].any()
    assert top.radius_nm[k][top.index[k] == through][0] == 300_000.0
    assert blind not in items(m, layer=2).index[items(m, layer=2).kind == g.VIA]


def test_through_hole_pads_are_on_inner_layers_smd_pads_only_outside():
    b = Board(layers=("F.Cu", "In1.Cu", "B.Cu"))
    b.footprint("J1")
    pth = b.pad("1", 0.0, 0.0, 1.7, attrib=0, drill=1.0, back=True)
    smd = b.pad("2", 3.0, 0.0, 0.5)
    al = items(b.model(), layer=1)
    assert al.index[al.kind == g.PAD].tolist() == [pth]
    assert smd in items(b.model(), layer=0).index


def test_arc_polyline_stays_within_tolerance_and_keeps_end_points():
    pts = g.arc_polyline((1_000_000, 0), (0, 1_000_000), (-1_000_000, 0))
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert np.allclose(r, 1_000_000)
    mids = (pts[1:] + pts[:-1]) / 2  # chord mid points are where the polyline is furthest in
    assert (1_000_000 - np.hypot(mids[:, 0], mids[:, 1])).max() <= g.ARC_TOLERANCE_NM
    assert tuple(pts[0]) == (1_000_000, 0) and tuple(pts[-1]) == (-1_000_000, 0)
    assert (pts[:, 1] >= -1e-6).all()  # went round through the mid point, not the other way


def test_arc_track_gap_to_a_via_at_its_centre():
    b = Board()
    t = b.track(2.0, 0.0, -2.0, 0.0, 0.2, mid=(0.0, -2.0), net="a")
    v = b.via(0.0, 0.0, 0.4, 0.2, net="b")
    al = items(b.model())
    gap = pair_gap_mm(al, g.TRACK, t, g.VIA, v)
    # Chords cut inside the arc, towards its centre: the gap is short by at most the tolerance.
    assert 2.0 - 0.1 - 0.2 - g.ARC_TOLERANCE_NM / NM_PER_MM <= gap <= 2.0 - 0.1 - 0.2


def test_pairs_within_matches_brute_force_and_lists_each_pair_once():
    rng = np.random.default_rng(7)
    b = Board()
    b.footprint("U1")
    for k in range(40):
        b.pad(str(k), *rng.uniform(0, 5, 2), rng.uniform(0.2, 0.5), net=f"n{k}")
    for k in range(40):
        x, y = rng.uniform(0, 5, 2)
        b.track(x, y, x + rng.uniform(-1, 1), y + rng.uniform(-1, 1), 0.1, net=f"t{k}")
    for k in range(20):
        b.via(*rng.uniform(0, 5, 2), 0.4, 0.2, net=f"v{k}")
    al = items(b.model())
    a, c, gap = al.pairs_within(150_000)
    assert (a < c).all()
    assert len(set(zip(a.tolist(), c.tolist()))) == len(a)
    n = len(al)
    ii, jj = np.triu_indices(n, 1)
    brute = al.gaps(ii, jj)
    want = set(zip(ii[brute <= 150_000].tolist(), jj[brute <= 150_000].tolist()))
    assert set(zip(a.tolist(), c.tolist())) == want


def test_box_keeps_only_items_reaching_into_it():
    b = Board()
    b.footprint("U1")
    inside = b.pad("1", 0.0, 0.0, 0.4)
    b.pad("2", 10.0, 0.0, 0.4)
    long = b.track(-5.0, 0.5, 5.0, 0.5, 0.1)  # passes through the box
    b.track(8.0, 8.0, 9.0, 9.0, 0.1)
    al = items(b.model(), box=(-1e6, -1e6, 1e6, 1e6))
    assert sorted(zip(al.kind.tolist(), al.index.tolist())) == [(g.PAD, inside), (g.TRACK, long)]


def test_crossing_finds_tracks_whose_centre_line_crosses_a_probe():
    b = Board()
    across = b.track(0.4, -1.0, 0.4, 1.0, 0.1)
    short = b.track(0.4, 0.1, 0.4, 1.0, 0.1)  # stops above the probe
    al = items(b.model())
    probe, item = al.crossing(np.array([[0.2e6, 0.0, 0.6e6, 0.0]]))
    assert probe.tolist() == [0]
    assert al.index[item].tolist() == [across]
    assert short in al.index


def test_gap_points_is_the_middle_of_the_narrowest_gap():
    b = Board()
    b.footprint("U1")
    b.pad("1", 0.0, 0.0, 0.4, net="a")
    b.track(0.5, -1.0, 0.5, 1.0, 0.1, net="b")
    al = items(b.model())
    x, y = al.gap_points(np.array([0]), np.array([1]))
    assert x[0] / NM_PER_MM == pytest.approx((0.2 + 0.45) / 2, abs=1e-9)
    assert y[0] == pytest.approx(0.0, abs=1)


def test_no_shapely_object_in_the_public_results():
    b = Board()
    b.footprint("U1")
    b.pad("1", 0.0, 0.0, 0.4, net="a")
    b.track(0.5, -1.0, 0.5, 1.0, 0.1, net="b")
    al = items(b.model())
    results = [*al.pairs_within(1e6), *al.gap_points(np.array([0]), np.array([1])),
               *al.crossing(np.zeros((1, 4)))]
    public = [v for k, v in vars(al).items() if not k.startswith("_")]
    for v in results + public:
        assert isinstance(v, (np.ndarray, tuple, int)), type(v)
        if isinstance(v, np.ndarray):
            assert v.dtype != object
