"""The IPC front end's drawing: layout primitives become kipy board items 1:1, tagged as ours.

These build the protobuf items kicad-python sends; tests/gui/test_ipc_gui.py sends them to a real
KiCad 9.0.8 and checks what lands on the board.
"""
from __future__ import annotations

import pytest

from bgacheck.kicad import ipc_annotations as ipc
from bgacheck.render.board_marks import Primitive, is_ours, uuid_for

kipy = pytest.importorskip("kipy", reason="kicad-python is in requirements.txt (make venv)")
from kipy.board_types import BoardCircle, BoardRectangle, BoardSegment, BoardText  # noqa: E402
from kipy.proto.board.board_types_pb2 import BoardLayer  # noqa: E402
from kipy.proto.common.types import enums_pb2  # noqa: E402

LAYER = BoardLayer.BL_User_5


def test_each_primitive_kind_becomes_its_kipy_item_in_nanometres():
    circle = ipc.to_kipy(Primitive("circle", "k1", (10.0, 20.0), (10.3, 20.0), width_mm=0.05),
                         LAYER)
    segment = ipc.to_kipy(Primitive("segment", "k2", (1.0, 2.0), (3.0, 4.5)), LAYER)
    rect = ipc.to_kipy(Primitive("rect", "k3", (0.0, 0.0), (5.0, 6.0), width_mm=0.1), LAYER)
    assert isinstance(circle, BoardCircle) and isinstance(segment, BoardSegment)
    assert isinstance(rect, BoardRectangle)
    assert (circle.center.x, circle.center.y, circle.radius_point.x) == (10_000_000, 20_000_000,
                                                                       10_300_000)
    assert (segment.end.x, segment.end.y) == (3_000_000, 4_500_000)
    assert (rect.bottom_right.x, rect.bottom_right.y) == (5_000_000, 6_000_000)
    assert circle.attributes.stroke.width == 50_000 and rect.attributes.stroke.width == 100_000
    assert {circle.layer, segment.layer, rect.layer} == {LAYER}


def test_text_keeps_its_height_stroke_and_justification():
    text = ipc.to_kipy(Primitive("text", "k4", (7.0, 8.0), text="U2  FAIL", height_mm=1.0,
                                 width_mm=0.15, justify="center"), LAYER)
    assert isinstance(text, BoardText) and text.value == "U2  FAIL"
    assert (text.position.x, text.position.y) == (7_000_000, 8_000_000)
    assert (text.attributes.size.x, text.attributes.size.y) == (1_000_000, 1_000_000)
    assert text.attributes.stroke_width == 150_000
    assert text.attributes.horizontal_alignment == enums_pb2.HA_CENTER
    # kicad-python's defaults (one line, spacing 0) would draw a block's lines on top of each other
    assert text.attributes.multiline and text.attributes.line_spacing == 1.0
    left = ipc.to_kipy(Primitive("text", "k5", (0, 0), text="E1", height_mm=0.3), LAYER)
    assert left.attributes.horizontal_alignment == enums_pb2.HA_LEFT


def test_items_carry_our_tag_and_alternate_generations_between_runs():
    prim = Primitive("circle", "U2|spot|1", (0, 0), (1, 0))
    first, second = (ipc.to_kipy(prim, LAYER, g).id.value for g in (0, 1))
    assert is_ours(first) and is_ours(second) and first != second
    assert ipc.generation_of(first) == 0 and ipc.generation_of(second) == 1
    # the rest of the UUID is the layout key's, so both front ends agree on what an item is
    assert first[13:] == second[13:] == uuid_for("U2|spot|1")[13:]
    assert ipc.with_generation(first, 1) == second


def test_an_unknown_primitive_kind_is_refused():
    with pytest.raises(ValueError, match="unknown primitive kind"):
        ipc.to_kipy(Primitive("spline", "k", (0, 0)), LAYER)
