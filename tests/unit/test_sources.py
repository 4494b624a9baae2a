"""Every source a finding can show cites documents a reader can open: no citation of notes kept
outside the repository, and every `docs/sources.md <section>` names a section of docs/sources.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bgacheck.core import rules
from bgacheck.core.rules import ipc7351_land_mm, rules_for_pitch

ROOT = Path(__file__).resolve().parents[2]
SOURCES_MD = ROOT / "docs" / "sources.md"
PITCHES = (1.27, 1.0, 0.8, 0.65, 0.5, 0.4, 0.35)

# Notes and data files that are not part of the repository, in any spelling a citation used.
OUTSIDE = re.compile(r"bga-rules\.md|solder-height\.md|kicad-integration\.md|kicad10\.md"
                     r"|fab_capabilities\.csv|bga_rules\.csv|shared reference|reference/"
                     r"|\breference §")
SECTION_ID = r"[RS]\d+(?:\.\d+)?"
# "docs/sources.md R7", "docs/sources.md R3, R11", "docs/sources.md R1.5 finding 4"
CITATION = re.compile(rf"docs/sources\.md((?:(?:,\s*|\s+and\s+|\s+){SECTION_ID}\b)*)")
HEADING = re.compile(rf"^## ({SECTION_ID}) \S", re.M)


def cited_files() -> list[Path]:
    files = sorted((ROOT / "resources" / "rules").glob("*.toml"))
    files += sorted((ROOT / "plugin").rglob("*.py"))
    files += sorted((ROOT / "solver").glob("*.py"))
    docs = sorted(p for p in (ROOT / "docs").glob("*.md") if p != SOURCES_MD)
    return files + [ROOT / "README.md"] + docs


def sections() -> set[str]:
    return set(HEADING.findall(SOURCES_MD.read_text(encoding="utf-8")))


def citation_problems(text: str, known: set[str]) -> list[str]:
    """Why `text` fails: a citation of a file outside the repository, a bare `docs/sources.md`
    with no section, or a section that docs/sources.md does not have."""
    problems = [f"cites {m.group(0)!r}, which is not in the repository"
                for m in OUTSIDE.finditer(text)]
    for m in CITATION.finditer(text):
        ids = re.findall(SECTION_ID, m.group(1))
        if not ids:
            problems.append(f"{m.group(0)!r} names no section")
        problems += [f"docs/sources.md has no section {i}" for i in ids if i not in known]
    return problems


def resolved_strings():
    for profile in rules.list_profiles():
        for tier in rules.list_fab_tiers():
            for pitch in PITCHES:
                rs = rules_for_pitch(profile, pitch, fab_tier=tier)
                for key, rv in rs.values.items():
                    for field in ("source", "note", "disagrees"):
                        yield f"{profile}/{tier}/{pitch:g} mm/{key}.{field}", getattr(rv, field)


def test_sources_md_has_the_sections_the_checker_cites():
    assert {"R1.4", "R1.5", "R1.6", "R3", "R7", "R8", "R9", "R11",
            "S1", "S2", "S3", "S4", "S5", "S6"} <= sections()


def test_the_citation_check_catches_what_it_should():
    known = {"R7", "R1.5"}
    assert not citation_problems("IPC-7351A (secondary; docs/sources.md R7): 25 %", known)
    assert not citation_problems("e - VH (docs/sources.md R1.5 finding 4)", known)
    assert citation_problems("IPC-7351A (bga-rules.md §7)", known)
    assert citation_problems("seed (reference/solder-height.md §3)", known)
    assert citation_problems("fab tiers (fab_capabilities.csv)", known)
    assert citation_problems("see docs/sources.md R99", known)
    assert citation_problems("see docs/sources.md", known)
    assert citation_problems("docs/sources.md R7, R12", known)


FILE_NAMED = re.compile(r"\]\([^)]*\)|`(?:bgacheck/|plugins/)?docs/sources\.md`")
"""In the manual, a link to the file or the file named as code is not a citation of it."""


@pytest.mark.parametrize("path", cited_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_rule_files_and_code_cite_only_what_the_repository_holds(path):
    known = sections()
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".md":
        lines = [FILE_NAMED.sub("", line) for line in lines]
    problems = [f"line {n}: {why}"
                for n, line in enumerate(lines, 1)
                for why in citation_problems(line, known)]
    assert not problems, "\n".join(problems)


def test_every_resolved_rule_source_cites_only_what_the_repository_holds():
    known = sections()
    problems = [f"{where}: {why}" for where, text in resolved_strings()
                for why in citation_problems(text, known)]
    for ball in (0.75, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15):
        problems += [f"ipc7351_land_mm({ball}): {why}"
                     for why in citation_problems(ipc7351_land_mm(ball)[2], known)]
    assert not problems, "\n".join(problems[:20])
