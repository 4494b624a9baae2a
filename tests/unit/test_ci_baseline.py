"""Baselines, exit policy and the merge of KiCad's DRC with ours (pure: no KiCad needed)."""
import json

import pytest

from bgacheck.api import UserError
from bgacheck.ci import (apply_baseline, baseline_dict, entries_of, exit_code, load_baseline,
                         merge_with_kicad_drc)
from ci_reports import PAD_UUID, VIA_UUID, kicad_drc, kicad_violation, make_report


def _entries(*kicad):
    return entries_of(make_report(), list(kicad))


def _by_rule(entries, rule):
    return next(e for e in entries if e.rule == rule)


def test_entries_carry_rule_ref_balls_and_sorted_item_uuids():
    e = _by_rule(_entries(), "ug1099.t1.pad_to_via")
    assert (e.origin, e.ref, e.balls, e.items) == ("bga-check", "U1", ("B3",),
                                                  tuple(sorted((VIA_UUID, PAD_UUID))))
    k = _by_rule(_entries(kicad_violation()), "clearance")
    assert (k.origin, k.ref, k.items) == ("kicad", "", ("cccccccc-0000-0000-0000-000000000001",))


def test_exact_waiver_covers_its_finding_only():
    entries = _entries()
    w = {"rule": "ug1099.t1.pad_to_via", "ref": "U1", "balls": ["B3"],
         "items": [VIA_UUID, PAD_UUID]}
    covered, stale = apply_baseline(entries, [w])
    assert [e.rule for e in covered] == ["ug1099.t1.pad_to_via"]
    assert stale == []


@pytest.mark.parametrize("change", [{"balls": ["B4"]}, {"items": [VIA_UUID]}, {"ref": "U2"},
                                    {"origin": "kicad"}, {"rule": "ug1099.t1.other"}])
def test_waiver_that_differs_in_any_key_is_stale(change):
    w = {"rule": "ug1099.t1.pad_to_via", "ref": "U1", "balls": ["B3"],
         "items": [VIA_UUID, PAD_UUID]}
    w.update(change)
    covered, stale = apply_baseline(_entries(), [w])
    assert covered == {}
    assert stale == [w]


def test_patterns_waive_a_rule_family_on_one_bga():
    covered, stale = apply_baseline(_entries(), [{"rule": "ug1099.*", "ref": "U1"}])
    assert sorted(e.rule for e in covered) == ["ug1099.t1.pad_to_via", "ug1099.t3.channel_width"]
    assert stale == []


def test_exit_code_counts_new_entries_at_or_above_the_severity():
    entries = _entries(kicad_violation("silk_overlap", "warning"))
    assert exit_code(entries, {}, "error") == 1
    errors = {e: {} for e in entries if e.severity == "error"}
    assert exit_code(entries, errors, "error") == 0
    assert exit_code(entries, errors, "warning") == 1
    everything = {e: {} for e in entries if e.severity != "info"}
    assert exit_code(entries, everything, "info") == 1  # the info finding is new
    assert exit_code(entries, everything, "warning") == 0


def test_kicad_words_outside_ours_never_fail():
    entries = _entries(kicad_violation("x", "ignore"))
    covered = {e: {} for e in entries if e.origin == "bga-check"}
    assert exit_code(entries, covered, "info") == 0


def test_written_baseline_reloads_and_covers_everything(tmp_path):
    entries = _entries(kicad_violation())
    old = {"rule": "bga.fanout.*", "reason": "plane balls, checked by hand"}
    covered, _ = apply_baseline(entries, [old])
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(baseline_dict(entries, covered, "test.kicad_pcb")))
    waivers = load_baseline(str(path))
    assert len(waivers) == len(entries)
    again, stale = apply_baseline(entries, waivers)
    assert set(again) == set(entries) and stale == []
    assert exit_code(entries, again, "info") == 0
    fanout = next(w for w in waivers if w["rule"] == "bga.fanout.unfanned")
    assert fanout["reason"] == "plane balls, checked by hand"


@pytest.mark.parametrize("text, words", [
    (None, "not found"),
    ("{not json", "not readable JSON"),
    ('{"waivers": []}', "not a bga-check baseline"),
    ('{"bga_check_baseline": 1, "waivers": [{"ref": "U1"}]}', 'waiver 1 needs a "rule"'),
    ('{"bga_check_baseline": 1, "waivers": [{"rule": "x", "balls": "A1"}]}', "list of strings"),
])
def test_bad_baseline_files_are_user_errors(tmp_path, text, words):
    path = tmp_path / "b.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(UserError) as info:
        load_baseline(str(path))
    assert info.value.code == 2
    assert words in str(info.value)


def test_merge_keeps_kicad_first_and_prefixes_ours():
    drc = kicad_drc(kicad_violation(), kicad_violation("silk_overlap", "warning"))
    drc["unconnected_items"] = [kicad_violation("unconnected_items")]
    merged = merge_with_kicad_drc(make_report(), drc)
    types = [v["type"] for v in merged["violations"]]
    assert types[:2] == ["clearance", "silk_overlap"]
    assert len(types) == 2 + 5
    assert all(t.startswith("bga_") for t in types[2:])
    assert merged["unconnected_items"] == drc["unconnected_items"]
    assert merged["kicad_version"] == "9.0.8" and merged["date"] == drc["date"]
    assert [b["ref"] for b in merged["bgas"]] == ["U1"]
    json.dumps(merged)


def test_merge_without_kicad_is_our_report():
    merged = merge_with_kicad_drc(make_report(), None)
    assert len(merged["violations"]) == 5
    assert merged["unconnected_items"] == []
