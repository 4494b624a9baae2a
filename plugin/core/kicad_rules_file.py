"""The text of a KiCad custom rules file (``.kicad_dru``): read it, merge our block in, take it out.

``merge_rules`` puts the block that ``kicad_rules.generate_rules`` writes at the top of a
project's rules, before every rule of the project's: KiCad gives later rules precedence, so
where a project rule sets the same constraint, the project's rule decides. The merge keeps
every byte outside the block, records in the block what else it added (the version clause, a
line break, the file itself), and ``remove_rules`` takes exactly that away again.

``top_level`` finds the file's top-level expressions, and ``find_unparsed`` the first one KiCad
rejects, given a function that asks KiCad (``kicad.kicad_cli.check_parses`` runs kicad-cli on a
probe board with ``probe_rules``): kicad-cli 9.0.8 reports nothing when a rules file does not
parse and then applies none of its rules, the project's own included
(tests/kicad/test_dru_generation.py). Pure text work: no pcbnew, no kicad-cli.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional

__all__ = ["BEGIN", "END", "PROBE_RULE", "DruError", "DruSyntaxError", "rules_path_for",
           "top_level", "probe_rules", "find_unparsed", "merge_rules", "remove_rules"]

BEGIN = "# bga-check: begin generated rules (do not edit)"
END = "# bga-check: end"
MERGE_MARK = "# bga-check: merged: "
"""A line inside the block that says what the merge added besides the block.

So that ``remove_rules`` restores the file byte for byte: ``new file``, ``line break before``.
"""
VERSION_LINE = "(version 1)"
PROBE_RULE = ('(rule "bga-check parse probe"\n  (constraint track_width (min 1000mm))\n'
              "  (condition \"A.Type == 'Track'\"))\n")
"""Appended last (so no project rule overrides it) to a rules file under test.

It fires on any track when the file parses.
"""
_VERSION_RE = re.compile(r"\(\s*version\s+\d+\s*\)\Z")


class DruError(ValueError):
    """A rules file we cannot merge into safely (a begin marker without its end); one line."""


class DruSyntaxError(ValueError):
    """A rules file whose parentheses or quotes do not close; ``line`` is 1-based."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def rules_path_for(board_path: str | Path) -> Path:
    """The project's own rules file: ``<board stem>.kicad_dru`` next to the board.

    Examples
    --------
    >>> rules_path_for("hw/main.kicad_pcb").as_posix()
    'hw/main.kicad_dru'
    """
    p = Path(board_path)
    return p.with_name(p.stem + ".kicad_dru")


# ---------------------------------------------------------------- reading a rules file

def top_level(text: str) -> list[tuple[int, int, int]]:
    r"""The top-level S-expressions of a rules file.

    ``#`` starts a comment outside strings; strings are double-quoted with backslash escapes.

    Parameters
    ----------
    text : str
        The rules file's text.

    Returns
    -------
    list of (int, int, int)
        (start, end, line) per expression: offsets into ``text`` (end after the closing
        parenthesis) and the 1-based line of the opening one.

    Raises
    ------
    DruSyntaxError
        With the line, for a parenthesis or quote that does not close.

    Examples
    --------
    >>> top_level("(version 1)\n# (not this)\n(rule x)\n")
    [(0, 11, 1), (25, 33, 3)]
    """
    out: list[tuple[int, int, int]] = []
    depth, line, start, start_line = 0, 1, 0, 1
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif ch == '"':
            j, q_line = i + 1, line
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n":
                    line += 1
                j += 1
            if j >= n:
                raise DruSyntaxError("a string that does not close", q_line)
            i = j
        elif ch == "(":
            if depth == 0:
                start, start_line = i, line
            depth += 1
        elif ch == ")":
            if depth == 0:
                raise DruSyntaxError("a ')' without its '('", line)
            depth -= 1
            if depth == 0:
                out.append((start, i + 1, start_line))
        i += 1
    if depth:
        raise DruSyntaxError("a '(' that does not close", start_line)
    return out


def _version_expr(text: str, exprs: list[tuple[int, int, int]]) -> Optional[tuple[int, int, int]]:
    """The first top-level expression when it is a version clause."""
    if exprs and _VERSION_RE.match(text[exprs[0][0]:exprs[0][1]]):
        return exprs[0]
    return None


def probe_rules(text: str) -> str:
    """``text`` with PROBE_RULE appended as its last rule (newline-separated)."""
    sep = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{sep}{PROBE_RULE}"


def find_unparsed(text: str, parses: Callable[[str], bool]) -> Optional[tuple[int, str]]:
    """Where a rules file stops parsing, if it does.

    The search adds the file's top-level expressions one at a time by bisection (a handful of
    kicad-cli runs on a tiny board), so that the line named is the first one that breaks the
    file.

    Parameters
    ----------
    text : str
        The rules file's text.
    parses : callable
        Runs KiCad on a rules text and tells whether its probe rule (``probe_rules``) fired.

    Returns
    -------
    (int, str) or None
        None when ``parses(probe_rules(text))`` holds, else the 1-based line and what of the
        first expression KiCad rejects.
    """
    try:
        exprs = top_level(text)
    except DruSyntaxError as exc:
        return exc.line, str(exc)
    if parses(probe_rules(text)):
        return None
    if _version_expr(text, exprs) is None:
        return 1, "no (version 1) clause first: KiCad reads no rule from such a file"
    if not parses(probe_rules(text[:exprs[0][1]])):
        return exprs[0][2], "it does not accept this version clause"
    if parses(probe_rules(text[:exprs[-1][1]])):  # every expression parses: the trailer breaks
        return exprs[-1][2], "the text after the last rule"
    lo, hi = 1, len(exprs)  # the first lo expressions parse, the first hi do not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if parses(probe_rules(text[:exprs[mid - 1][1]])):
            lo = mid
        else:
            hi = mid
    s, e, line = exprs[hi - 1]
    first = text[s:e].splitlines()[0].strip()
    return line, f"it stops at `{first[:80]}`"


# ---------------------------------------------------------------- merge and remove

def _find_block(text: str) -> Optional[tuple[int, int]]:
    """Start and end offsets of our block (end after its newline), None if absent."""
    lines = text.splitlines(keepends=True)
    pos, start = 0, None
    for line in lines:
        stripped = line.strip()
        if stripped == BEGIN and start is None:
            start = pos
        elif stripped == END and start is not None:
            return start, pos + len(line)
        pos += len(line)
    if start is not None:
        raise DruError(f"'{BEGIN}' without '{END}': fix the rules file by hand first")
    return None


def _newline(text: str) -> str:
    """The file's line ending: CRLF when most of its lines end so, else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


def _flags(block: str) -> Optional[set[str]]:
    """What the merge that wrote ``block`` added besides it.

    None for a block without the record (written by bga-check before 2026-12: placed last,
    after one blank line).
    """
    for line in block.splitlines():
        if line.startswith(MERGE_MARK):
            return {f.strip() for f in line[len(MERGE_MARK):].split(",") if f.strip()} - {"-"}
    return None


def _take_out(text: str) -> tuple[str, set[str], bool]:
    """``text`` without our block(s), and what the first block's merge had added.

    The flag says whether a block was found. Restores what the merge changed: the file comes
    back as it was.
    """
    found = _find_block(text)
    if not found:
        return text, set(), False
    start, end = found
    flags = _flags(text[start:end])
    before, after = text[:start], text[end:]
    if flags is None:  # legacy: "\n" + block appended at the end
        flags = set()
        if not after.strip() and before.endswith(("\n\n", "\r\n\r\n")):
            before = before[:-len(_newline(before))]
    elif "line break before" in flags:
        nl = "\r\n" if before.endswith("\r\n") else "\n"
        before = before[:-len(nl)] if before.endswith(nl) else before
    rest = before + after
    while (again := _find_block(rest)) is not None:  # a second copy (hand-merged files): drop it
        rest = rest[:again[0]] + rest[again[1]:]
    return rest, flags, True


def merge_rules(existing_text: Optional[str], generated_block: str) -> str:
    """A project's rules with our block at the top.

    Right after the version clause, or first with a version clause of its own when the file
    has none (KiCad reads no rule from a file without one). A block already in the file,
    wherever it is, is replaced there. Every byte of the project's text is kept; the file's
    line ending (LF or CRLF) is used for the block. ``remove_rules`` gives back the text as it
    was before the first merge.

    Parameters
    ----------
    existing_text : str or None
        The project's rules file, None when there is none yet.
    generated_block : str
        ``kicad_rules.generate_rules``'s block, markers included.

    Returns
    -------
    str
        The merged rules file.

    Raises
    ------
    DruError
        For a file with a begin marker and no end marker.
    """
    created = existing_text is None
    text, old_flags, had_block = _take_out(existing_text or "")
    if had_block:
        created = "new file" in old_flags
    nl = _newline(text) if text else "\n"
    lines = generated_block.rstrip("\n").split("\n")
    if lines[0] != BEGIN or lines[-1] != END:
        raise ValueError("generated block without its markers")
    body = lines[1:-1]
    try:
        exprs = top_level(text)
    except DruSyntaxError:
        exprs = []
    version = _version_expr(text, exprs)
    flags = []
    if created:
        flags.append("new file")
    if version is not None:
        cut = text.find("\n", version[1])
        tail = text[version[1]:len(text) if cut < 0 else cut].strip()
        if cut >= 0 and (not tail or tail.startswith("#")):
            pos, lead = cut + 1, ""
        else:  # the file ends on the version line, or a rule follows on it
            pos, lead = (len(text) if cut < 0 else version[1]), nl
            flags.append("line break before")
        extra = []
    else:
        pos, lead, extra = 0, "", [VERSION_LINE]
    mark = [MERGE_MARK + (", ".join(flags) if flags else "-")]
    block = nl.join([BEGIN] + mark + extra + body + [END]) + nl
    return text[:pos] + lead + block + text[pos:]


def remove_rules(text: str) -> tuple[Optional[str], bool]:
    """The rules file without our block, as it was before the first merge.

    Parameters
    ----------
    text : str
        A rules file, merged or not.

    Returns
    -------
    (str or None, bool)
        The text without the block, or None when the merge created the file and nothing else
        is in it (delete it); the flag is False when the text holds no block (nothing to do).
    """
    rest, flags, found = _take_out(text)
    if not found:
        return text, False
    if "new file" in flags:
        if not rest.strip():
            return None, True
        try:
            has_version = _version_expr(rest, top_level(rest)) is not None
        except DruSyntaxError:
            has_version = True
        if not has_version:  # rules the user added to a file we made: keep them readable
            rest = VERSION_LINE + _newline(rest) + rest
    return rest, True
