"""Baselines, exit policy and the merge of KiCad's DRC with ours (pure: no KiCad needed).

Baselines accept items, not grouped findings: a finding about 24 vias is 24 entries, so that
moving a 25th via into it fails on that via alone, and fixing one of them fails nothing.
"""
import json

import pytest

from bgacheck.core.baseline import (
    BaselineError,
    apply_baseline,
    baseline_dict,
    baseline_text,
    entries_of,
    finding_waivers,
    item_key,
    kicad_waivers,
    load_baseline,
)
from bgacheck.core.kicad_drc_merge import merge_with_kicad_drc
from bgacheck.core.report import Finding
from bgacheck.core.verdict import verdict
from bgacheck.render.drc_json import report_dict
from ci_reports import PAD_UUID, VIA_UUID, kicad_drc, kicad_violation, make_report


def _entries(*kicad, report=None):
    return entries_of(report or make_report(), list(kicad))


def _by_rule(entries, rule):
    return next(e for e in entries if e.rule == rule)


def _via_group(n, first=0, rule="fab.min_drill"):
    """One grouped finding about n vias (uuids via-0000 ...) and the balls beside them."""
    vias = tuple((f"via [N{k}]", f"via-{k:04d}", 100.0 + k, 50.0) for k in range(first, first + n))
    balls = tuple((f"ball A{k + 1}", f"pad-{k:04d}", 100.0 + k, 50.5)
                  for k in range(first, first + n))
    return Finding(rule, "error", f"{n} vias drilled 0.150 mm, below the standard tier", "U1",
                   100.0, 50.0, 0.15, 0.2, "mm", "fab.toml", pads=tuple(
                       f"A{k + 1}" for k in range(first, first + n)), items=vias + balls)


def _report_with(*findings):
    report = make_report()
    report.findings = list(findings)
    return report


def _exit_code(report, entries, covered, severity, kicad=()):
    """What `ci` exits with: core.verdict given the baseline's waivers and KiCad's violations."""
    full, _ = finding_waivers(entries, covered)
    judged = verdict(report, severity, waived=set(full), kicad=list(kicad),
                     kicad_waived=set(kicad_waivers(entries, covered)))
    return 0 if judged.passed else 1


def test_item_keys_name_balls_by_bga_and_others_by_uuid():
    assert item_key("ball C3", "uuid-1", "U1") == "ball:U1.C3"
    assert item_key("via [GND]", "uuid-2", "U1") == "via:uuid-2"
    assert item_key("track 0.1 mm [N]", "uuid-3", "U1") == "track:uuid-3"
    assert item_key("pad U1.C3 [GND]", "uuid-4", "U1") == "pad:U1.C3"


def test_a_via_group_is_one_entry_per_via_and_other_findings_one_entry():
    entries = _entries(report=_report_with(_via_group(3)))
    assert [e.item for e in entries] == ["via:via-0000", "via:via-0001", "via:via-0002"]
    assert {e.index for e in entries} == {0}
    assert entries[0].what == "via at (100.0000, 50.0000) mm"
    single = _by_rule(_entries(), "ug1099.t1.pad_to_via")
    assert single.item == "pad:B3+via:" + VIA_UUID
    assert single.uuids == tuple(sorted((VIA_UUID, PAD_UUID)))
    k = _by_rule(_entries(kicad_violation()), "clearance")
    assert (k.origin, k.ref, k.item) == ("kicad", "", "cccccccc-0000-0000-0000-000000000001")


def test_exact_waiver_covers_its_item_only():
    entries = _entries()
    w = {"rule": "ug1099.t1.pad_to_via", "ref": "U1", "item": "pad:B3+via:" + VIA_UUID}
    covered, stale = apply_baseline(entries, [w])
    assert [e.rule for e in covered] == ["ug1099.t1.pad_to_via"]
    assert stale == []


@pytest.mark.parametrize("change", [{"item": "via:other"}, {"ref": "U2"}, {"origin": "kicad"},
                                    {"rule": "ug1099.t1.other"}])
def test_waiver_that_differs_in_any_key_is_stale(change):
    w = {"rule": "ug1099.t1.pad_to_via", "ref": "U1", "item": "pad:B3+via:" + VIA_UUID}
    w.update(change)
    covered, stale = apply_baseline(_entries(), [w])
    assert covered == {}
    assert stale == [w]


def test_patterns_waive_a_rule_family_on_one_bga():
    covered, stale = apply_baseline(_entries(), [{"rule": "ug1099.*", "ref": "U1"}])
    assert sorted(e.rule for e in covered) == ["ug1099.t1.pad_to_via", "ug1099.t3.channel_width"]
    assert stale == []


def _baseline_of(report):
    """The waivers --write-baseline would write for a report (no KiCad)."""
    return baseline_dict(entries_of(report, []), {}, "b.kicad_pcb")["waivers"]


def test_a_via_moved_into_a_waived_group_fails_alone_and_is_named():
    waivers = _baseline_of(_report_with(_via_group(24)))
    assert len(waivers) == 24 and all(w["item"].startswith("via:") for w in waivers)
    grown = _report_with(_via_group(25))
    entries = entries_of(grown, [])
    covered, stale = apply_baseline(entries, waivers)
    assert stale == []
    new = [e for e in entries if e not in covered]
    assert [e.item for e in new] == ["via:via-0024"]
    full, partial = finding_waivers(entries, covered)
    assert full == {} and partial == {0: {"new": ["via at (124.0000, 50.0000) mm"],
                                          "waived": 24}}
    assert _exit_code(grown, entries, covered, "error") == 1


def test_fixing_one_of_85_waived_vias_fails_nothing_and_leaves_one_stale_waiver():
    waivers = _baseline_of(_report_with(_via_group(85)))
    fixed = _report_with(_via_group(84, first=1))
    entries = entries_of(fixed, [])
    covered, stale = apply_baseline(entries, waivers)
    assert set(covered) == set(entries)
    assert [w["item"] for w in stale] == ["via:via-0000"]
    assert _exit_code(fixed, entries, covered, "info") == 0
    assert finding_waivers(entries, covered) == ({0: covered[entries[0]]["reason"]}, {})


def test_format_1_group_waivers_are_read_item_by_item():
    """A baseline written before item keys: one waiver per grouped finding, with the sets of its
    balls and item uuids. Fixing one of its vias passes; moving one in fails on that via."""
    old = _via_group(85)
    w = {"origin": "bga-check", "rule": "fab.min_drill", "ref": "U1", "balls": list(old.pads),
         "items": sorted(u for _, u, _, _ in old.items), "reason": "reviewed"}
    fixed = entries_of(_report_with(_via_group(84, first=1)), [])
    covered, stale = apply_baseline(fixed, [w])
    assert set(covered) == set(fixed) and stale == []
    grown = entries_of(_report_with(_via_group(86)), [])
    covered, _ = apply_baseline(grown, [w])
    assert [e.item for e in grown if e not in covered] == ["via:via-0085"]


def test_format_1_ball_waivers_match_by_ball_name():
    f = Finding("ipc7525.area_ratio", "warning", "2 balls", "U1", 0, 0, pads=("A1", "A2"),
                items=(("ball A1", "p1", 0, 0), ("ball A2", "p2", 1, 0)))
    entries = entries_of(_report_with(f), [])
    assert [e.item for e in entries] == ["ball:U1.A1", "ball:U1.A2"]
    covered, _ = apply_baseline(entries, [{"rule": "ipc7525.*", "ref": "U1", "balls": ["A2"]}])
    assert [e.item for e in covered] == ["ball:U1.A2"]


def test_kicad_waivers_are_not_stale_when_kicad_did_not_run():
    waivers = [{"origin": "kicad", "rule": "silk_overlap", "item": "x"},
               {"rule": "via_dangling"}, {"origin": "bga-check", "rule": "fab.gone"}]
    _, stale = apply_baseline(_entries(), waivers, kicad_ran=False)
    assert stale == [{"origin": "bga-check", "rule": "fab.gone"}]
    _, stale = apply_baseline(_entries(), waivers, kicad_ran=True)
    assert len(stale) == 3


def test_exit_code_counts_new_entries_at_or_above_the_severity():
    report, kicad = make_report(), [kicad_violation("silk_overlap", "warning")]
    entries = entries_of(report, kicad)
    assert _exit_code(report, entries, {}, "error", kicad) == 1
    errors = {e: {} for e in entries if e.severity == "error"}
    assert _exit_code(report, entries, errors, "error", kicad) == 0
    assert _exit_code(report, entries, errors, "warning", kicad) == 1
    everything = {e: {} for e in entries if e.severity != "info"}
    assert _exit_code(report, entries, everything, "info", kicad) == 1  # the info one is new
    assert _exit_code(report, entries, everything, "warning", kicad) == 0


def test_kicad_words_outside_ours_never_fail():
    report, kicad = make_report(), [kicad_violation("x", "ignore")]
    entries = entries_of(report, kicad)
    covered = {e: {} for e in entries if e.origin == "bga-check"}
    assert _exit_code(report, entries, covered, "info", kicad) == 0


def test_written_baseline_reloads_one_waiver_a_line_and_covers_everything(tmp_path):
    report, kicad = make_report(), [kicad_violation()]
    entries = entries_of(report, kicad)
    old = {"rule": "bga.fanout.*", "reason": "plane balls, checked by hand"}
    covered, _ = apply_baseline(entries, [old])
    path = tmp_path / "baseline.json"
    text = baseline_text(baseline_dict(entries, covered, "test.kicad_pcb"))
    path.write_text(text)
    waivers = load_baseline(str(path))
    assert len(waivers) == len(entries)
    assert sum(1 for ln in text.splitlines() if ln.strip().startswith('{"origin"')) == len(entries)
    assert json.loads(text)["bga_check_baseline"] == 2
    again, stale = apply_baseline(entries, waivers)
    assert set(again) == set(entries) and stale == []
    assert _exit_code(report, entries, again, "info", kicad) == 0
    fanout = next(w for w in waivers if w["rule"] == "bga.fanout.unfanned")
    assert fanout["reason"] == "plane balls, checked by hand"


@pytest.mark.parametrize("text, words", [
    (None, "not found"),
    ("{not json", "not readable JSON"),
    ('{"waivers": []}', "not a bga-check baseline"),
    ('{"bga_check_baseline": 1, "waivers": [{"ref": "U1"}]}', 'waiver 1 needs a "rule"'),
    ('{"bga_check_baseline": 1, "waivers": [{"rule": "x", "balls": "A1"}]}', "list of strings"),
    ('{"bga_check_baseline": 2, "waivers": [{"rule": "x", "item": 3}]}', '"item" must be'),
    ('{"bga_check_baseline": 3, "waivers": []}', "not a bga-check baseline"),
])
def test_bad_baseline_files_are_named_errors(tmp_path, text, words):
    path = tmp_path / "b.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(BaselineError) as info:
        load_baseline(str(path))
    assert words in str(info.value)


def test_merge_keeps_kicad_first_and_prefixes_ours():
    drc = kicad_drc(kicad_violation(), kicad_violation("silk_overlap", "warning"))
    drc["unconnected_items"] = [kicad_violation("unconnected_items")]
    merged = merge_with_kicad_drc(report_dict(make_report()), drc)
    types = [v["type"] for v in merged["violations"]]
    assert types[:2] == ["clearance", "silk_overlap"]
    assert len(types) == 2 + 5
    assert all(t.startswith("bga_") for t in types[2:])
    assert merged["unconnected_items"] == drc["unconnected_items"]
    assert merged["kicad_version"] == "9.0.8" and merged["date"] == drc["date"]
    assert [b["ref"] for b in merged["bgas"]] == ["U1"]
    json.dumps(merged)


def test_merge_without_kicad_is_our_report():
    merged = merge_with_kicad_drc(report_dict(make_report()), None)
    assert len(merged["violations"]) == 5
    assert merged["unconnected_items"] == []
