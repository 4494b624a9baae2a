"""bgacheck: BGA land, via, fanout and standoff checks for KiCad boards.

When KiCad's PCB editor imports this package it registers the toolbar action; the command line,
the tests and other importers get the plain library with nothing registered.
"""
from ._version import __version__

__all__ = ["__version__"]


def _running_inside_pcbnew() -> bool:
    """True only when imported by KiCad's plugin loader (pcbnew imported, GUI app running)."""
    import sys

    if "pcbnew" not in sys.modules or sys.modules.get("pcbnew") is None:
        return False
    argv0 = (sys.argv[0] if sys.argv else "") or ""
    return not argv0.endswith(("bga-check", "pytest",
                               "__main__.py")) and "pytest" not in sys.modules


if _running_inside_pcbnew():  # pragma: no cover - exercised by the GUI test under Xvfb
    try:
        from .kicad.action_plugin import register as _register

        _register()
    except Exception as exc:  # a broken plugin must never stop KiCad from starting
        import sys

        print(f"bgacheck: plugin not registered: {exc}", file=sys.stderr)
