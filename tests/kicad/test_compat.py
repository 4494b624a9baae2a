"""Version quirks in plugin/kicad/compat.py, exercised on the real KiCad 9 module."""
from __future__ import annotations

from paths import REPO

DEMO = REPO / "fixtures" / "boards" / "bga-0.8mm-clean.kicad_pcb"


def test_resolve_item_finds_a_via_by_its_uuid_and_none_for_an_unknown_one(pcbnew_module):
    from bgacheck.kicad import compat

    board = compat.load_board(str(DEMO))
    via = next(t for t in board.GetTracks() if t.Type() == pcbnew_module.PCB_VIA_T)
    found = compat.resolve_item(board, via.m_Uuid.AsString())
    assert found is not None and found.m_Uuid.AsString() == via.m_Uuid.AsString()
    assert found.GetPosition() == via.GetPosition()
    assert compat.resolve_item(board, "00000000-0000-4000-8000-000000000001") is None


def test_via_types_map_every_kind_this_kicad_has(pcbnew_module):
    from bgacheck.kicad import compat

    names = compat.via_type_names()
    assert names[pcbnew_module.VIATYPE_THROUGH] == "through"
    assert names[pcbnew_module.VIATYPE_MICROVIA] == "micro"
    assert set(names.values()) == {"through", "blind_buried", "micro"}


def test_board_file_plugin_loads_a_library_footprint(pcbnew_module):
    from bgacheck.kicad import compat

    io = compat.board_file_plugin()
    fp = io.FootprintLoad("/usr/share/kicad/footprints/Package_BGA.pretty",
                          "BGA-64_9.0x9.0mm_Layout10x10_P0.8mm")
    assert fp is not None and len(fp.Pads()) == 64
