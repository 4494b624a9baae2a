"""S-expression tokens and trees for one span of a ``.kicad_pcb`` file, with hard limits.

The grammar is KiCad's (its DSNLEXER in non-Specctra mode): ``(`` and ``)``, quoted strings with
backslash escapes, and bare symbols or numbers ending at white space or a parenthesis. A node is
a Python list ``[keyword, item, ...]``; items are ``str`` (bare symbols and numbers), ``Quoted``
(quoted strings, so that ``(net "5")`` stays a name) or nested lists. The builder is iterative:
a deeply nested or huge file raises ``SexprError`` with a line number, never a RecursionError.
"""
from __future__ import annotations

import re
import uuid

__all__ = ["SexprError", "SexprSyntaxError", "Quoted", "MAX_DEPTH", "parse_node", "parse_span",
           "line_of", "locate", "need", "unescape", "board_units", "parse_float",
           "ki_round", "kiid", "kiids", "INT_LIMIT", "forget_units"]

MAX_DEPTH = 100
"""Deepest nesting accepted; KiCad's own boards stay below 12."""
INT_LIMIT = 2**31 - 1 - 10
"""KiCad clamps every length to this many nanometres before rounding (its parseBoardUnits)."""

_TOKEN = re.compile(
    rb'[ \t\n\r\x00]*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([^ \t\n\r\x00()"][^ \t\n\r\x00()]*)|(")|$)',
    re.S)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_ESCAPE = re.compile(rb'\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)', re.S)
_SIMPLE_ESCAPES = {b'"': b'"', b'\\': b'\\', b'a': b'\x07', b'b': b'\x08', b'f': b'\x0c',
                   b'n': b'\n', b'r': b'\r', b't': b'\t', b'v': b'\x0b'}


class SexprError(ValueError):
    """A malformed span; ``line`` is the 1-based line in the file where it was noticed.

    ``token`` is the offending text when the line is not known yet: ``locate`` finds it in the
    item's span.
    """

    def __init__(self, message: str, line: int = 0, token: str = ""):
        super().__init__(message)
        self.message = message
        self.line = line
        self.token = token


def locate(exc: SexprError, data: bytes, start: int, end: int) -> SexprError:
    """Give ``exc`` a line: where its token stands in [start, end), else the span's first line."""
    if not exc.line:
        pos = start
        if exc.token:
            m = re.compile(rb'(?<![^ \t\r\n()])' + re.escape(exc.token.encode("utf-8", "replace"))
                           + rb'(?![^ \t\r\n()])').search(data, start, end)
            if m is not None:
                pos = m.start()
        exc.line = line_of(data, pos)
    return exc


def need(child: list, count: int, what: str = "") -> list:
    """The arguments of ``child``, which must be at least ``count`` (SexprError otherwise)."""
    if len(child) <= count:
        raise SexprError(f"({child[0]} ...) needs {count} value{'s' if count > 1 else ''}"
                         f"{' (' + what + ')' if what else ''}", token="(" + str(child[0]))
    return child[1:]


class SexprSyntaxError(SexprError):
    """Text that is not well-formed: unbalanced, unterminated, too deep, a stray atom."""


class Quoted(str):
    """A token that was written as a quoted string."""

    __slots__ = ()


def line_of(data: bytes, pos: int) -> int:
    """1-based line number of byte offset ``pos``."""
    return data.count(b"\n", 0, max(0, pos)) + 1


def _unescape_one(m: re.Match) -> bytes:
    code = m.group(1)
    if code[:1] == b"x":
        return bytes([int(code[1:], 16)])
    if code[:1].isdigit() and code[:1] < b"8":
        return bytes([int(code, 8) & 0xFF])
    return _SIMPLE_ESCAPES.get(code, b"\\" + code if code != b"x" else b"x")


def unescape(raw: bytes) -> str:
    """Text of a quoted string body, escapes resolved as KiCad's lexer does."""
    if b"\\" in raw:
        raw = _ESCAPE.sub(_unescape_one, raw)
    return raw.decode("utf-8", "replace")


def parse_node(data: bytes, start: int, end: int | None = None,
               max_depth: int = MAX_DEPTH) -> tuple[list, int]:
    """Parse the one node that starts at or after ``start``; returns (node, offset past it).

    Raises SexprError (with the line) for anything that is not one balanced node.
    """
    end = len(data) if end is None else end
    stack: list[list] = []
    pos = start
    match = _TOKEN.match
    while True:
        m = match(data, pos, end)
        if m is None:  # cannot happen with the catch-all alternatives; kept for safety
            raise SexprSyntaxError("unreadable text", line_of(data, pos))
        pos = m.end()
        kind = m.lastindex
        if kind == 1:
            if len(stack) >= max_depth:
                raise SexprSyntaxError(f"nesting deeper than {max_depth} levels",
                                 line_of(data, m.start(1)))
            node: list = []
            if stack:
                stack[-1].append(node)
            stack.append(node)
        elif kind == 2:
            if not stack:
                raise SexprSyntaxError("unexpected ')'", line_of(data, m.start(2)))
            node = stack.pop()
            if not node or not isinstance(node[0], str) or isinstance(node[0], Quoted):
                raise SexprSyntaxError("a list must start with a keyword",
                                       line_of(data, m.start(2)))
            if not stack:
                return node, pos
        elif kind == 3:
            if not stack:
                raise SexprSyntaxError("expected '('", line_of(data, m.start(3)))
            raw = m.group(3)
            text = unescape(raw) if b"\\" in raw else raw.decode("utf-8", "replace")
            stack[-1].append(Quoted(text))
        elif kind == 4:
            if not stack:
                atom = m.group(4)[:20].decode("utf-8", "replace")
                raise SexprSyntaxError(f"expected '(' before {atom!r}", line_of(data, m.start(4)))
            stack[-1].append(m.group(4).decode("utf-8", "replace"))
        elif kind == 5:
            raise SexprSyntaxError("unterminated string", line_of(data, m.start(5)))
        else:  # end of span
            where = line_of(data, min(pos, end))
            raise SexprSyntaxError("unexpected end of file (unbalanced parentheses)" if stack
                             else "expected '('", where)


_FAST_TOKEN = re.compile(
    rb'[()]|"(?:[^"\\]|\\.)*"|"|[^ \t\n\r\x00()"][^ \t\n\r\x00()]*', re.S)
_ASCII_TOKEN = re.compile(r'[()]|"[^"\\]*"|"|[^ \t\n\r\x00()"][^ \t\n\r\x00()]*')
"""``_FAST_TOKEN`` on text already decoded, for spans that are ASCII without a backslash."""


def parse_span(data: bytes, start: int, end: int, max_depth: int = MAX_DEPTH) -> list:
    """The one node that fills [start, end) exactly (only white space around it).

    The fast path for small items: all tokens in one C call, then a flat loop. Anything
    irregular is handed to ``parse_node``, which finds and reports the defect by line.
    """
    raw = data[start:end]
    if raw.isascii() and b"\\" not in raw:
        node = _ascii_node(raw.decode("ascii"), max_depth)
        if node is not None:
            return node
    toks = _FAST_TOKEN.findall(data, start, end)
    stack: list[list] = []
    root = None
    for t in toks:
        c = t[0]
        if c == 40:  # (
            if root is not None or len(stack) >= max_depth:
                break
            node: list = []
            if stack:
                stack[-1].append(node)
            stack.append(node)
        elif c == 41:  # )
            if not stack:
                break
            node = stack.pop()
            if not node or type(node[0]) is not str:
                break
            if not stack:
                root = node
        elif not stack:
            break
        elif c == 34:  # "
            if len(t) < 2:
                break
            body = t[1:-1]
            text = unescape(body) if b"\\" in body else body.decode("utf-8", "replace")
            stack[-1].append(Quoted(text))
        else:
            stack[-1].append(t.decode("utf-8", "replace"))
    else:
        if root is not None and not stack:
            return root
    node, after = parse_node(data, start, end, max_depth)
    if data[after:end].strip(b" \t\n\r\x00"):
        raise SexprSyntaxError("more than one item where one was expected", line_of(data, after))
    return node


def _ascii_node(text: str, max_depth: int) -> list | None:
    """``parse_span``'s loop on ASCII text without escapes: nothing to decode per token.

    None where anything is irregular, for the general path to find and report.
    """
    stack: list[list] = []
    root = None
    for t in _ASCII_TOKEN.findall(text):
        if t == "(":
            if root is not None or len(stack) >= max_depth:
                return None
            node: list = []
            if stack:
                stack[-1].append(node)
            stack.append(node)
        elif t == ")":
            if not stack:
                return None
            node = stack.pop()
            if not node or type(node[0]) is not str:
                return None
            if not stack:
                root = node
        elif not stack:
            return None
        elif t[0] == '"':
            if len(t) < 2:
                return None
            stack[-1].append(Quoted(t[1:-1]))
        else:
            stack[-1].append(t)
    return root if not stack else None


def parse_float(token, what: str = "number") -> float:
    """A finite number token; SexprError otherwise (the caller adds the line)."""
    if not isinstance(token, str) or isinstance(token, Quoted) or not _NUMBER.match(token):
        text = str(token)[:30]
        raise SexprError(f"expected {what}, found {text!r}",
                         token=(f'"{text}"' if isinstance(token, Quoted) else text))
    return float(token)


_CANONICAL_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_LEGACY_STAMP = re.compile(r"[0-9A-Fa-f]{1,8}\Z")
_ANY_NONCANONICAL = re.compile(
    r"^(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$).*$", re.M)


def kiid(text: str) -> str:
    """The identifier KiCad's KIID makes of a written uuid.

    A legacy time stamp (1 to 8 hex digits) fills the last four bytes; any spelling of a UUID
    is written back in its canonical form. KiCad gives anything else a random UUID; this
    reader derives a fixed one from the text instead, so that reports stay reproducible.
    """
    if _CANONICAL_UUID.match(text):
        return text
    if _LEGACY_STAMP.match(text):
        return "00000000-0000-0000-0000-0000" + text.lower().zfill(8)
    body = text[1:-1] if text[:1] == "{" and text[-1:] == "}" else text
    if "urn" not in body:
        try:
            return str(uuid.UUID(hex=body))
        except ValueError:
            pass
    return str(uuid.uuid5(uuid.NAMESPACE_OID, text))


def kiids(values) -> tuple:
    """``kiid`` over many; one scan when all are canonical already (the usual case)."""
    values = tuple(values)
    if not values or _ANY_NONCANONICAL.search("\n".join(values)) is None:
        return values
    return tuple(map(kiid, values))


def ki_round(v: float) -> int:
    """KiCad's KiROUND: half away from zero, on the double as computed."""
    return int(v + 0.5) if v >= 0 else int(v - 0.5)


_UNITS: dict[str, int] = {}
"""``board_units`` of bare tokens already seen: a board repeats most of its numbers (pad
offsets, sizes, widths). Bounded, and emptied by ``forget_units`` once a board is read."""
_UNITS_MAX = 1 << 16


def forget_units() -> None:
    """Empty ``board_units``' memory of tokens (the reader calls it when a board is read)."""
    _UNITS.clear()


def board_units(token, what: str = "length") -> int:
    """A length token in mm to int nm exactly as KiCad's parseBoardUnits rounds it."""
    plain = type(token) is str  # not Quoted, whose text compares equal to a bare token's
    if plain:
        nm = _UNITS.get(token)
        if nm is not None:
            return nm
    v = parse_float(token, what) * 1e6
    if v > INT_LIMIT:
        v = float(INT_LIMIT)
    elif v < -INT_LIMIT:
        v = float(-INT_LIMIT)
    nm = int(v + 0.5) if v >= 0 else int(v - 0.5)
    if plain and len(_UNITS) < _UNITS_MAX:
        _UNITS[token] = nm
    return nm
