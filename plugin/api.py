"""The library entry points that every front end (CLI, ActionPlugin, tests) calls.

``check_model`` is host-free; ``read_model`` and ``check_file`` read the board file natively
(or through the pcbnew adapter, see ``readers``).
"""
from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Optional

from ._version import __version__
from .core.model import BoardModel
from .core.options import CheckOptions, default_fab_tier
from .core.report import Report

__all__ = ["CheckOptions", "UserError", "resolve_options", "check_model", "read_model",
           "check_file"]


class UserError(Exception):
    """A problem the user can fix (bad file, bad option); carries the CLI exit code."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def resolve_options(options: Optional[CheckOptions], board_path: str,
                    model: Optional[BoardModel] = None) -> CheckOptions:
    """Fill profile, fab tier and project overrides.

    Each comes from the command line, else the project file, else the defaults (the default
    tier is ``hdi`` for a board with microvias or blind vias).
    """
    from .core import rules

    opts = replace(options) if options else CheckOptions()
    try:
        project = rules.load_overrides(board_path) if board_path else None
    except rules.RulesError as exc:
        raise UserError(str(exc), 2) from None
    if project is not None:
        opts.project_overrides = project
        opts.profile = opts.profile or project.profile
        opts.fab_tier = opts.fab_tier or project.fab_tier
    opts.profile_chosen = opts.profile_chosen or bool(opts.profile)
    opts.profile = opts.profile or rules.DEFAULT_PROFILE
    if not opts.fab_tier and model is not None:
        opts.fab_tier, opts.fab_tier_why = default_fab_tier(model.vias.via_type,
                                                             rules.DEFAULT_FAB_TIER)
    opts.fab_tier = opts.fab_tier or rules.DEFAULT_FAB_TIER
    try:
        rules.load_profile(opts.profile)
        if opts.fab_tier not in rules.list_fab_tiers():
            raise rules.RulesError(f"unknown fab tier '{opts.fab_tier}' "
                                   f"(known: {', '.join(rules.list_fab_tiers())})")
    except rules.RulesError as exc:
        raise UserError(str(exc), 2) from None
    return opts


def check_model(model: BoardModel, options: Optional[CheckOptions] = None) -> Report:
    """Detect area arrays on a board model and run every stage on them."""
    from .core import pipeline, rules

    options = resolve_options(options, model.path if os.path.isfile(model.path) else "", model)
    t0 = time.perf_counter()
    report = Report(source=model.path, kicad_version=model.kicad_version,
                    tool_version=__version__)
    report.meta["profile"] = options.profile
    report.meta["fab_tier"] = options.fab_tier
    report.meta["severity"] = options.severity  # the threshold core.verdict judges the run at
    if options.fab_tier_why:
        report.meta["fab_tier_why"] = options.fab_tier_why
    if options.project_overrides is not None:
        report.meta["project_overrides"] = str(options.project_overrides.path)
    try:
        pipeline.run(model, options, report)
    except rules.RulesError as exc:
        raise UserError(str(exc), 2) from None
    report.meta.setdefault("timings_s", {})["check"] = round(time.perf_counter() - t0, 4)
    return report


def read_model(path: str, reader: str = "auto") -> BoardModel:
    """Load a .kicad_pcb into a BoardModel; UserError on any bad input.

    ``reader``: "auto" (the native reader, pcbnew for what it does not cover), "native" (never
    KiCad) or "pcbnew" (KiCad's own loader, the reference). See ``readers.read_board``.
    """
    from .readers import read_board

    return read_board(path, reader)[0]


def check_file(path: str, options: Optional[CheckOptions] = None,
               reader: str = "auto") -> Report:
    """Read a board file and check it; the file is never written."""
    from .readers import read_board

    model, how = read_board(path, reader)
    report = check_model(model, options)
    report.meta["timings_s"]["load"] = round(how.pop("load_s"), 4)
    report.meta.update(how)
    return report
