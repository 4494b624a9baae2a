"""The toolbar button: check the open board, annotate it, show the results.

Imports only pcbnew, wx and the standard library at load time, so that the plugin registers
even when numpy or shapely is missing in KiCad's Python; the button then says how to install
them. ``run_on_board`` is the whole check-and-annotate path without any window; ``Run`` adds
the windows around it. KiCad wraps each ``Run`` in one undo step (drawings, tracks,
footprints and zones it added or removed); the results window stays open after ``Run`` returns,
so its "Check again" asks KiCad to run the action again (one more undo step) rather than
changing the board behind KiCad's back.
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
NAME = "BGA check"
DESCRIPTION = ("Check BGA lands, vias and fanout against pitch rules, predict solder standoff, "
               "and annotate the board on layer BGA.Check")

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
    if name == "shapely":  # Shapely 2.2 needs numpy 2; 2.0-2.1 work with the numpy 1.x of a distro
        return SHAPELY_FOR_NUMPY_1
    return f"{name}>={'.'.join(map(str, minimum))}"


SHAPELY_FOR_NUMPY_1 = "shapely>=2.0,<2.2"
"""What the message installs: Shapely 2.0/2.1 accept numpy >= 1.21 (2.1.2 on Python 3.10-3.14),
so pip leaves the numpy KiCad's Python already has alone (checked with Debian 12's numpy 1.24.2:
``pip install --dry-run "shapely>=2.0,<2.2"`` installs shapely 2.1.2 only, while plain
"shapely>=2.0" also pulls numpy 2.4 into ~/.local, where it shadows the system's for every
program)."""


def kicad_python(platform: str = sys.platform, prefix: str = sys.base_prefix,
                 version: tuple = tuple(sys.version_info[:2])) -> str:
    """The interpreter to run pip with: the one KiCad embeds.

    ``sys.executable`` inside KiCad names KiCad's own binary, so it is rebuilt from the prefix
    and the version.
    """
    if platform.startswith("win"):
        return prefix.rstrip("\\") + "\\python.exe"
    return f"{prefix}/bin/python{version[0]}.{version[1]}"


def install_message(problems, platform: str = sys.platform, prefix: str = sys.base_prefix,
                    debian: bool | None = None,
                    version: tuple = tuple(sys.version_info[:2])) -> str:
    """What is missing or too old, the interpreter KiCad runs, and the command that installs it.

    The command never replaces a numpy the interpreter already has; on Debian/Ubuntu numpy comes
    from apt and Shapely goes into the user's site-packages. The message also names the IPC build,
    which needs no terminal at all.
    """
    if debian is None:
        debian = os.path.exists("/etc/debian_version")
    python = kicad_python(platform, prefix, version)
    what = ", ".join(f"{n} {found} (needs {_spec(n, m)[len(n):]})" if found else f"{n} (missing)"
                     for n, found, m in problems)
    specs = " ".join(f'"{_spec(n, m)}"' for n, _, m in problems)
    if platform.startswith("win"):
        how = ('open "KiCad Command Prompt" from the Start menu and run:\n'
               f'  "{python}" -m pip install {specs}')
    elif platform == "darwin":
        how = f"run in Terminal:\n  {python} -m pip install {specs}"
    elif debian and prefix in ("/usr", "/usr/local"):
        apt = [n for n, _, m in problems if DEBIAN_12_SHIPS.get(n, ()) >= m]
        pip = [(n, m) for n, _, m in problems if DEBIAN_12_SHIPS.get(n, ()) < m]
        steps = []
        if apt or pip:
            steps.append("sudo apt install " + " ".join(
                [f"python3-{n}" for n in apt] + (["python3-pip"] if pip else [])))
        if pip:  # Debian's package is older than we need: a per-user copy next to it
            steps.append(f"{python} -m pip install --user --break-system-packages "
                         + " ".join(f'"{_spec(n, m)}"' for n, m in pip))
        how = "run in a terminal:\n  " + "\n  ".join(steps)
    else:
        how = f"run in a terminal:\n  {python} -m pip install --user {specs}"
    return (f"BGA check needs these Python packages in the Python that KiCad runs ({python}): "
            f"{what}.\nTo install, {how}\nthen restart KiCad. Nothing on the board was changed."
            "\nOr install the IPC build of BGA check from the Plugin and Content Manager (KiCad "
            "9.0.1 or later, with Preferences > Plugins > Enable KiCad API): KiCad installs "
            "these packages for it by itself.")


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


class BgaCheckAction(pcbnew.ActionPlugin):
    """Toolbar button 'BGA check'."""

    def defaults(self):
        """Name, category, description and icons shown by KiCad."""
        self.name = NAME
        self.category = "Verification"
        self.description = DESCRIPTION
        self.show_toolbar_button = True
        self.icon_file_name = _icon("bgacheck_light.png")
        self.dark_icon_file_name = _icon("bgacheck_dark.png")

    def Run(self):
        """Check the board open in the editor, annotate it, show the results window."""
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
        from . import canvas_focus, remembered_options

        path = board.GetFileName() or ""
        asked = _pending.pop(os.path.abspath(path) if path else "", None)
        options = asked or remembered_options.load_options(path)
        report = run_on_board(board, options, show_ui=True)
        canvas_focus.release_pads(board)  # after the check: a failed click changes nothing
        if asked is not None:  # options chosen in the window: remembered beside the board
            remembered_options.save_options(path, options)
        pcbnew.Refresh()
        _show_results(report, options, path, again=asked is not None)


_window = None
"""The open results window: kept here so that it is not garbage-collected, and so that a second
click refreshes and raises it instead of opening another."""
_pending: dict = {}
"""Options that "Check again" asked for, by board path, until KiCad runs the action with them."""


def _show_results(report, options, path: str, again: bool) -> None:
    """Open the results window beside the editor, or refresh and raise the open one."""
    global _window
    from ..core import rules
    from .canvas_focus import Focus, below_toolbars, release_pads
    from .results_window import ResultsWindow

    summary = report.meta["annotations"]
    focus = Focus(path)

    def rerun(new_options):
        return _run_again(path, new_options)

    if _window is not None and _window.alive():
        _window.update(report, options, summary, focus=focus, rerun=rerun,
                       chosen=None if again else ())
        _window.raise_window()
        return
    def closed():
        release_pads(pcbnew.GetBoard())
        pcbnew.Refresh()

    editor = _parent_window()
    _window = ResultsWindow(editor, report, options, summary, rerun, focus,
                            rules.list_profiles(), rules.list_fab_tiers(),
                            beside=below_toolbars(editor), closed=closed)
    _window.show()


def _run_again(path: str, options) -> str | None:
    """"Check again": have KiCad run the action once more, as a click on its menu entry does.

    Going through KiCad (not calling ``run_on_board`` from the window) makes every run its own
    "Apply Action Script" undo step; a run outside one would leave the previous step pointing at
    annotations it removed. The window is refreshed by that run (``_show_results``).
    """
    import wx

    _pending[os.path.abspath(path) if path else ""] = options
    frame = _parent_window()
    item = _menu_entry(frame) if frame else None
    if item is None:
        return "click the BGA check button to check again with these options"
    wx.PostEvent(frame, wx.CommandEvent(wx.wxEVT_MENU, item))
    return None


def _menu_entry(frame):
    """Id of this plugin's entry under Tools > External Plugins, or None."""
    bar = frame.GetMenuBar() if hasattr(frame, "GetMenuBar") else None
    def search(menu):
        for item in menu.GetMenuItems():
            sub = item.GetSubMenu()
            found = search(sub) if sub is not None else None
            if found is not None:
                return found
            if item.GetItemLabelText() == NAME and item.GetHelp() in ("", DESCRIPTION):
                return item.GetId()
        return None

    for i in range(bar.GetMenuCount() if bar else 0):
        found = search(bar.GetMenu(i))
        if found is not None:
            return found
    return None


def register() -> None:
    """Register the toolbar action with KiCad (called by the package when pcbnew loads it)."""
    BgaCheckAction().register()
