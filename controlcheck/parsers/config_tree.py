"""Fast, forgiving readers for the configuration formats of the non-Cisco platforms.

Each reader turns a whole configuration into plain statements that keep their 1-based
line number, so every fact can name the line that decided it:

* :func:`indent_tree`  — IOS-like indented blocks (Arista EOS), ``!`` comments skipped;
* :func:`brace_statements` — Junos curly braces and PAN-OS ``show config`` braces, flattened
  to the ``set`` form (``system services ssh``);
* :func:`set_statements` — Junos / PAN-OS ``set`` lines;
* :func:`xml_statements` — PAN-OS XML, flattened to the ``set`` form as well;
* :func:`fortios_statements` — FortiOS ``config`` / ``edit`` / ``set`` / ``next`` / ``end``.

They are linear in the size of the text (a 15,000-line config is read in one pass), never
raise on odd input, and skip what they cannot read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cisco_common import ParsedFacts


@dataclass(slots=True, eq=False)
class Node:
    """One configuration line. ``linenum`` is 0-based like ciscoconfparse's, so
    :class:`ParsedFacts` records ``linenum + 1``."""

    text: str
    linenum: int
    children: list["Node"] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass(slots=True, eq=False)
class Statement:
    """A flattened statement: the words of its full path (``["system", "services", "ssh"]``)."""

    words: list[str]
    linenum: int        # 0-based

    @property
    def text(self) -> str:
        return " ".join(self.words)


def indent_tree(text: str, comment: str = "!") -> list[Node]:
    """Top-level nodes of an indented configuration (children by deeper indentation)."""
    top: list[Node] = []
    stack: list[tuple[int, Node]] = []
    for i, raw in enumerate(text.splitlines()):
        line = raw.rstrip("\r ")
        stripped = line.lstrip()
        if not stripped or stripped.startswith(comment):
            continue
        depth = len(line) - len(stripped)
        node = Node(stripped, i)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        else:
            top.append(node)
        stack.append((depth, node))
    return top


_QUOTED_WORD = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|(\S+)')


def _words(line: str) -> list[str]:
    """Shell-like words (quotes removed); a plain split when the line has no quote (most lines:
    shlex is ~50x slower and parsing must stay linear and cheap)."""
    if '"' not in line and "'" not in line:
        return line.split()
    return [a or b or c for a, b, c in _QUOTED_WORD.findall(line)]


def set_statements(text: str, verb: str = "set") -> list[Statement]:
    """``set a b c`` lines; ``delete``/``deactivate`` lines remove what they name (Junos)."""
    out: list[Statement] = []
    removed = False
    for i, raw in enumerate(text.splitlines()):
        words = _words(raw.strip())
        if not words:
            continue
        if words[0] == verb:
            out.append(Statement(words[1:], i))
        elif words[0] in ("delete", "deactivate") and len(words) > 1:
            gone = words[1:]
            for st in out:          # marked now, dropped once at the end: linear
                if st.words[:len(gone)] == gone:
                    st.linenum = -1
                    removed = True
    return Statements(s for s in out if s.linenum >= 0) if removed else Statements(out)


_BRACE_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\[|\]|\{|\}|;|[^\s"\[\]{};]+', re.S)


def brace_statements(text: str) -> list[Statement]:
    """Junos / PAN-OS braces -> set-form statements. ``inactive:`` parts are dropped;
    ``[ a b ]`` lists become one statement per member; quoted strings may span lines."""
    out: list[Statement] = []
    path: list[list[str]] = []
    current: list[str] = []
    start_line = 0
    in_list = list_seen = False
    inactive_depth: int | None = None
    # /* */ comments and '#' comment lines go; their newlines stay so line numbers hold
    cleaned = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    cleaned = re.sub(r"(?m)^[ \t]*#.*$|[ \t]##.*$", "", cleaned)
    pos_line = 0
    last = 0
    for match in _BRACE_TOKEN.finditer(cleaned):
        pos_line += cleaned.count("\n", last, match.start())
        last = match.start()
        token = match.group(0)
        if token == "{":
            if current and current[0] in ("inactive:",) and inactive_depth is None:
                inactive_depth = len(path)
            path.append([w for w in current if w != "inactive:"])
            current = []
            continue
        if token == "}":
            if path:
                path.pop()
            if inactive_depth is not None and len(path) <= inactive_depth:
                inactive_depth = None
            current = []
            continue
        if token == "[":
            in_list = True
            continue
        if token == "]":
            in_list = False
            continue
        if token == ";":
            if current and inactive_depth is None and current[0] != "inactive:":
                prefix = [w for part in path for w in part]
                head, members = current[:1], current[1:]
                if len(members) > 1 and list_seen:
                    for member in members:
                        out.append(Statement(prefix + head + [member], start_line))
                else:
                    out.append(Statement(prefix + current, start_line))
            current = []
            continue
        if not current:
            start_line = pos_line
            list_seen = False
        if in_list:
            list_seen = True
        if token.startswith('"') and token.endswith('"') and len(token) >= 2:
            token = token[1:-1]
        current.append(token)
    result = Statements(out)
    if path or current:
        result.damaged = f"{len(path)} brace block(s) not closed at the end (cut short?)"
    return result


def xml_statements(text: str) -> list[Statement]:
    """PAN-OS XML -> set-form statements: ``<entry name="x">`` becomes the word ``x``,
    ``<member>`` values become one statement each. A DOCTYPE (entity expansion) is refused."""
    import xml.parsers.expat

    out: list[Statement] = []
    stack: list[str] = []
    texts: list[list[str]] = []
    starts: list[int] = []
    has_child: list[bool] = []
    parser = xml.parsers.expat.ParserCreate()

    def refuse_doctype(*_args) -> None:
        raise ValueError("a DOCTYPE is not allowed in a device configuration")

    def start(tag: str, attrs: dict) -> None:
        if has_child:
            has_child[-1] = True
        name = attrs.get("name")
        stack.append(name if tag == "entry" and name else ("" if tag == "member" else tag))
        texts.append([])
        starts.append(parser.CurrentLineNumber - 1)
        has_child.append(False)

    def end(_tag: str) -> None:
        value = "".join(texts.pop()).strip()
        line = starts.pop()
        child = has_child.pop()
        words = [w for w in stack if w]
        stack.pop()
        if not child and (value or words):
            out.append(Statement(words + ([value] if value else []), line))

    def data(chunk: str) -> None:
        if texts:
            texts[-1].append(chunk)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    damaged = ""
    try:
        parser.Parse(text, True)
    except (xml.parsers.expat.ExpatError, ValueError) as exc:
        damaged = f"the XML is not well formed ({exc})"   # what was read before stays; the rest is unread
    result = Statements(out)
    result.damaged = damaged
    return result


def fortios_statements(text: str) -> list[Statement]:
    """FortiOS -> statements ``[<config path>, <edit name>..., "set", key, values...]``;
    ``unset`` lines are recorded with the verb ``unset``."""
    out: list[Statement] = []
    stack: list[list[str]] = []
    for i, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = _words(line)
        if not words:
            continue
        head = words[0]
        if head == "config":
            stack.append(words[1:])
        elif head == "edit":
            stack.append([words[1] if len(words) > 1 else ""])
        elif head in ("next", "end"):
            if stack:
                stack.pop()
        elif head in ("set", "unset", "append"):
            out.append(Statement([w for part in stack for w in part] + words, i))
    result = Statements(out)
    if stack:
        result.damaged = f"{len(stack)} config/edit block(s) not closed with end/next (cut short?)"
    return result


class Statements(list):
    """A list of statements that indexes itself by first words on the first :func:`select`.
    ``damaged`` says why the text was not read to a proper end ("" when it was)."""

    _index: dict | None = None
    damaged: str = ""

    def by_head(self, head: tuple[str, ...]) -> list[Statement]:
        if self._index is None:
            index: dict[tuple, list] = {}
            for st in self:
                index.setdefault(tuple(st.words[:1]), []).append(st)
                index.setdefault(tuple(st.words[:2]), []).append(st)
            self._index = index
        return self._index.get(head, [])


def select(statements: list[Statement], *prefix: str) -> list[Statement]:
    """Statements whose words start with ``prefix`` (``"*"`` matches any one word)."""
    n = len(prefix)
    pool: list[Statement] = statements
    if isinstance(statements, Statements) and n and prefix[0] != "*":
        pool = statements.by_head(prefix[:2] if n > 1 and prefix[1] != "*" else prefix[:1])
    return [s for s in pool if len(s.words) >= n
            and all(p == "*" or p == w for p, w in zip(prefix, s.words, strict=False))]


def set_default(facts: ParsedFacts, path: str, value, why: str) -> None:
    """A complete configuration that does not set ``path``: "not configured" (an empty list,
    null) or otherwise the platform's documented default, ``why`` saying which (the absence
    rule of docs/facts-model.md: provenance ``origin`` and ``rule``, no config line)."""
    if value is None or value == []:
        facts.not_configured(path, why, value)
    else:
        facts.default(path, value, why)


def put(facts: ParsedFacts, path: str, value, decided_by: list, default_why: str | None = None) -> None:
    """``value`` decided by the statements/nodes in ``decided_by``; with none of them, the
    value is the platform default and ``default_why`` says so."""
    if decided_by:
        facts.set(path, value, decided_by)
    elif default_why:
        set_default(facts, path, value, default_why)
    else:
        facts.set(path, value)
