"""KiCad's own DRC report (kicad-cli's JSON) beside ours: one merged report, KiCad's items.

``bga-check ci`` runs ``kicad-cli pcb drc`` (``kicad.kicad_cli.run_kicad_drc``) and the BGA
checks on one board. Here the two kicad-cli-shaped dicts become one (``merge_with_kicad_drc``),
KiCad's footprint library checks are set aside unless asked for (``leave_out_library_checks``),
and KiCad's violations and unconnected items are listed as the baseline and the verdict see
them (``kicad_violations``). Pure dict work: the caller runs kicad-cli and renders our report
(``render.drc_json.report_dict``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

__all__ = ["LIBRARY_CHECKS", "merge_with_kicad_drc", "leave_out_library_checks",
           "kicad_violations"]

LIBRARY_CHECKS = ("lib_footprint_issues", "lib_footprint_mismatch")
"""kicad-cli's footprint library checks: they compare each footprint with the library of the
machine that runs them (on a CI runner: KiCad's standard libraries of the image's version), not
with the designers' own."""


def merge_with_kicad_drc(ours: dict, drc_json_dict: Optional[Mapping[str, Any]]) -> dict:
    """One kicad-cli-shaped dict: KiCad's violations first, then ours.

    KiCad's header (``kicad_version``, ``date``, ``included_severities``), unconnected items and
    schematic parity are kept as kicad-cli wrote them; ours add ``bgas``, ``tool`` and ``meta``.

    Parameters
    ----------
    ours : dict
        Our report as ``render.drc_json.report_dict`` makes it (violation types ``bga_...``).
    drc_json_dict : dict or None
        kicad-cli's JSON report; None or empty when KiCad's DRC did not run.

    Returns
    -------
    dict
        The merged report; ``ours`` itself when there is nothing of KiCad's.

    Examples
    --------
    >>> ours = {"violations": [{"type": "bga_x"}], "bgas": [], "tool": {}, "meta": {}}
    >>> kicad = {"kicad_version": "9.0.8", "violations": [{"type": "clearance"}]}
    >>> [v["type"] for v in merge_with_kicad_drc(ours, kicad)["violations"]]
    ['clearance', 'bga_x']
    """
    if not drc_json_dict:
        return ours
    merged = dict(drc_json_dict)
    merged["violations"] = list(drc_json_dict.get("violations", [])) + ours["violations"]
    for key in ("unconnected_items", "schematic_parity"):
        merged[key] = list(drc_json_dict.get(key, []))
    for key in ("bgas", "tool", "meta"):
        merged[key] = ours[key]
    return merged


def leave_out_library_checks(drc_json_dict: dict, keep: bool) -> tuple[dict, dict[str, int]]:
    """kicad-cli's report without its footprint library checks, and how many of each it had.

    Parameters
    ----------
    drc_json_dict : dict
        kicad-cli's JSON report.
    keep : bool
        True (``--kicad-library-checks``): the report is returned as it is.

    Returns
    -------
    (dict, dict)
        The report (a copy when anything was left out) and ``LIBRARY_CHECKS`` type -> count
        left out.
    """
    left_out: dict[str, int] = {}
    if keep:
        return drc_json_dict, left_out
    kept = []
    for v in drc_json_dict.get("violations", []):
        if v.get("type") in LIBRARY_CHECKS:
            left_out[v["type"]] = left_out.get(v["type"], 0) + 1
        else:
            kept.append(v)
    return dict(drc_json_dict, violations=kept), left_out


def kicad_violations(drc_json_dict: Optional[Mapping[str, Any]]) -> list[dict]:
    """KiCad's violations, then its unconnected items: what baselines and the verdict judge.

    Empty when KiCad's DRC did not run.
    """
    if not drc_json_dict:
        return []
    return (list(drc_json_dict.get("violations", []))
            + list(drc_json_dict.get("unconnected_items", [])))
