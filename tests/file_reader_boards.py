"""Small hand-written .kicad_pcb texts for the board-file reader's unit tests (KiCad 9 layout:
a tab per level, one item per line), with the values a test can work out by hand."""
from __future__ import annotations

LAYERS_4 = ('\t(layers\n\t\t(0 "F.Cu" signal)\n\t\t(4 "In1.Cu" signal)\n\t\t(6 "In2.Cu" signal)\n'
            '\t\t(2 "B.Cu" signal)\n\t\t(13 "F.Paste" user)\n\t\t(15 "B.Paste" user)\n'
            '\t\t(1 "F.Mask" user)\n\t\t(3 "B.Mask" user)\n\t\t(25 "Edge.Cuts" user)\n'
            '\t\t(31 "F.CrtYd" user "F.Courtyard")\n\t\t(29 "B.CrtYd" user "B.Courtyard")\n'
            '\t\t(35 "F.Fab" user)\n\t)\n')

SETUP = ('\t(setup\n\t\t(pad_to_mask_clearance 0.05)\n\t\t(solder_mask_min_width 0.1)\n'
         '\t\t(pad_to_paste_clearance -0.02)\n\t\t(tenting front back)\n\t)\n')

NETS = '\t(net 0 "")\n\t(net 1 "GND")\n\t(net 2 "/SIG")\n'


def footprint(ref: str = "U1", at: str = "100 50", side: str = "F", pads: str = "",
              extra: str = "") -> str:
    """A footprint with a 4 x 4 mm courtyard square and the given pad lines."""
    return (f'\t(footprint "Package_BGA:Test"\n\t\t(layer "{side}.Cu")\n'
            f'\t\t(uuid "00000000-0000-4000-8000-00000000{sum(map(ord, ref)):04d}")\n'
            f'\t\t(at {at})\n'
            f'\t\t(property "Reference" "{ref}"\n\t\t\t(at 0 -3 0)\n\t\t\t(layer "{side}.SilkS")\n'
            f'\t\t)\n\t\t(property "Value" "TEST"\n\t\t\t(at 0 3 0)\n\t\t\t(layer "{side}.Fab")\n'
            f'\t\t)\n\t\t(attr smd)\n{extra}'
            f'\t\t(fp_rect\n\t\t\t(start -2 -2)\n\t\t\t(end 2 2)\n\t\t\t(stroke\n'
            f'\t\t\t\t(width 0.05)\n\t\t\t\t(type solid)\n\t\t\t)\n\t\t\t(fill no)\n'
            f'\t\t\t(layer "{side}.CrtYd")\n\t\t)\n{pads}\t)\n')


PADS = ('\t\t(pad "A1" smd circle\n\t\t\t(at -0.5 -0.5)\n\t\t\t(size 0.4 0.4)\n'
        '\t\t\t(layers "F.Cu" "F.Mask" "F.Paste")\n\t\t\t(net 1 "GND")\n'
        '\t\t\t(pintype "passive")\n\t\t\t(uuid "a1")\n\t\t)\n'
        '\t\t(pad "A2" smd roundrect\n\t\t\t(at 0.5 -0.5)\n\t\t\t(size 0.6 0.3)\n'
        '\t\t\t(layers "F.Cu" "F.Mask" "F.Paste")\n\t\t\t(roundrect_rratio 0.25)\n'
        '\t\t\t(net 2 "/SIG")\n\t\t\t(solder_mask_margin 0.03)\n\t\t\t(uuid "a2")\n\t\t)\n')

TRACKS = ('\t(segment\n\t\t(start 99.5 49.5)\n\t\t(end 98 48)\n\t\t(width 0.1)\n'
          '\t\t(layer "F.Cu")\n\t\t(net 1)\n\t\t(uuid "b1")\n\t)\n'
          '\t(arc\n\t\t(start 1 0)\n\t\t(mid 0.7071 0.7071)\n\t\t(end 0 1)\n\t\t(width 0.2)\n'
          '\t\t(layer "B.Cu")\n\t\t(net 2)\n\t\t(uuid "b2")\n\t)\n')

VIAS = ('\t(via\n\t\t(at 98 48)\n\t\t(size 0.6)\n\t\t(drill 0.3)\n\t\t(layers "F.Cu" "B.Cu")\n'
        '\t\t(net 1)\n\t\t(uuid "c1")\n\t)\n'
        '\t(via blind\n\t\t(at 90 40)\n\t\t(size 0.45)\n\t\t(drill 0.2)\n'
        '\t\t(layers "In1.Cu" "B.Cu")\n\t\t(net 2)\n\t\t(uuid "c2")\n\t)\n'
        '\t(via micro\n\t\t(at 91 40)\n\t\t(size 0.25)\n\t\t(drill 0.1)\n'
        '\t\t(layers "F.Cu" "In1.Cu")\n\t\t(net 2)\n\t\t(uuid "c3")\n\t)\n')


def board(body: str = "", version: int = 20241229, setup: str = SETUP, nets: str = NETS,
          layers: str = LAYERS_4, generator_version: str = "9.0") -> str:
    """A whole board file around ``body`` (footprints, tracks, vias, zones)."""
    gen = f'\t(generator_version "{generator_version}")\n' if generator_version else ""
    return (f'(kicad_pcb\n\t(version {version})\n\t(generator "pcbnew")\n{gen}'
            f'\t(general\n\t\t(thickness 1.6)\n\t)\n\t(paper "A4")\n{layers}{setup}{nets}{body})\n')


def standard_board(**kw) -> str:
    """One footprint with two pads, a segment, an arc and three vias (through, blind, micro)."""
    return board(footprint(pads=PADS) + TRACKS + VIAS, **kw)


def flatten(text: str) -> str:
    """The same board on one line with single spaces: valid, but not KiCad's layout."""
    return " ".join(text.split())
