"""Check stages, one module per rule family, listed here in the order they run.

``ARRAY_STAGES``: ``(name, fn(ctx))`` run for every detected array with its ``ArrayContext``;
each appends Findings to ``ctx.findings`` and returns a dict filed under the BGA summary's
``extra[name]`` (a ``text_lines`` entry goes to the BGA's text block), or None.
``BOARD_STAGES``: ``(name, fn(model, contexts, options, report))`` run once after the arrays,
for findings that are about the board (or the run's options) rather than one BGA.
To add a check: write the module, then add one line here.
"""
from . import assembly, board_notes, channels, clearance, escape, fanout, land, standoff, vias

__all__ = ["ARRAY_STAGES", "BOARD_STAGES"]

ARRAY_STAGES = (
    ("land", land.check),
    ("vias", vias.check),
    ("fanout", fanout.check),
    ("channels", channels.check),
    ("clearance", clearance.check),
    ("escape", escape.check),
    ("standoff", standoff.check),
    ("assembly", assembly.check),
)
BOARD_STAGES = (
    ("board_notes", board_notes.check),
)
