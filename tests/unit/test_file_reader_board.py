"""The board-file reader on small hand-written boards: what it reads, the versions it accepts,
and one clear line (with the line number) for anything it cannot read. No KiCad needed; the
same boards are compared with pcbnew's reading in tests/kicad/test_file_reader_vs_pcbnew.py."""
from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from bgacheck import api
from bgacheck.board_file import NEWEST_VERSION, OLDEST_VERSION, BoardFileError, read_board_file
from file_reader_boards import (
    NETS,
    PADS,
    SETUP,
    TRACKS,
    VIAS,
    board,
    flatten,
    footprint,
    standard_board,
)


def _read(tmp_path, text: str, name: str = "b.kicad_pcb"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_board_file(str(path))


def _error(tmp_path, text) -> BoardFileError:
    with pytest.raises(BoardFileError) as err:
        _read(tmp_path, text)
    assert "\n" not in str(err.value)
    return err.value


def test_footprint_pads_and_margins(tmp_path):
    m, info = _read(tmp_path, standard_board())
    assert info.version == 20241229 and m.kicad_version == "9.0"
    assert m.copper_layers == ("F.Cu", "In1.Cu", "In2.Cu", "B.Cu")
    assert m.net_names == ("", "GND", "/SIG")
    (fp,) = m.footprints
    assert (fp.ref, fp.value, fp.fpid, fp.side) == ("U1", "TEST", "Package_BGA:Test", "top")
    assert (fp.x_nm, fp.y_nm, fp.pad_start, fp.pad_stop) == (100_000_000, 50_000_000, 0, 2)
    # the courtyard square shrunk by 5 um, as KiCad caches it
    assert fp.courtyard_nm.min(axis=0).tolist() == [98_005_000, 48_005_000]
    assert fp.courtyard_nm.max(axis=0).tolist() == [101_995_000, 51_995_000]
    p = m.pads
    assert p.number == ("A1", "A2") and p.net.tolist() == [1, 2]
    assert p.x_nm.tolist() == [99_500_000, 100_500_000] and p.y_nm.tolist() == [49_500_000] * 2
    assert p.corner_r_nm.tolist() == [0, 75_000]                   # 0.25 * 0.3 mm
    assert p.mask_w_nm.tolist() == [500_000, 660_000]              # board 0.05 mm, own 0.03 mm
    assert p.paste_w_nm.tolist() == [360_000, 560_000]             # board -0.02 mm
    assert p.on_front_cu.all() and not p.on_back_cu.any()
    s = m.settings
    assert (s.solder_mask_expansion_nm, s.solder_mask_min_web_nm, s.paste_margin_nm) == \
        (50_000, 100_000, -20_000)


def test_tracks_arcs_and_vias(tmp_path):
    m, _ = _read(tmp_path, standard_board())
    t = m.tracks
    assert t.is_arc.tolist() == [False, True] and t.layer.tolist() == [0, 3]
    assert (int(t.xm_nm[1]), int(t.ym_nm[1])) == (707_100, 707_100)
    v = m.vias
    assert v.via_type == ("through", "blind_buried", "micro")
    assert v.layer_from.tolist() == [0, 1, 0] and v.layer_to.tolist() == [3, 3, 1]
    assert v.d_nm.tolist() == [600_000, 450_000, 250_000]
    assert v.flash_mask.tolist() == [0b1111, 0b1110, 0b0011]
    assert v.tented_front.all() and v.tented_back.all()            # (tenting front back)
    assert not v.filled.any() and not v.capped.any()               # no such thing before 10


def test_a_board_not_in_kicads_layout_reads_the_same(tmp_path):
    regular, _ = _read(tmp_path, standard_board(), "a.kicad_pcb")
    flat, _ = _read(tmp_path, flatten(standard_board()), "b.kicad_pcb")
    spaces, _ = _read(tmp_path, standard_board().replace("\t", "  "), "c.kicad_pcb")
    for other in (flat, spaces):
        for table in ("pads", "vias", "tracks"):
            assert pickle.dumps(getattr(other, table)) == pickle.dumps(getattr(regular, table))
        assert np.array_equal(other.footprints[0].courtyard_nm, regular.footprints[0].courtyard_nm)


def test_irregular_items_that_break_the_layout_cut_still_read(tmp_path):
    odd = ('\t(segment (start 99.5 49.5)\n\t(end 1 1) (width 0.1) (layer "F.Cu")) (segment\n'
           '\t\t(start 99.5 49.5)')
    text = standard_board().replace('\t(segment\n\t\t(start 99.5 49.5)', odd)
    m, _ = _read(tmp_path, text)
    assert len(m.tracks) == 3


def test_bottom_side_footprint_mirrors_onto_b_cu(tmp_path):
    pads = PADS.replace('"F.Cu" "F.Mask" "F.Paste"', '"B.Cu" "B.Mask" "B.Paste"')
    m, _ = _read(tmp_path, board(footprint(side="B", at="100 50 180", pads=pads)))
    (fp,) = m.footprints
    assert fp.side == "bottom" and fp.rot_deg == 180.0
    assert m.pads.on_back_cu.all() and not m.pads.on_front_cu.any()


def test_kicad10_nets_by_name_and_via_protection(tmp_path):
    pads = PADS.replace('(net 1 "GND")', '(net "GND")').replace('(net 2 "/SIG")', '(net "/SIG")')
    vias = (VIAS.replace("(net 1)", '(net "GND")').replace("(net 2)", '(net "/NEW")')
            .replace('\t\t(uuid "c1")', '\t\t(capping yes)\n\t\t(filling yes)\n\t\t(uuid "c1")')
            .replace('\t\t(uuid "c2")', '\t\t(filling yes)\n\t\t(uuid "c2")'))
    m, info = _read(tmp_path, board(footprint(pads=pads) + vias, version=NEWEST_VERSION,
                                    nets="", generator_version="10.0"))
    assert info.version == NEWEST_VERSION and m.kicad_version == "10.0"
    assert m.net_names == ("", "GND", "/SIG", "/NEW")              # in order of appearance
    assert m.vias.net.tolist() == [1, 3, 3]
    assert m.vias.filled.tolist() == [True, True, False]
    assert m.vias.capped.tolist() == [True, False, False]


def test_kicad6_legacy_zero_margins_inherit_the_board_margin(tmp_path):
    pads = PADS.replace("(solder_mask_margin 0.03)", "(solder_mask_margin 0)")
    old, _ = _read(tmp_path, board(footprint(pads=pads), version=20221018), "old.kicad_pcb")
    new, _ = _read(tmp_path, board(footprint(pads=pads)), "new.kicad_pcb")
    assert old.pads.mask_w_nm.tolist() == [500_000, 700_000]       # 0 meant "not set"
    assert new.pads.mask_w_nm.tolist() == [500_000, 600_000]       # 0 means 0 since KiCad 8


def test_board_text_variables_and_project_rules(tmp_path):
    project = {"board": {"design_settings": {
        "rules": {"min_clearance": 0.1, "min_via_diameter": 0.4, "min_through_hole_diameter": 0.2},
        "rule_severities": {"hole_clearance": "ignore"}}},
        "net_settings": {"classes": [{"name": "Default", "clearance": 0.15}]}}
    (tmp_path / "b.kicad_pro").write_text(json.dumps(project), encoding="utf-8")
    text = standard_board().replace('\t(net 0 "")', '\t(property "STENCIL_THICKNESS" "0.12")\n'
                                    '\t(net 0 "")')
    m, info = _read(tmp_path, text)
    s = m.settings
    assert (s.min_clearance_nm, s.min_via_diameter_nm, s.min_through_drill_nm) == \
        (100_000, 400_000, 200_000)
    assert s.netclass_clearance_nm == {"Default": 150_000}
    assert m.properties.get("STENCIL_THICKNESS") == "0.12"
    assert info.rule_severities.get("hole_clearance") == "ignore"


@pytest.mark.parametrize("version, words", [
    (20200512, "older than KiCad 6"),
    (NEWEST_VERSION + 1, "newer than this reader knows"),
])
def test_versions_outside_kicad_6_to_10_are_refused(tmp_path, version, words):
    err = _error(tmp_path, standard_board(version=version))
    assert err.kind == "format" and words in str(err)
    assert OLDEST_VERSION <= 20211014


@pytest.mark.parametrize("text, words", [
    ("", "not a KiCad board file"),
    ("(kicad_sch (version 20231120))", "not a KiCad board file"),
    (standard_board()[:-3], "line"),
    (standard_board().replace('(size 0.4 0.4)', '(size 0.4 zero)'), "(line 57)"),
    (standard_board().replace('(layers "F.Cu" "B.Cu")', '(layers "F.Cu" "X.Cu")'),
     "(line 94): undefined layer 'X.Cu'"),
    # a damaged quote runs a name over lines (found by the fuzz test): still one line
    (standard_board().replace('(layers "F.Cu" "B.Cu")', '(layers "F.Cu\n\t\t(net 1)" "B.Cu")'),
     "undefined layer 'F.Cu (net 1)'"),
    (standard_board().replace('(drill 0.3)', '(drill)'), "(line 93): (drill ...) needs 1 value"),
    (standard_board().replace('(width 0.2)', '(width w)'), "(line 85): expected track width"),
    (standard_board().replace('(start -2 -2)', '(start -2 q)'), "(line 46): expected length"),
    (standard_board().replace('(uuid "b1")', '(uuid "s1'), "unterminated string"),
    (board("(" * 500 + ")" * 500), "deeper than"),
])
def test_malformed_boards_give_one_line_with_the_line_number(tmp_path, text, words):
    """The line is the offending value's, or the item's when the item is the defect."""
    err = _error(tmp_path, text)
    assert err.kind == "syntax" and words in str(err)
    assert "\n" not in str(err) and len(str(err)) <= 300


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(BoardFileError, match="no such file"):
        read_board_file(str(tmp_path / "none.kicad_pcb"))
    with pytest.raises(BoardFileError, match="directory"):
        read_board_file(str(tmp_path))


def test_api_reads_natively_and_says_so(tmp_path):
    path = tmp_path / "b.kicad_pcb"
    path.write_text(standard_board(), encoding="utf-8")
    assert len(api.read_model(str(path), reader="native").pads) == 2
    report = api.check_file(str(path), reader="native")
    assert report.meta["reader"] == "native" and report.meta["board_format"] == 20241229
    with pytest.raises(api.UserError) as err:
        api.read_model(str(path), reader="magic")
    assert err.value.code == 2


def test_unused_setup_and_nets_do_not_matter(tmp_path):
    m, _ = _read(tmp_path, board(TRACKS, setup="", nets=NETS + '\t(net 7 "SPARE")\n'))
    # KiCad gives a declared code that is not the next free one the next free one
    assert m.net_names[3] == "SPARE" and m.settings.solder_mask_min_web_nm == 50_800
    assert SETUP  # the default setup is what the other tests use


def test_a_defect_of_the_reader_is_one_line_too(tmp_path, monkeypatch):
    from bgacheck.board_file import board as board_module

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(board_module, "_footprints_and_pads", broken)
    err = _error(tmp_path, standard_board())
    assert err.kind == "internal" and "ZeroDivisionError" in str(err)
    assert "--reader pcbnew" in str(err)


@pytest.mark.parametrize("start, mid, end, centre", [
    # Panelization's MouseBite-Slot_2.0x2.0mm_outset_D0.5mm_P0.85mm_2h_Trace at 45 degrees on
    # the back: start and mid level. The estimate divided by zero (the reader raised).
    ((-210777817, -898373654), (-211272793, -898373654), (-211272792, -898868629),
     (-211025305, -898621311)),
    # Level start-mid, level mid-end: a flat slope is moved off zero by 1e-10, not epsilon
    # (75 mm off before, where it did not raise).
    ((-100201065, 94229216), (-105723003, 94229216), (-97040980, 79697070),
     (-102962034, 86019421)),
    ((46133731, 55580228), (38756791, 52413866), (50414464, 52413866), (44585628, 49010455)),
    # Upright start-mid, nearly in line: the centre is far off and clamped into the int range.
    ((-68263629, -77965966), (-68263629, -71447570), (-68268445, -80987818),
     (-2147483548, -74706768)),
])
def test_arc_centres_are_kicads_where_a_chord_is_level_or_upright(start, mid, end, centre):
    from bgacheck.board_file.outlines import _calc_arc_center

    # The centres are KiCad 9.0.8's (PCB_SHAPE.SetArcGeometry, then GetCenter).
    assert _calc_arc_center(start, mid, end) == centre


LED_VCCLITE_COURTYARD = [  # LED_THT:LED_VCCLite_5381H1_6.35x6.35mm: its arc starts 3 um off
    ("fp_line", "(start -2.15 -2.15) (end -2.15 0.15)"),  # the line that ends at 2.4 mm
    ("fp_line", "(start -2.15 -2.15) (end 4.7 -2.15)"),
    ("fp_line", "(start -2.15 4.7) (end -2.15 2.4)"),
    ("fp_line", "(start 4.7 -2.15) (end 4.7 4.7)"),
    ("fp_line", "(start 4.7 4.7) (end -2.15 4.7)"),
    ("fp_arc", "(start -2.147033 2.39902) (mid -2.328719 1.274748) (end -2.15 0.15)"),
]


def test_courtyard_chained_from_the_first_lines_end_redraws_an_arc_that_misses(tmp_path):
    # KiCad 9 starts a chain at the end of its first piece (by pointer order, nearly always
    # the file's first) and runs that piece backwards: it meets the arc coming from the line
    # that ends 3 um from it and draws the arc again from there. Its shrunk outline then has
    # the arc begin on the shrunk line x = -2.145 mm, as KiCad's has on the library board
    # (bench/library_sweep.py); the arc's own start was kept before, 3 um off that line.
    items = "".join(f'\t\t({kind} {geometry} (stroke (width 0.05) (type solid)) '
                    f'(layer "F.CrtYd"))\n' for kind, geometry in LED_VCCLITE_COURTYARD)
    fp = footprint(at="100 50", extra=items).replace('(start -2 -2)', '(start 3 3)').replace(
        '(end 2 2)', '(end 3.5 3.5)')  # the helper's square, now a hole inside
    m, _ = _read(tmp_path, board(fp))
    ring = (m.footprints[0].courtyard_nm - [100_000_000, 50_000_000]).tolist()
    assert len(ring) == 12
    assert ring[2:4] == [[-2_145_000, 4_695_000], [-2_145_000, 2_399_238]]
    assert ring[10:] == [[-2_145_000, 150_761], [-2_145_000, -2_145_000]]
