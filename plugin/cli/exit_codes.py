"""The exit codes of every ``bga-check`` command, in one table.

``api.UserError`` carries 2 or 3 as a plain number (the library does not import the command
line); ``tests/cli`` checks that its default is ``USAGE``.
"""
from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """What a ``bga-check`` exit status means."""

    OK = 0
    """Clean: no finding at or above ``--severity`` (``check``, ``ci``), a valid joint
    (``standoff``), or the requested listing or file written (``rules``)."""
    FINDINGS = 1
    """Findings at or above ``--severity`` (``check``; ``ci``: new ones, not waived), or an
    invalid joint (``standoff``: open, unpinned, no equilibrium)."""
    USAGE = 2
    """Usage or input error: a bad option, a missing or unreadable board, rule or baseline file,
    a failed kicad-cli run. One line on stderr."""
    NO_KICAD = 3
    """KiCad's Python module (pcbnew) is missing where a command needs it."""
    INTERNAL = 4
    """A bug: one line on stderr, the traceback with ``--debug``."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C (the shell's 128 + SIGINT)."""
