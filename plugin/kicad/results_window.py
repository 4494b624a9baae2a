"""The results window: stays open beside the board while the designer works through the findings.

A non-modal ``wx.Frame`` shared by both KiCad front ends: the SWIG button (inside KiCad's
process, parent = the PCB editor frame, floating above it) and the IPC plugin (its own process,
no parent, kept on top). Nothing here imports pcbnew or kipy: the front end passes callbacks.

- ``focus(finding_or_ref) -> str | None``: select and show the item on the board; a returned
  text (e.g. "item not found") goes to the status line.
- ``rerun(options) -> (report, summary) | str | None``: check again with the options chosen in
  the window. A tuple refreshes the window at once; None means the front end will call
  ``update`` when its run has finished (the SWIG button re-runs through KiCad so that each run
  is one undo step); a text is a note for the status line.

All words shown come from ``results_rows`` (host-free, tested without a display).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Collection
from typing import Any, Optional

from ..core.options import CheckOptions
from ..core.report import SEVERITIES, Report
from . import results_rows as rows
from .remembered_options import options_path

__all__ = ["ResultsWindow", "TITLE", "WIDTH_PX"]

TITLE = "BGA check"
"""Start of the window title (the board's file name follows)."""
WIDTH_PX = 540
"""Window width: the BGA and finding columns fit, most of the canvas stays visible."""
MIN_SIZE_PX = (420, 480)
BGA_ROWS_SHOWN = 6
"""BGA rows shown without scrolling."""
BGA_COLUMNS = (("BGA", 56), ("Balls", 48), ("Pitch", 64), ("Standoff [mm]", 112), ("Verdict", 230))
FINDING_COLUMNS = (("Code", 52), ("BGA", 52), ("Rule", 220), ("Measured / limit", 180))
NOT_CHOSEN = "auto"
"""First entry of the profile and fab tier choices: not chosen (project file, else default)."""


def _chosen(choice) -> Optional[str]:
    value = choice.GetStringSelection()
    return None if not value or value.startswith(NOT_CHOSEN) else value


class ResultsWindow:
    """The non-modal results window; ``frame`` is its ``wx.Frame``.

    Parameters
    ----------
    parent : wx.Window or None
        The PCB editor frame (the window then floats above it), or None (IPC: kept on top).
    report, options, summary
        The run to show, the options it was made with before defaults were filled (profile and
        tier None = not chosen), and what the annotation writer did (``layer``, ``markers``).
    rerun, focus : callables
        See the module docstring.
    profiles, tiers : list of str
        The names offered in the profile and fab tier choices.
    chosen : collection of str
        Option fields the designer chose in this window (the header says so).
    beside : (x, y, w, h) or None
        Screen rectangle to sit beside, e.g. the editor below its toolbars (so that the window
        never covers them); default: the parent's rectangle.
    closed : callable or None
        Called once when the window closes (e.g. to release what focus selected).
    """

    def __init__(self, parent, report: Report, options: CheckOptions, summary: dict,
                 rerun: Callable, focus: Callable, profiles: list[str], tiers: list[str],
                 chosen: Collection[str] = (), beside: Optional[tuple] = None,
                 closed: Optional[Callable] = None):
        import wx

        self.wx = wx
        self.report, self.options, self.summary = report, options, dict(summary or {})
        self.rerun, self.focus, self.closed = rerun, focus, closed
        self.profiles, self.tiers = list(profiles), list(tiers)
        self.chosen: set[str] = set(chosen)
        self.severity = rows.severity_or_default(options.severity)
        self.shown: list = []
        self.selected = -1
        self._tips: dict = {}
        self._header_text = ""
        style = wx.DEFAULT_FRAME_STYLE | (wx.FRAME_FLOAT_ON_PARENT if parent else wx.STAY_ON_TOP)
        self.frame = wx.Frame(parent, title=TITLE, style=style, name="bgacheck_results")
        self.frame.SetMinSize(MIN_SIZE_PX)
        self._build()
        self._place(parent, beside)
        self._refresh()

    # ---------------------------------------------------------------- layout
    def _build(self) -> None:
        wx = self.wx
        panel = self.panel = wx.Panel(self.frame)
        top = wx.BoxSizer(wx.VERTICAL)
        self.header = wx.StaticText(panel, label="")
        top.Add(self.header, 0, wx.EXPAND | wx.ALL, 6)

        grid = wx.FlexGridSizer(cols=4, vgap=4, hgap=6)
        grid.AddGrowableCol(1)
        grid.AddGrowableCol(3)
        self.profile = wx.Choice(panel)
        self.tier = wx.Choice(panel)
        self.stencil = wx.TextCtrl(panel, size=(70, -1))
        self.stencil.SetToolTip("Stencil foil thickness [mm]; empty: the board text variable "
                                "STENCIL_THICKNESS, else the typical value")
        self.again = wx.Button(panel, label="Check again")
        self.again.SetToolTip("Check the board again with these choices (remembered for it)")
        for label, ctrl in (("Profile", self.profile), ("Fab tier", self.tier),
                            ("Stencil [mm]", self.stencil)):
            grid.Add(wx.StaticText(panel, label=label), 0, wx.ALIGN_CENTER_VERTICAL)
            grid.Add(ctrl, 1, wx.EXPAND)
        grid.Add(self.again, 0, wx.ALIGN_CENTER_VERTICAL)
        top.Add(grid, 0, wx.EXPAND | wx.LEFT | wx.RIGHT, 6)

        sev = wx.BoxSizer(wx.HORIZONTAL)
        self.severity_choice = wx.Choice(panel, choices=list(reversed(SEVERITIES)))
        self.severity_choice.SetToolTip("One threshold for both: the lowest severity listed, "
                                        "and the lowest that makes a BGA FAIL")
        sev.Add(wx.StaticText(panel, label="List and fail at"), 0, wx.ALIGN_CENTER_VERTICAL)
        sev.Add(self.severity_choice, 0, wx.LEFT, 6)
        sev.Add(wx.StaticText(panel, label="and above"), 0, wx.ALIGN_CENTER_VERTICAL | wx.LEFT, 6)
        top.Add(sev, 0, wx.ALL, 6)

        self.bgas = self._list(panel, BGA_COLUMNS, height=110)
        top.Add(self.bgas, 0, wx.EXPAND | wx.LEFT | wx.RIGHT, 6)
        self.count = wx.StaticText(panel, label="")
        top.Add(self.count, 0, wx.EXPAND | wx.ALL, 6)
        self.findings = self._list(panel, FINDING_COLUMNS, height=160)
        top.Add(self.findings, 1, wx.EXPAND | wx.LEFT | wx.RIGHT, 6)
        self.detail = wx.TextCtrl(panel, style=wx.TE_MULTILINE | wx.TE_READONLY | wx.TE_WORDWRAP,
                                  size=(-1, 200))
        top.Add(self.detail, 1, wx.EXPAND | wx.ALL, 6)
        self.status = wx.StaticText(panel, label="", style=wx.ST_ELLIPSIZE_END)
        top.Add(self.status, 0, wx.EXPAND | wx.LEFT | wx.RIGHT | wx.BOTTOM, 6)
        panel.SetSizer(top)

        self.again.Bind(wx.EVT_BUTTON, self._on_again)
        self.severity_choice.Bind(wx.EVT_CHOICE, self._on_severity)
        self.findings.Bind(wx.EVT_LIST_ITEM_SELECTED, lambda e: self._show_finding(e.GetIndex()))
        self.bgas.Bind(wx.EVT_LIST_ITEM_SELECTED, self._on_bga)
        self.frame.Bind(wx.EVT_CHAR_HOOK, self._on_key)
        self.frame.Bind(wx.EVT_CLOSE, self._on_close)
        self.frame.Bind(wx.EVT_SIZE, self._on_size)

    def _list(self, panel, columns, height: int):
        wx = self.wx
        ctrl = wx.ListCtrl(panel, style=wx.LC_REPORT | wx.LC_SINGLE_SEL, size=(-1, height))
        for i, (name, width) in enumerate(columns):
            ctrl.InsertColumn(i, name, width=width)
        ctrl.Bind(wx.EVT_MOTION, lambda e, c=ctrl: self._on_motion(c, e))
        return ctrl

    def _place(self, parent, beside) -> None:
        wx = self.wx
        index = wx.Display.GetFromWindow(parent) if parent else wx.NOT_FOUND
        if index == wx.NOT_FOUND:
            index = wx.Display.GetFromPoint(wx.GetMousePosition())
        display = wx.Display(max(index, 0)).GetClientArea()
        prect = tuple(beside) if beside else tuple(parent.GetScreenRect()) if parent else None
        x, y, w, h = rows.place_beside(prect, tuple(display), WIDTH_PX)
        self.frame.SetSize(x, y, w, h)

    # ---------------------------------------------------------------- filling
    def _refresh(self) -> None:
        report, options = self.report, self.options
        name = os.path.basename(report.source or "") or "board"
        self.frame.SetTitle(f"{TITLE} — {name}")
        path = options_path(report.source or "")
        remembered = os.path.basename(path) if path and os.path.isfile(path) else None
        self._header_text = "\n".join(rows.setting_lines(report, options, self.chosen,
                                                          remembered))
        self._wrap_header()
        self._fill_choice(self.profile, options.profile, self.profiles,
                          str(report.meta.get("profile") or ""))
        self._fill_choice(self.tier, options.fab_tier, self.tiers,
                          str(report.meta.get("fab_tier") or ""))
        self.stencil.SetValue("" if options.stencil_mm is None else f"{options.stencil_mm:g}")
        self.severity_choice.SetStringSelection(self.severity)
        self._fill_lists()
        s = self.summary
        self.status.SetLabel(f"{len(report.bgas)} BGA(s) checked. Codes (E1, W3...) are the "
                             f"labels on layer {s.get('layer', 'BGA.Check')}"
                             + (f"; {s['markers']} marker(s)" if s.get("markers") else "") + ".")
        self.panel.Layout()

    def _fill_choice(self, choice, current: Optional[str], known: list[str], effective: str):
        auto = f"{NOT_CHOSEN} ({effective})" if effective else NOT_CHOSEN
        extra = [current] if current and current not in known else []
        choice.SetItems([auto] + extra + known)
        choice.SetStringSelection(current or auto)

    def _fill_lists(self) -> None:
        self._tips = {self.bgas: [], self.findings: []}
        self.bgas.DeleteAllItems()
        for row in rows.bga_rows(self.report, self.severity):
            self.bgas.Append(row)
            self._tips[self.bgas].append(rows.bga_tooltip(self.report, row[0]) + "\n" + row[-1])
        self._fit_bga_height()
        self.shown = rows.finding_rows(self.report, self.severity)
        self.findings.Freeze()
        self.findings.DeleteAllItems()
        for code, f, cells in self.shown:
            self.findings.Append(cells)
            tip = " ".join(f.message.split())
            value = rows.comparison(f)
            self._tips[self.findings].append(f"{code} {f.rule_id}\n{tip}"
                                             + (f"\n{value}" if value else ""))
        self.findings.Thaw()
        self.count.SetLabel(rows.count_line(self.report, self.severity))
        self.selected = -1
        self.detail.SetValue("Select a finding to see the whole message, its measured value "
                             "against the limit, the rule's source and what to change."
                             if self.shown else "")
        self._fit_columns()

    def _fit_bga_height(self) -> None:
        """The BGA list as tall as its rows (up to BGA_ROWS_SHOWN), the findings get the rest."""
        n = self.bgas.GetItemCount()
        row = self.bgas.GetItemRect(0).height if n else 0
        row = row if row > 0 else self.bgas.GetCharHeight() + 6
        self.bgas.SetMinSize((-1, int((min(max(n, 1), BGA_ROWS_SHOWN) + 1.8) * row)))

    def _fit_columns(self) -> None:
        """The last column of each list takes the width the others leave (no cut-off text)."""
        for ctrl, columns in ((self.bgas, BGA_COLUMNS), (self.findings, FINDING_COLUMNS)):
            rest = ctrl.GetClientSize().width - sum(w for _, w in columns[:-1]) - 4
            ctrl.SetColumnWidth(len(columns) - 1, max(rest, columns[-1][1]))

    # ---------------------------------------------------------------- events
    def _on_size(self, event) -> None:
        event.Skip()
        self.wx.CallAfter(self._after_resize)

    def _after_resize(self) -> None:
        if self.alive():
            self._wrap_header()
            self._fit_columns()
            self.panel.Layout()

    def _wrap_header(self) -> None:
        self.header.SetLabel(self._header_text)
        self.header.Wrap(max(self.frame.GetClientSize().width - 16, 200))

    def _on_close(self, event) -> None:
        closed, self.closed = self.closed, None
        if closed is not None:
            try:
                closed()
            except Exception:  # noqa: BLE001 - closing must never fail
                pass
        event.Skip()  # the frame then destroys itself

    def _on_key(self, event) -> None:
        if event.GetKeyCode() == self.wx.WXK_ESCAPE:
            self.frame.Close()
        else:
            event.Skip()

    def _on_motion(self, ctrl, event) -> None:
        index, _ = ctrl.HitTest(event.GetPosition())
        tips = self._tips.get(ctrl, [])
        tip = tips[index] if 0 <= index < len(tips) else ""
        if ctrl.GetToolTipText() != tip:
            if tip:
                ctrl.SetToolTip(tip)
            else:
                ctrl.UnsetToolTip()
        event.Skip()

    def _on_severity(self, event) -> None:
        self.severity = self.severity_choice.GetStringSelection() or rows.DEFAULT_SEVERITY
        self.options = dataclasses.replace(self.options, severity=self.severity)
        self._fill_lists()
        self.status.SetLabel(f"Listing and judging at {self.severity}; Check again to update "
                             f"the board labels and remember it for this board.")

    def _show_finding(self, index: int) -> None:
        if not 0 <= index < len(self.shown) or index == self.selected:
            return
        self.selected = index
        code, finding, _ = self.shown[index]
        self.detail.SetValue(rows.detail_text(code, finding))
        self.detail.ShowPosition(0)
        self._focus(finding, f"{code} shown on the board")

    def _on_bga(self, event) -> None:
        ref = self.bgas.GetItemText(event.GetIndex(), 0)
        self._focus(ref, f"{ref} shown on the board")

    def _focus(self, target, done: str) -> None:
        try:
            note = self.focus(target)
        except Exception as exc:  # noqa: BLE001 - the editor said no: keep the window usable
            note = f"could not show it ({type(exc).__name__}: {exc})"
        self.status.SetLabel(str(note) if note else done)
        if self.alive():
            self.frame.Raise()  # the editor may have raised itself while showing the item

    def read_options(self) -> CheckOptions:
        """The options as set in the controls; a stencil that is not a number keeps the old one."""
        text = self.stencil.GetValue().strip().replace(",", ".")
        try:
            stencil = float(text) if text else None
        except ValueError:
            stencil = self.options.stencil_mm
        if stencil is not None and not 0 < stencil < 10:
            stencil = self.options.stencil_mm
        return dataclasses.replace(self.options, profile=_chosen(self.profile),
                                   fab_tier=_chosen(self.tier), stencil_mm=stencil,
                                   severity=self.severity)

    def _on_again(self, event) -> None:
        new = self.read_options()
        for field in ("profile", "fab_tier", "stencil_mm"):
            if getattr(new, field) is None:
                self.chosen.discard(field)
            elif getattr(new, field) != getattr(self.options, field):
                self.chosen.add(field)
        self.status.SetLabel("Checking again...")
        result = self.rerun(new)
        if isinstance(result, tuple):
            self.update(result[0], new, result[1])
        elif isinstance(result, str):
            self.status.SetLabel(result)

    # ---------------------------------------------------------------- public
    def update(self, report: Report, options: CheckOptions, summary: dict, *,
               focus: Optional[Callable] = None, rerun: Optional[Callable] = None,
               chosen: Optional[Collection[str]] = None) -> None:
        """Show a new run (and new callbacks); ``chosen`` None keeps what was chosen here."""
        self.report, self.options, self.summary = report, options, dict(summary or {})
        self.severity = rows.severity_or_default(options.severity)
        self.focus = focus or self.focus
        self.rerun = rerun or self.rerun
        if chosen is not None:
            self.chosen = set(chosen)
        self._refresh()

    def show(self) -> None:
        """Show the window (non-modal: returns at once) and bring it to the front."""
        self.frame.Show()
        self.raise_window()

    def raise_window(self) -> None:
        """Bring the window back to the front (restored if it was minimised)."""
        if self.frame.IsIconized():
            self.frame.Iconize(False)
        self.frame.Raise()

    def alive(self) -> bool:
        """False once the designer closed the window (its wx object is gone)."""
        return bool(self.frame)

    def select_finding(self, index: int) -> None:
        """Select row ``index`` of the findings list, as a click does."""
        self.findings.Select(index)
        self.findings.EnsureVisible(index)
        self._show_finding(index)

    def texts(self) -> dict[str, Any]:
        """What the window shows, as text: for tests and for bug reports."""
        def cells(ctrl):
            return [tuple(ctrl.GetItemText(r, c) for c in range(ctrl.GetColumnCount()))
                    for r in range(ctrl.GetItemCount())]
        return {"title": self.frame.GetTitle(), "header": self.header.GetLabel(),
                "count": self.count.GetLabel(), "bgas": cells(self.bgas),
                "findings": cells(self.findings), "detail": self.detail.GetValue(),
                "status": self.status.GetLabel(), "severity": self.severity}
