"""Draw a Report on the board open in KiCad through the IPC API, in one undoable commit.

The drawing is ``render.board_marks.layout``'s primitives, mapped 1:1 to kipy shapes and texts,
exactly what the SWIG front end draws. Every item carries a UUID that starts with the board
marks' prefix (``is_ours``), so a re-run finds and removes the previous run's items, and only
those, in the same commit that adds the new ones: one Edit > Undo takes a whole run back.

KiCad rejects an item whose UUID matches one removed in the same commit, so the UUIDs carry a
generation (characters 10-13: ``0000`` or ``0001``) that alternates from run to run; two runs
with the same result still draw the same items.

The report layer: the layer our items already sit on, else a user layer named ``BGA.Check``,
else the first user layer in ``board_marks.REPORT_LAYERS`` order (User.7 and User.3, pale cyan
in KiCad's default colours, read best over copper; then User.5, User.1, light grey, and User.9
down) that the board does not use yet, else one that holds no item. The IPC API of KiCad 9
and 10 cannot rename a layer, so a fresh board shows the annotations on "User.N"; the layer is
enabled and made visible, so Appearance > Layers lists it at once.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..core.report import Report
from ..render import board_marks

__all__ = ["write_report", "remove_annotations", "to_kipy", "LAYER_NAME"]

LAYER_NAME = "BGA.Check"
COMMIT_MESSAGE = "BGA check annotations"


def _nm(mm: float) -> int:
    return int(round(mm * 1_000_000))


def _vec(xy: tuple[float, float]):
    from kipy.geometry import Vector2

    return Vector2.from_xy(_nm(xy[0]), _nm(xy[1]))


def with_generation(uuid_text: str, generation: int) -> str:
    """``uuid_text`` with characters 10-13 (the second group) set to the generation number."""
    return f"{uuid_text[:9]}{generation:04x}{uuid_text[13:]}"


def generation_of(uuid_text: str) -> int:
    """The generation a UUID of ours carries (0 when it carries none we wrote)."""
    try:
        return int(uuid_text[9:13], 16)
    except ValueError:
        return 0


def to_kipy(prim, layer: int, generation: int = 0):
    """One kipy board item for one layout primitive, on ``layer``, with its tagged UUID."""
    from kipy.board_types import BoardCircle, BoardRectangle, BoardSegment, BoardText
    from kipy.proto.common.types import enums_pb2

    kind = prim.kind
    if kind == "text":
        item = BoardText()
        item.value = prim.text
        item.position = _vec(prim.a)
        attrs = item.attributes
        attrs.size = _vec((prim.height_mm, prim.height_mm))
        attrs.stroke_width = _nm(prim.width_mm)
        attrs.horizontal_alignment = (enums_pb2.HA_CENTER if prim.justify == "center"
                                      else enums_pb2.HA_LEFT)
        attrs.vertical_alignment = enums_pb2.VA_CENTER
        # kipy's defaults are one line and a line spacing of 0: KiCad 9.0.8 then draws every
        # line of a summary block on top of the first. The SWIG items' defaults: 1.0, multi-line.
        attrs.multiline = True
        attrs.line_spacing = 1.0
    else:
        if kind == "circle":
            item = BoardCircle()
            item.center, item.radius_point = _vec(prim.a), _vec(prim.b)
        elif kind == "segment":
            item = BoardSegment()
            item.start, item.end = _vec(prim.a), _vec(prim.b)
        elif kind == "rect":
            item = BoardRectangle()
            item.top_left, item.bottom_right = _vec(prim.a), _vec(prim.b)
        else:
            raise ValueError(f"unknown primitive kind {kind!r}")
        item.attributes.stroke.width = _nm(prim.width_mm)
    item.layer = layer
    item.id.value = with_generation(board_marks.uuid_for(prim.key), generation)
    return item


def _our_items(board) -> list:
    return [item for item in (*board.get_shapes(), *board.get_text())
            if board_marks.is_ours(item.id.value)]


def _user_numbers() -> dict[int, int]:
    """User.N's layer id -> N, in ``board_marks.REPORT_LAYERS`` order."""
    from kipy.proto.board.board_types_pb2 import BoardLayer

    return {getattr(BoardLayer, f"BL_User_{n}"): n for n in board_marks.REPORT_LAYERS}


def _user_layers() -> list[int]:
    """The user layers the report may take, the preferred one first."""
    return list(_user_numbers())


def _layer_name(board, layer: int) -> str:
    try:
        return board.get_layer_name(layer)  # KiCad 9.0.8 and later
    except Exception:  # noqa: BLE001 - an older server has no such command; names are optional
        return ""


def choose_layer(board, ours: Iterable) -> int:
    """The report layer: where our items are, else one named BGA.Check, else a free user layer."""
    ours = list(ours)
    if ours:
        return ours[0].layer
    enabled = set(board.get_enabled_layers())
    users = _user_layers()
    for layer in users:
        if layer in enabled and _layer_name(board, layer) == LAYER_NAME:
            return layer
    used = {item.layer for item in (*board.get_shapes(), *board.get_text())}
    for layer in users:  # a layer the board does not use yet first, then an enabled empty one
        if layer not in enabled:
            return layer
    for layer in users:
        if layer not in used:
            return layer
    raise RuntimeError("every user layer (User.1 to User.9) holds the designer's drawings")


def _show_layer(board, layer: int) -> None:
    enabled = list(board.get_enabled_layers())
    if layer not in enabled:
        board.set_enabled_layers(board.get_copper_layer_count(), enabled + [layer])
    visible = list(board.get_visible_layers())
    if layer not in visible:
        board.set_visible_layers(visible + [layer])


def remove_annotations(board) -> int:
    """Remove every item of ours in one commit; returns how many there were."""
    ours = _our_items(board)
    if ours:
        commit = board.begin_commit()
        board.remove_items(ours)
        board.push_commit(commit, "Remove BGA check annotations")
    return len(ours)


def write_report(board, report: Report, profile: str = "") -> dict[str, Any]:
    """Replace the previous run's items with this report's, in one commit; what was done."""
    ours = _our_items(board)
    layer = choose_layer(board, ours)
    generation = 1 - generation_of(ours[0].id.value) % 2 if ours else 0
    items = [to_kipy(p, layer, generation) for p in board_marks.layout(report, profile)]
    _show_layer(board, layer)
    commit = board.begin_commit()
    try:
        if ours:
            board.remove_items(ours)
        if items:
            board.create_items(items)
    except Exception:
        board.drop_commit(commit)
        raise
    board.push_commit(commit, COMMIT_MESSAGE)
    return {"layer": _layer_name(board, layer) or f"User.{_user_numbers().get(layer, '?')}",
            "layer_id": int(layer), "items": len(items), "removed": len(ours), "markers": 0,
            "generation": generation}
