"""The IPC front end: what KiCad's toolbar button runs, as its own process (``runtime: ipc``).

KiCad (9.0.1 and later, with the API server enabled) starts ``bgacheck_ipc.py`` from the
package's ``plugins/`` folder with the Python of a virtual environment it made for this package
and filled from ``requirements.txt`` (numpy, Shapely 2, kicad-python): the designer never opens a
terminal. This process reads the open board through the API (``ipc_board``), runs the same core
as the command line and the SWIG button, draws the result in one undoable commit
(``ipc_annotations``), and keeps the results window open beside the board until it is closed.
The editor stays fully usable meanwhile: the window lives in this process, not KiCad's.

A second click while a window is open replaces it: the new process ends the old one (its process
id is kept in a file named after KiCad's API socket in the temporary folder).
"""
from __future__ import annotations

import os
import signal
import sys
import tempfile
from typing import Any, Optional

from .ipc_board import IpcError, OpenBoard, connect, read_open_board

__all__ = ["main", "run_once", "Focus"]

TITLE = "BGA check"
ZOOM_OUT_STEPS = 3
"""After "zoom to selection" on one or two items (a pad, a via), this many "zoom out" steps show
their neighbours; a finding with more items is framed by the selection alone."""


def _pid_file() -> str:
    socket = os.environ.get("KICAD_API_SOCKET", "default")
    tag = "".join(ch if ch.isalnum() else "_" for ch in socket)[-60:]
    return os.path.join(tempfile.gettempdir(), f"bgacheck-ipc-{tag}.pid")


def _replace_previous_window() -> None:
    """End the process of an earlier click that still shows its window; then record ours."""
    path = _pid_file()
    try:
        with open(path, encoding="utf-8") as fh:
            old = int(fh.read().strip() or 0)
    except (OSError, ValueError):
        old = 0
    if old and old != os.getpid():
        try:
            os.kill(old, signal.SIGTERM)
        except OSError:
            pass  # already gone
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(str(os.getpid()))
    except OSError:
        pass  # a read-only temp folder only costs the single-window rule


class _ById:
    """The smallest thing kipy's selection calls accept: an object with a KIID ``id``."""

    def __init__(self, uuid_text: str):
        from kipy.proto.common.types import KIID

        self.id = KIID()
        self.id.value = uuid_text


class Focus:
    """Select a finding's items (or a BGA by reference) and zoom the editor to them."""

    def __init__(self, open_board: OpenBoard, report_getter):
        self.open_board, self.report = open_board, report_getter

    def _uuids(self, target) -> list[str]:
        report = self.report()
        if isinstance(target, str):
            return [b.uuid for b in report.bgas if b.ref == target and b.uuid]
        uuids = [uid for _, uid, _, _ in target.items if uid]
        if not uuids:
            uuids = [b.uuid for b in report.bgas if b.ref == target.ref and b.uuid]
        return uuids

    def __call__(self, target) -> Optional[str]:
        """Select and show ``target`` (a Finding or a BGA reference); a note, or None when done."""
        uuids = self._uuids(target)
        if not uuids:
            return "this finding names no board item to select"
        board, kicad = self.open_board.board, self.open_board.kicad
        try:
            board.clear_selection()
            selected = board.add_to_selection([_ById(u) for u in uuids])
            if not selected:
                return "its item is no longer on the board (edited since the check?)"
            kicad.run_action("common.Control.zoomFitSelection")
            if not isinstance(target, str) and len(uuids) <= 2:
                for _ in range(ZOOM_OUT_STEPS):
                    kicad.run_action("common.Control.zoomOutCenter")
        except Exception as exc:  # noqa: BLE001 - KiCad closed or busy: say so, keep the window
            return f"KiCad did not answer ({type(exc).__name__}: {exc})"
        return None


def run_once(open_board: OpenBoard, options) -> tuple[Any, dict]:
    """Read, check and annotate the open board; (report, what the writer did)."""
    from .. import api
    from . import ipc_annotations

    model, how = read_open_board(open_board)
    report = api.check_model(model, options)
    report.meta.update(how)
    summary = ipc_annotations.write_report(open_board.board, report, options.profile or "")
    report.meta["annotations"] = summary
    return report, summary


def _message(text: str) -> None:
    print(f"bgacheck: {text}", file=sys.stderr)
    try:
        import wx
    except ImportError:
        return
    app = wx.App(False) if not wx.GetApp() else None
    wx.MessageBox(text, f"{TITLE}: cannot run", wx.OK | wx.ICON_ERROR)
    del app


def log_path() -> str:
    """Where an unexpected failure's details go (the message box names it)."""
    return os.path.join(tempfile.gettempdir(), "bgacheck-ipc.log")


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the toolbar button; exit code (0 done, 2 cannot run, 70 internal error).

    A failure nobody planned for still ends in one line in a message box, with the details
    (the traceback) written to ``log_path()`` for a bug report, never on the designer's screen.
    """
    try:
        return _main()
    except Exception as exc:  # noqa: BLE001 - the last line of defence of a GUI process
        import traceback

        try:
            with open(log_path(), "a", encoding="utf-8") as fh:
                traceback.print_exc(file=fh)
        except OSError:
            pass
        _message(f"BGA check failed ({type(exc).__name__}: {exc}); details in {log_path()}")
        return 70


def _main() -> int:
    from ..api import UserError
    from ..core import rules
    from . import remembered_options

    try:
        open_board = connect()
        _replace_previous_window()
        options = remembered_options.load_options(open_board.path)
        report, summary = run_once(open_board, options)
    except (IpcError, UserError) as exc:
        _message(str(exc))
        return 2
    import wx

    from .results_window import ResultsWindow

    state = {"report": report}

    def rerun(new_options):
        try:
            new_report, new_summary = run_once(open_board, new_options)
        except (IpcError, UserError) as exc:
            _message(str(exc))
            return None
        remembered_options.save_options(open_board.path, new_options)
        state["report"] = new_report
        return new_report, new_summary

    app = wx.App(False)
    window = ResultsWindow(None, report, options, summary, rerun,
                           Focus(open_board, lambda: state["report"]),
                           rules.list_profiles(), rules.list_fab_tiers())
    window.show()
    app.MainLoop()
    return 0
