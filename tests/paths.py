"""Where the tests find real boards and KiCad's libraries (importable by any test module)."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_BOARDS = Path(os.environ.get("BGACHECK_SHARED_BOARDS", REPO.parent / "shared" / "boards"))
VME_WREN = Path("/usr/share/kicad/demos/vme-wren/vme-wren.kicad_pcb")
BGA_LIBRARY = Path("/usr/share/kicad/footprints/Package_BGA.pretty")
