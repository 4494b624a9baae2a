"""The toolbar button: check the open board, annotate it, show the results.

Imports only pcbnew, wx and the standard library at load time, so that the plugin registers
even when numpy or shapely is missing in KiCad's Python; the button then says how to install
them. ``run_on_board`` is the whole check-and-annotate path without any window; ``Run`` adds
the windows around it. KiCad wraps each ``Run`` in one undo step (drawings, tracks,
footprints and zones it added or removed), so the dialog's "Check again" stays in that step.
"""
from __future__ import annotations

import os
import sys
import threading

import pcbnew

from ..core.resources import resource_path

__all__ = ["BgaCheckAction", "register", "run_on_board", "missing_dependencies",
           "install_message", "REQUIREMENTS", "PROGRESS_MIN_PADS"]

REQUIREMENTS = (("numpy", (1, 24)), ("shapely", (2, 0)))
"""Minimum versions inside KiCad's Python (core/geometry.py needs the Shapely 2 API)."""
DEBIAN_12_SHIPS = {"numpy": (1, 24, 2), "shapely": (1, 8, 5)}
"""Versions of Debian 12's python3-numpy and python3-shapely: apt helps only where they suffice."""
PROGRESS_MIN_PADS = 5000
"""Boards with at least this many pads get a progress window while the checks run."""

def _icon(name: str) -> str:
    """Toolbar icon path, or "" (KiCad then shows its default) when the file is not there."""
    try:
        path = resource_path("icons", name)
    except FileNotFoundError:
        return ""
    return str(path) if path.is_file() else ""


def _version_tuple(text: str) -> tuple:
    out = []
    for part in str(text).split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)


def missing_dependencies() -> list[tuple[str, str, tuple]]:
    """(name, found version or "", required version) for each requirement not met."""
    problems = []
    for name, minimum in REQUIREMENTS:
        try:
            module = __import__(name)
            found = str(getattr(module, "__version__", "0"))
        except Exception:  # ImportError, or a broken binary module raising anything
            problems.append((name, "", minimum))
            continue
        if _version_tuple(found) < minimum:
            problems.append((name, found, minimum))
    return problems


def _spec(name: str, minimum: tuple) -> str:
    return f"{name}>={'.'.join(map(str, minimum))}"


def install_message(problems, platform: str = sys.platform, prefix: str = sys.prefix,
                    debian: bool | None = None) -> str:
    """One message naming what is missing or too old and the exact command that installs it."""
    if debian is None:
        debian = os.path.exists("/etc/debian_version")
    what = ", ".join(f"{n} {found} (needs {_spec(n, m)[len(n):]})" if found else f"{n} (missing)"
                     for n, found, m in problems)
    specs = " ".join(f'"{_spec(n, m)}"' for n, _, m in problems)
    if platform.startswith("win"):
        how = ('open "KiCad 9.0 Command Prompt" from the Start menu and run:\n'
               f"  python -m pip install {specs}")
    elif platform == "darwin":
        how = f"run in Terminal:\n  {prefix}/bin/python3 -m pip install {specs}"
    elif debian and prefix in ("/usr", "/usr/local"):
        apt = [n for n, _, m in problems if DEBIAN_12_SHIPS.get(n, ()) >= m]
        pip = [(n, m) for n, _, m in problems if DEBIAN_12_SHIPS.get(n, ()) < m]
        steps = []
        if apt or pip:
            steps.append("sudo apt install " + " ".join(
                [f"python3-{n}" for n in apt] + (["python3-pip"] if pip else [])))
        if pip:  # Debian's package is older than we need: a per-user copy next to it
            steps.append("python3 -m pip install --user --break-system-packages "
                         + " ".join(f'"{_spec(n, m)}"' for n, m in pip))
        how = "run in a terminal:\n  " + "\n  ".join(steps)
    else:
        how = f"run in a terminal:\n  {prefix}/bin/python3 -m pip install --user {specs}"
    return (f"BGA check needs these Python packages in KiCad's Python ({prefix}): {what}.\n"
            f"To install, {how}\nthen restart KiCad.")


def run_on_board(board, options=None, show_ui: bool = False):
    """Check an open board and replace its annotations; returns the Report.

    ``report.meta["annotations"]`` holds what the writer did (layer, items, markers).
    """
    from .. import api
    from . import pcbnew_reader, report_layer

    options = options or api.CheckOptions()
    path = board.GetFileName() or ""
    model = pcbnew_reader.read_board(board, path)  # main thread: pcbnew is not thread-safe
    if show_ui and len(model.pads) >= PROGRESS_MIN_PADS:
        report = _check_with_progress(api.check_model, model, options)
    else:
        report = api.check_model(model, options)
    summary = report_layer.write_report(board, report, options.profile or "")
    summary["group_name"] = report_layer.GROUP_NAME
    report.meta["annotations"] = summary
    return report


def _check_with_progress(check, model, options):
    """Run the (pcbnew-free) checks in a worker thread while a progress window pulses."""
    import wx

    result = {}

    def work():
        try:
            result["report"] = check(model, options)
        except BaseException as exc:  # re-raised on the main thread below
            result["error"] = exc

    worker = threading.Thread(target=work, name="bgacheck", daemon=True)
    progress = wx.ProgressDialog("BGA check", f"Checking {len(model.pads)} pads...",
                                 style=wx.PD_APP_MODAL | wx.PD_AUTO_HIDE | wx.PD_ELAPSED_TIME)
    try:
        worker.start()
        while worker.is_alive():
            progress.Pulse()
            worker.join(0.05)
    finally:
        progress.Destroy()
    if "error" in result:
        raise result["error"]
    return result["report"]


def _parent_window():
    import wx

    return wx.FindWindowByName("PcbFrame")


MESSAGE_TITLE = "BGA check: cannot run"


def _message(text: str, error: bool = True) -> None:
    import wx

    wx.MessageBox(text, MESSAGE_TITLE, wx.OK | (wx.ICON_ERROR if error else wx.ICON_INFORMATION),
                  _parent_window())


class _Focus:
    """Select and centre a finding's board item (or a BGA by reference) in the editor."""

    def __init__(self, board):
        self.board, self.selected = board, None

    def _item(self, target):
        from . import compat  # numpy is there by now: Run checked the dependencies

        if isinstance(target, str):
            return self.board.FindFootprintByReference(target)
        for _, uid, _, _ in target.items:
            item = compat.resolve_item(self.board, uid)
            if item is not None:
                return item
        return self.board.FindFootprintByReference(target.ref)

    def __call__(self, target) -> None:
        item = self._item(target)
        if item is None:
            return
        if self.selected is not None:
            self.selected.ClearSelected()
        item.SetSelected()
        self.selected = item
        pcbnew.Refresh()  # syncs KiCad's selection with the items' selected flags
        pcbnew.FocusOnItem(item)


class BgaCheckAction(pcbnew.ActionPlugin):
    """Toolbar button 'BGA check'."""

    def defaults(self):
        """Name, category, description and icons shown by KiCad."""
        self.name = "BGA check"
        self.category = "Verification"
        self.description = ("Check BGA lands, vias and fanout against pitch rules, predict "
                            "solder standoff, and annotate the board on layer BGA.Check")
        self.show_toolbar_button = True
        self.icon_file_name = _icon("bgacheck_light.png")
        self.dark_icon_file_name = _icon("bgacheck_dark.png")

    def Run(self):
        """Check the board open in the editor, annotate it, show the results dialog."""
        problems = missing_dependencies()
        if problems:
            _message(install_message(problems))
            return
        from ..api import UserError

        board = pcbnew.GetBoard()
        try:
            self._run(board)
        except UserError as exc:
            _message(str(exc))

    def _run(self, board):
        from ..core import rules
        from . import dialog

        path = board.GetFileName() or ""
        options = dialog.load_options(path)
        report = run_on_board(board, options, show_ui=True)
        dialog.save_options(path, options)
        pcbnew.Refresh()

        def rerun(new_options):
            from ..api import UserError

            try:
                new_report = run_on_board(board, new_options, show_ui=True)
            except UserError as exc:
                _message(str(exc))
                return None
            dialog.save_options(path, new_options)
            pcbnew.Refresh()
            return new_report, new_report.meta["annotations"]

        dialog.ResultsDialog(_parent_window(), report, options, report.meta["annotations"],
                             rerun, _Focus(board), rules.list_profiles(),
                             rules.list_fab_tiers()).show()


def register() -> None:
    """Register the toolbar action with KiCad (called by the package when pcbnew loads it)."""
    BgaCheckAction().register()
