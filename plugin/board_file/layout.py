"""Where the items of a board file begin and end, found without tokenising what is skipped.

KiCad writes one item per line, indented by its depth: a tab per level since KiCad 7, two spaces
in KiCad 6 files. ``split`` uses that layout to cut a node into its children with C-speed byte
searches, then checks every cut (balanced parentheses, a keyword after each opening one). A file
that does not follow the layout, or a cut that does not check out, is split by the tokenizer
instead (``split_by_tokens``), which is slower but exact and reports malformed text by line.
"""
from __future__ import annotations

import re

from .sexpr import SexprError, SexprSyntaxError, line_of, parse_node

__all__ = ["Child", "indent_unit", "split", "split_by_tokens", "node_end", "balanced"]

_KEYWORD = re.compile(rb"\(([A-Za-z_][A-Za-z0-9_]*)")
_SPACE = b" \t\n\r\x00"
_HEAD_ATOMS = re.compile(
    rb'\([A-Za-z_][A-Za-z0-9_]*(?:[ \t\n\r]+(?:"(?:[^"\\]|\\.)*"|[^ \t\n\r()"]+))*[ \t\n\r]*')


class Child:
    """One child node: its keyword and byte span [start, end) in the file."""

    __slots__ = ("keyword", "start", "end")

    def __init__(self, keyword: str, start: int, end: int):
        self.keyword, self.start, self.end = keyword, start, end

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        """Keyword and span."""
        return f"Child({self.keyword!r}, {self.start}, {self.end})"


def indent_unit(data: bytes) -> bytes | None:
    r"""b'\t' for KiCad 7+ files, b'  ' for KiCad 6 files, None when neither is evident."""
    head = data[:4096]
    if b"\n\t(" in head:
        return b"\t"
    if b"\n  (" in head:
        return b"  "
    return None


def node_end(data: bytes, start: int, end: int) -> int:
    """Offset just past the last non-space byte of [start, end)."""
    stop = min(end, len(data))
    while stop > start and data[stop - 1] in _SPACE:
        stop -= 1
    return stop


def split(data: bytes, start: int, end: int, depth: int, unit: bytes | None,
          head_nodes: bool = False):
    """Children of the node spanning [start, end) (its ')' is the last non-space byte).

    Returns (head_items, children) or None when the layout cannot be trusted; ``head_items``
    are the nodes written on the head line (only accepted when ``head_nodes``: KiCad 6 put
    ``(version ..) (generator ..)`` there).
    """
    if unit is None:
        return None
    close = node_end(data, start, end) - 1
    if close <= start or data[close] != 0x29:
        return None
    sep = b"\n" + unit * depth + b"("
    first = data.find(sep, start, close)
    head_end = first if first >= 0 else close
    head = []
    if _HEAD_ATOMS.fullmatch(data, start, head_end) is None:
        if not head_nodes:
            return None
        m = _KEYWORD.match(data, start)
        pos = m.end() if m else start + 1
        try:
            while True:
                nxt = data.find(b"(", pos, head_end)
                if nxt < 0:
                    break
                if data[pos:nxt].strip(_SPACE):
                    return None  # an atom after a head node: not KiCad's layout
                node, pos = parse_node(data, nxt, head_end)
                head.append(node)
        except SexprError:
            return None
        if data[pos:head_end].strip(_SPACE):
            return None
    children = []
    if first < 0:
        return head, children
    skip = len(sep) - 1
    heads = _child_heads(sep).finditer(data, first, close)
    starts = [(m.start() + skip, m.group(1)) for m in heads]
    if not starts or data.count(sep, first, close) != len(starts):
        return None  # a line start without a keyword after its '(': not KiCad's layout
    rfind = data.rfind
    ends = [s for s, _ in starts[1:]] + [close + skip]
    keywords: dict = {}
    for (cstart, word), nxt in zip(starts, ends):
        cend = nxt - skip
        stop = rfind(b")", cstart, cend) + 1
        if stop <= cstart or (stop != cend and data[stop:cend].strip(_SPACE)):
            return None
        key = keywords.get(word)
        if key is None:
            key = keywords[word] = word.decode("ascii")
        children.append(Child(key, cstart, stop))
    return head, children


_HEADS_BY_SEP: dict = {}


def _child_heads(sep: bytes) -> re.Pattern:
    """The line start of a child at one depth, with its keyword."""
    pattern = _HEADS_BY_SEP.get(sep)
    if pattern is None:
        pattern = _HEADS_BY_SEP[sep] = re.compile(re.escape(sep) + rb"([A-Za-z_][A-Za-z0-9_]*)")
    return pattern


def balanced(data: bytes, start: int, stop: int) -> bool:
    """True when [start, stop) is one node.

    Parenthesis counts decide, the tokenizer when quoted text makes them differ.
    """
    if data.count(b"(", start, stop) == data.count(b")", start, stop):
        return True
    return _balanced_with_strings(data, start, stop)


def _balanced_with_strings(data: bytes, start: int, stop: int) -> bool:
    """True when [start, stop) is exactly one node once quoted text is taken into account."""
    try:
        _, after = parse_node(data, start, stop)
    except SexprError:
        return False
    return not data[after:stop].strip(_SPACE)


_STRUCT = re.compile(rb'[^()"]*+(?:([()])|"(?:[^"\\]|\\.)*+"|(")|\Z)', re.S)


def split_by_tokens(data: bytes, start: int, end: int, max_depth: int):
    """Children of the node at ``start`` found by scanning every parenthesis and string.

    Returns (head_atoms_end, children, node_end); raises SexprError with the line of the first
    defect (unbalanced parentheses, an unterminated string, nesting beyond ``max_depth``).
    """
    pos = data.find(b"(", start, end)
    if pos < 0 or data[start:pos].strip(_SPACE):
        raise SexprSyntaxError("expected '(' at the start of the file", line_of(data, start))
    depth, children, child_start, first_child = 0, [], -1, -1
    match = _STRUCT.match
    while True:
        m = match(data, pos, end)
        pos = m.end()
        if m.group(2) is not None:
            raise SexprSyntaxError("unterminated string", line_of(data, m.start(2)))
        paren = m.group(1)
        if paren is None:
            if pos >= end:
                raise SexprSyntaxError("unexpected end of file (unbalanced parentheses)",
                                 line_of(data, end))
            continue
        if paren == b"(":
            depth += 1
            if depth > max_depth:
                raise SexprSyntaxError(f"nesting deeper than {max_depth} levels",
                                       line_of(data, pos - 1))
            if depth == 2:
                child_start = pos - 1
                if first_child < 0:
                    first_child = child_start
        else:
            depth -= 1
            if depth == 1:
                km = _KEYWORD.match(data, child_start)
                if km is None:
                    raise SexprSyntaxError("a list must start with a keyword",
                                           line_of(data, child_start))
                children.append(Child(km.group(1).decode("ascii"), child_start, pos))
            elif depth == 0:
                return (first_child if first_child >= 0 else pos - 1), children, pos
            elif depth < 0:  # pragma: no cover - depth starts at 1 inside the node
                raise SexprSyntaxError("unexpected ')'", line_of(data, pos - 1))
