"""The board open in KiCad, reached through KiCad's IPC API (kicad-python, module ``kipy``).

The IPC front end runs in its own process, started by KiCad's toolbar button with the API
server's socket and token in its environment. It asks KiCad for the open board as text
(``get_as_string``: the editor's in-memory board, unsaved edits included) and reads that text
with our own board-file reader, so the model is the one ``bga-check check`` builds from the saved
file, and the project's ``.kicad_pro`` / ``.kicad_dru`` beside the board still count.

Every failure a designer can meet becomes ``IpcError`` with one line that says what to do.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..board_file import BoardFileError, read_board_file
from ..core.model import BoardModel

__all__ = ["IpcError", "OpenBoard", "connect", "read_open_board", "kicad_version"]

API_SERVER_HINT = ("enable KiCad's API server under Preferences > Plugins "
                   "(\"Enable KiCad API\"), then click the button again")


class IpcError(Exception):
    """A one-line reason the IPC front end cannot go on (shown in a message box)."""


@dataclass
class OpenBoard:
    """The live connection: kipy's KiCad and Board objects and where the board's file lives."""

    kicad: Any
    board: Any
    path: str
    version: tuple[int, int, int]


def kicad_version(kicad) -> tuple[int, int, int]:
    """(major, minor, patch) of the KiCad that answers."""
    v = kicad.get_version()
    return (int(v.major), int(v.minor), int(v.patch))


def connect() -> OpenBoard:
    """Connect to the KiCad that started this process and find its open board."""
    try:
        from kipy import KiCad
        from kipy.errors import ApiError, ConnectionError as KipyConnectionError
    except ImportError as exc:  # the plugin's venv lacks kicad-python: KiCad did not set it up
        raise IpcError(f"kicad-python is not installed in this plugin's Python ({exc}); "
                       "reinstall the package from the Plugin and Content Manager") from None
    try:
        kicad = KiCad(timeout_ms=20000)
        version = kicad_version(kicad)
        board = kicad.get_board()
    except KipyConnectionError:
        raise IpcError(f"KiCad's API server does not answer: {API_SERVER_HINT}") from None
    except ApiError as exc:
        text = str(exc)
        if "no handler" in text or "not open" in text.lower() or "document" in text.lower():
            raise IpcError("no board is open in KiCad's PCB editor: open one and click the "
                           "button in the PCB editor") from None
        raise IpcError(f"KiCad refused the request: {text}") from None
    doc = board.document
    folder = doc.project.path if doc.HasField("project") else ""
    path = os.path.join(folder, board.name) if folder else board.name
    return OpenBoard(kicad=kicad, board=board, path=path, version=version)


def read_open_board(open_board: OpenBoard) -> tuple[BoardModel, dict]:
    """The open board's model (from the editor's copy) and how it was read, for report meta."""
    text = open_board.board.get_as_string()
    try:
        model, info = read_board_file(open_board.path, project=True,
                                      data=text.encode("utf-8"))
    except BoardFileError as exc:
        raise IpcError(str(exc)) from None
    how = {"reader": "native", "board_format": info.version,
           "board_source": "KiCad's open board, through the IPC API (unsaved edits included)",
           "kicad_version": ".".join(map(str, open_board.version))}
    if info.notes:
        how["reader_note"] = "; ".join(info.notes)
    return model, how
