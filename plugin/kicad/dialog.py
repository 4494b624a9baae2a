"""The results dialog (BGAs, findings, standoff) and the per-project memory of its options.

Options live in ``<board stem>.bgacheck.json`` next to the board (profile, fab tier, stencil
thickness, ball diameter, severity); a missing or unreadable file means the defaults. The rule
override file ``<board stem>.bgacheck.toml`` is separate and written by the designer, not here.
The table helpers are plain functions so that tests run them without a display.
"""
from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable, Optional

from ..api import CheckOptions
from ..core.report import SEVERITIES, Report
from ..render._shared import display_order

__all__ = ["options_path", "load_options", "save_options", "filter_findings", "default_filter",
           "bga_rows", "finding_rows", "ResultsDialog", "PERSISTED", "DEFAULT_FILTER"]

PERSISTED = ("profile", "fab_tier", "stencil_mm", "ball_d_mm", "severity")
"""CheckOptions fields remembered per project."""
TITLE = "BGA check"
PROJECT_DEFAULT = "(project)"
"""Choice meaning None: the override file's profile or fab tier, else the built-in default."""
DEFAULT_FILTER = "warning"
"""Lowest severity listed when no other is chosen: notes are hidden by default."""


def options_path(board_path: str) -> Optional[str]:
    """``<dir>/<stem>.bgacheck.json`` for a saved board; None for a board never saved."""
    if not board_path:
        return None
    stem, _ = os.path.splitext(os.path.abspath(board_path))
    return stem + ".bgacheck.json"


def load_options(board_path: str) -> CheckOptions:
    """The options last used with this board, or the defaults (unknown or bad values ignored)."""
    options = CheckOptions()
    path = options_path(board_path)
    if not path or not os.path.isfile(path):
        return options
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return options
    if not isinstance(data, dict):
        return options
    for key in ("profile", "fab_tier"):  # null: take the project file's or the default
        if isinstance(data.get(key), str) and data[key] and data[key] != PROJECT_DEFAULT:
            setattr(options, key, data[key])
    for key in ("stencil_mm", "ball_d_mm"):
        value = data.get(key)
        if value is None or (isinstance(value, (int, float)) and 0 < value < 10):
            setattr(options, key, None if value is None else float(value))
    if data.get("severity") in SEVERITIES:
        options.severity = data["severity"]
    return options


def save_options(board_path: str, options: CheckOptions) -> Optional[str]:
    """Write the remembered options next to the board; returns the path (None if unsaved board)."""
    path = options_path(board_path)
    if not path:
        return None
    data = {key: getattr(options, key) for key in PERSISTED}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return path


def filter_findings(report: Report, ref: str = "", min_severity: str = "info") -> list:
    """Findings of one BGA (all when ``ref`` is empty) at or above a severity.

    In the order of the text report: errors first, then by BGA (most balls first), then by
    rule.
    """
    return display_order(report, min_severity, ref)


def default_filter(severity: Optional[str]) -> str:
    """The severity filter a (re)filled findings list starts at.

    The run's severity: notes hidden unless that severity is ``info`` (as ``bga-check check
    --severity info``).
    """
    return severity if severity in SEVERITIES else DEFAULT_FILTER


def _mm(x) -> str:
    return "" if x is None else f"{x:.3f}"


def bga_rows(report: Report, severity: Optional[str] = None) -> list[tuple[str, ...]]:
    """One row per BGA: ref, footprint, balls, pitch [mm], standoff ± tolerance [mm], verdict.

    The verdict is ``core.verdict`` at ``severity`` (default: the severity the report was made
    with), the same PASS/FAIL as ``bga-check check`` and its exit code.
    """
    from .report_layer import verdict

    rows = []
    for b in sorted(report.bgas, key=lambda b: b.ref):
        px, py = b.pitch_mm
        pitch = _mm(px) if abs(px - py) < 1e-6 else f"{_mm(px)} x {_mm(py)}"
        st = b.extra.get("standoff") or {}
        standoff = _mm(st.get("height_mm"))
        if standoff and st.get("tolerance_mm") is not None:
            standoff += f" ± {_mm(st['tolerance_mm'])}"
        rows.append((b.ref, b.footprint.split(":")[-1], str(b.balls), pitch, standoff,
                     verdict(report, b.ref, severity)))
    return rows


def finding_rows(findings) -> list[tuple[str, ...]]:
    """One row per finding: severity, BGA, rule, measured, limit, unit, message, x, y [mm]."""
    return [(f.severity, f.ref, f.rule_id, _mm(f.measured), _mm(f.limit), f.unit, f.message,
             _mm(f.x_mm), _mm(f.y_mm)) for f in findings]


def _choices(current: Optional[str], known: list[str]) -> list[str]:
    extra = [current] if current and current not in known else []
    return [PROJECT_DEFAULT] + extra + list(known)


def _chosen(choice) -> Optional[str]:
    value = choice.GetStringSelection()
    return None if value in ("", PROJECT_DEFAULT) else value


class ResultsDialog:
    """Modal wx dialog; built lazily so that importing this module needs no display.

    ``rerun(options) -> (report, summary)`` re-checks with new options; ``focus(finding)``
    selects and centres the finding's item on the canvas.
    """

    def __init__(self, parent, report: Report, options: CheckOptions, summary: dict,
                 rerun: Callable, focus: Callable, profiles: list[str], tiers: list[str]):
        import wx

        self.wx = wx
        self.report, self.options, self.summary = report, options, summary
        self.rerun, self.focus = rerun, focus
        self.dlg = wx.Dialog(parent, title=TITLE, size=(980, 640),
                             style=wx.DEFAULT_DIALOG_STYLE | wx.RESIZE_BORDER)
        self._build(profiles, tiers)
        self._refresh()

    def _build(self, profiles, tiers):
        wx, d = self.wx, self.dlg
        top = wx.BoxSizer(wx.VERTICAL)
        opts = wx.BoxSizer(wx.HORIZONTAL)
        self.profile = wx.Choice(d, choices=_choices(self.options.profile, profiles))
        self.profile.SetStringSelection(self.options.profile or PROJECT_DEFAULT)
        self.tier = wx.Choice(d, choices=_choices(self.options.fab_tier, tiers))
        self.tier.SetStringSelection(self.options.fab_tier or PROJECT_DEFAULT)
        stencil = "" if self.options.stencil_mm is None else f"{self.options.stencil_mm:g}"
        self.stencil = wx.TextCtrl(d, value=stencil, size=(70, -1))
        self.severity = wx.Choice(d, choices=list(SEVERITIES))
        self.severity.SetStringSelection(self.options.severity)
        again = wx.Button(d, label="Check again")
        for label, ctrl in (("Profile", self.profile), ("Fab tier", self.tier),
                            ("Stencil [mm]", self.stencil), ("Severity", self.severity)):
            opts.Add(wx.StaticText(d, label=label), 0, wx.ALIGN_CENTER_VERTICAL | wx.LEFT, 6)
            opts.Add(ctrl, 0, wx.LEFT, 4)
        opts.Add(again, 0, wx.LEFT, 12)
        top.Add(opts, 0, wx.ALL, 6)
        self.bgas = wx.ListCtrl(d, style=wx.LC_REPORT | wx.LC_SINGLE_SEL, size=(-1, 150))
        for i, (name, w) in enumerate((("BGA", 70), ("Footprint", 330), ("Balls", 60),
                                       ("Pitch [mm]", 100), ("Standoff [mm]", 130),
                                       ("Verdict", 220))):
            self.bgas.InsertColumn(i, name, width=w)
        top.Add(self.bgas, 0, wx.EXPAND | wx.LEFT | wx.RIGHT, 6)
        filt = wx.BoxSizer(wx.HORIZONTAL)
        self.filter_bga = wx.Choice(d, choices=["all BGAs"])
        self.filter_sev = wx.Choice(d, choices=list(SEVERITIES))
        filt.Add(wx.StaticText(d, label="Show"), 0, wx.ALIGN_CENTER_VERTICAL)
        filt.Add(self.filter_bga, 0, wx.LEFT, 4)
        filt.Add(wx.StaticText(d, label="at or above"), 0, wx.ALIGN_CENTER_VERTICAL | wx.LEFT, 8)
        filt.Add(self.filter_sev, 0, wx.LEFT, 4)
        top.Add(filt, 0, wx.ALL, 6)
        self.findings = wx.ListCtrl(d, style=wx.LC_REPORT | wx.LC_SINGLE_SEL)
        for i, (name, w) in enumerate((("Severity", 70), ("BGA", 60), ("Rule", 200),
                                       ("Measured", 80), ("Limit", 70), ("Unit", 50),
                                       ("Message", 300), ("X [mm]", 80), ("Y [mm]", 80))):
            self.findings.InsertColumn(i, name, width=w)
        top.Add(self.findings, 1, wx.EXPAND | wx.LEFT | wx.RIGHT, 6)
        self.status = wx.StaticText(d, label="", style=wx.ST_ELLIPSIZE_END)
        top.Add(self.status, 0, wx.ALL, 6)
        top.Add(d.CreateStdDialogButtonSizer(wx.CLOSE), 0, wx.EXPAND | wx.ALL, 6)
        d.SetSizer(top)
        d.SetEscapeId(wx.ID_CLOSE)
        again.Bind(wx.EVT_BUTTON, self._on_again)
        self.filter_bga.Bind(wx.EVT_CHOICE, lambda e: self._fill_findings())
        self.filter_sev.Bind(wx.EVT_CHOICE, lambda e: self._fill_findings())
        self.findings.Bind(wx.EVT_LIST_ITEM_SELECTED, self._on_finding)
        self.bgas.Bind(wx.EVT_LIST_ITEM_SELECTED, self._on_bga)
        d.Bind(wx.EVT_BUTTON, lambda e: d.EndModal(wx.ID_CLOSE), id=wx.ID_CLOSE)

    def _refresh(self):
        self.bgas.DeleteAllItems()
        for row in bga_rows(self.report, self.options.severity):
            self.bgas.Append(row)
        refs = [b.ref for b in sorted(self.report.bgas, key=lambda b: b.ref)]
        self.filter_bga.SetItems(["all BGAs"] + refs)
        self.filter_bga.SetSelection(0)
        self.filter_sev.SetStringSelection(default_filter(self.options.severity))
        self._fill_findings()
        s = self.summary
        self.status.SetLabel(
            f"{len(self.report.bgas)} BGA(s), {len(self.report.findings)} finding(s); "
            f"annotations on layer {s.get('layer', '?')} (hide it under Appearance > Layers), "
            f"{s.get('markers', 0)} marker(s).")

    def _fill_findings(self):
        sel = self.filter_bga.GetSelection()
        ref = self.filter_bga.GetString(sel) if sel > 0 else ""
        self.shown = filter_findings(self.report, ref, self.filter_sev.GetStringSelection()
                                     or DEFAULT_FILTER)
        self.findings.DeleteAllItems()
        for row in finding_rows(self.shown):
            self.findings.Append(row)

    def _on_finding(self, event):
        self.focus(self.shown[event.GetIndex()])

    def _on_bga(self, event):
        ref = self.bgas.GetItemText(event.GetIndex(), 0)
        self.filter_bga.SetStringSelection(ref)
        self._fill_findings()
        self.focus(ref)

    def read_options(self) -> CheckOptions:
        """The options as set in the controls; UserError-free: a bad stencil keeps the old value."""
        text = self.stencil.GetValue().strip().replace(",", ".")
        try:
            stencil = float(text) if text else None
        except ValueError:
            stencil = self.options.stencil_mm
        return dataclasses.replace(self.options, profile=_chosen(self.profile),
                                   fab_tier=_chosen(self.tier), stencil_mm=stencil,
                                   severity=self.severity.GetStringSelection() or "warning")

    def _on_again(self, event):
        self.options = self.read_options()
        result = self.rerun(self.options)
        if result is not None:
            self.report, self.summary = result
            self._refresh()

    def show(self) -> None:
        """Show modally, then destroy."""
        try:
            self.dlg.ShowModal()
        finally:
            self.dlg.Destroy()
