"""The board-file reader's lowest layers: tokens, escapes, limits, number rounding, the layout
cut and KiCad's rotation arithmetic. No KiCad needed."""
from __future__ import annotations

import math

import numpy as np
import pytest

from bgacheck.board_file import kimath
from bgacheck.board_file.layout import indent_unit, split, split_by_tokens
from bgacheck.board_file.sexpr import (
    MAX_DEPTH,
    Quoted,
    SexprError,
    board_units,
    parse_float,
    parse_node,
    parse_span,
    unescape,
)


def test_nodes_atoms_and_quoted_strings():
    node, after = parse_node(b'(pad "1" smd (at 1.5 -2) (net 5 "5"))  tail', 0)
    assert node == ["pad", "1", "smd", ["at", "1.5", "-2"], ["net", "5", "5"]]
    assert isinstance(node[1], Quoted) and not isinstance(node[2], Quoted)
    assert isinstance(node[4][2], Quoted) and not isinstance(node[4][1], Quoted)
    assert after == len(b'(pad "1" smd (at 1.5 -2) (net 5 "5"))')


def test_fast_span_parser_agrees_with_the_tokenizer():
    text = b'(fp_text user "a \\"b\\" (c)" (at 0 0) (effects (font (size 1 1))))'
    assert parse_span(text, 0, len(text)) == parse_node(text, 0)[0]


@pytest.mark.parametrize("raw, text", [
    (rb"plain", "plain"),
    (rb"a\"b", 'a"b'),
    (rb"back\\slash", "back\\slash"),
    (rb"tab\tnew\nline", "tab\tnew\nline"),
    (rb"hex\x41", "hexA"),
    (rb"oct\101", "octA"),
    (rb"odd\q", "odd\\q"),
    ("Ω µ".encode(), "Ω µ"),
])
def test_string_escapes_as_kicads_lexer(raw, text):
    assert unescape(raw) == text


@pytest.mark.parametrize("text, message, line", [
    (b"(a (b 1)\n(c 2)", "unbalanced", 2),
    (b"(a\n\n (b \"open))", "unterminated string", 3),
    (b"(a))", None, None),
    (b"(\"q\" 1)", "keyword", 1),
    (b"()", "keyword", 1),
    (b"atom", "expected '('", 1),
])
def test_malformed_text_raises_with_its_line(text, message, line):
    if message is None:  # trailing ')' after a whole node: parse_node stops after the node
        node, after = parse_node(text, 0)
        assert node == ["a"] and text[after:] == b")"
        with pytest.raises(SexprError):
            parse_span(text, 0, len(text))
        return
    with pytest.raises(SexprError) as err:
        parse_node(text, 0)
    assert message in err.value.message
    assert err.value.line == line


def test_nesting_is_limited_without_recursion():
    deep = b"(a " * 100_000 + b")" * 100_000
    with pytest.raises(SexprError, match="deeper than"):
        parse_node(deep, 0)
    with pytest.raises(SexprError, match="deeper than"):
        parse_span(deep, 0, len(deep))
    with pytest.raises(SexprError, match="deeper than"):
        split_by_tokens(deep, 0, len(deep), MAX_DEPTH)
    fine = b"(a " * MAX_DEPTH + b")" * MAX_DEPTH
    assert parse_node(fine, 0)[1] == len(fine)


@pytest.mark.parametrize("token, nm", [
    ("2.01", 2_010_000),        # 2.01 * 1e6 = 2009999.9999999998 in doubles: KiROUND gives 2010000
    ("0.1", 100_000),
    ("-0.0000005", -1),         # half away from zero
    ("0.0000005", 1),
    ("1e-3", 1_000),
    ("5000", 2**31 - 1 - 10),   # clamped as KiCad's parseBoardUnits clamps
    ("-5000", -(2**31 - 1 - 10)),
])
def test_lengths_round_as_kicad(token, nm):
    assert board_units(token) == nm


@pytest.mark.parametrize("token", ["nan", "inf", "1.2.3", "", "0x10", Quoted("1")])
def test_numbers_must_be_plain_decimals(token):
    with pytest.raises(SexprError):
        parse_float(token)


def test_layout_cut_equals_the_token_cut():
    text = (b'(kicad_pcb\n\t(version 20241229)\n\t(net 1 "a (b")\n\t(segment\n\t\t(start 0 0)\n'
            b'\t\t(end 1 1)\n\t)\n\t(via\n\t\t(at 0 0)\n\t)\n)\n')
    unit = indent_unit(text)
    assert unit == b"\t"
    head, fast = split(text, 0, len(text), 1, unit, head_nodes=True)
    _, slow, end = split_by_tokens(text, 0, len(text), MAX_DEPTH)
    assert [(c.keyword, c.start, c.end) for c in fast] == \
        [(c.keyword, c.start, c.end) for c in slow]
    assert [c.keyword for c in fast] == ["version", "net", "segment", "via"]
    assert text[end:].strip() == b""


def test_layout_cut_declines_text_it_cannot_vouch_for():
    flat = b"(kicad_pcb (version 20241229) (net 1 \"a\"))"
    assert indent_unit(flat) is None
    assert split(flat, 0, len(flat), 1, None) is None
    odd = b"(kicad_pcb\n\t(net 1 \"a\") junk\n\t(segment (start 0 0))\n)\n"
    assert split(odd, 0, len(odd), 1, b"\t") is None  # an atom after a child: not KiCad's


@pytest.mark.parametrize("deg", [0, 90, 180, 270, -90, 45, 30, 12.5, 359.9, 720])
def test_rotation_is_kicads_rotatepoint(deg):
    x, y = 1_234_567, -765_432
    rx, ry = kimath.rotate(x, y, deg)
    # RotatePoint turns clockwise on screen (y down) for positive angles: x' = x cos + y sin.
    s, c = math.sin(math.radians(deg)), math.cos(math.radians(deg))
    assert abs(rx - (x * c + y * s)) <= 1 and abs(ry - (y * c - x * s)) <= 1
    if deg % 90 == 0:  # cardinal angles are exact swaps
        assert {abs(rx), abs(ry)} == {abs(x), abs(y)}
    many = kimath.rotate_many(np.array([x]), np.array([y]), deg)
    assert (int(many[0][0]), int(many[1][0])) == (rx, ry)


def test_angles_normalise_as_eda_angle():
    assert kimath.normalize(-90) == 270 and kimath.normalize(720) == 0
    assert kimath.normalize180(270) == -90 and kimath.normalize180(-180) == 180
