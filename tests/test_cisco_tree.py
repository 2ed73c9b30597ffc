"""Our one-pass IOS/ASA config tree (parsers/cisco_common.CiscoConfig) against
ciscoconfparse2, the library it replaces on the hot path and keeps as the oracle here.

On every IOS and ASA config of the corpus (real, written by others) and of our fixtures:
the IOS tree is the same (line numbers, text, parent, children), and for both platforms
the parsed facts are the same in value, deciding lines and line numbers."""

from __future__ import annotations

import pytest
from ciscoconfparse2 import CiscoConfParse

from helpers import CORPUS, FIXTURES
from controlcheck.parsers import cisco_asa, cisco_common, cisco_ios

CONFIGS = CORPUS / "network" / "configs"
IOS = sorted((CONFIGS / "cisco_ios").iterdir()) + sorted((FIXTURES / "devices" / "cisco_ios").glob(
    "*/show_running-config.txt"))
ASA = sorted((CONFIGS / "cisco_asa").iterdir()) + sorted((FIXTURES / "devices" / "cisco_asa").glob(
    "*/show_running-config.txt"))
# the shapes that bend the rules: a delimited banner with blank lines, one opened and closed
# on its line, a comment inside a block and one below a deeper line, a block that steps back
# half way, an indented first line, and a banner whose delimiter never comes back
EDGES = """ indented first line
hostname r1
banner motd ^C
Authorized access only

 interface Fake0
^C
banner login ^C one line ^C
interface Gi0/1
 description uplink
  ! deeper comment
 ! comment in block
    deep child
  half-way child
!
 ! orphan comment after a top-level comment
line vty 0 4
 transport input ssh
banner exec #
no closing delimiter
end
"""


def _tree(objs) -> list:
    return [[o.linenum, o.text, o.parent.linenum, [c.linenum for c in o.children]] for o in objs]


def _oracle(text: str, syntax: str):
    return CiscoConfParse([line.rstrip("\r") for line in text.splitlines()], syntax=syntax)


@pytest.mark.parametrize("text", [p.read_text(errors="replace") for p in IOS] + [EDGES],
                         ids=[p.name for p in IOS] + ["edge-shapes"])
def test_the_ios_tree_is_ciscoconfparse2s(text):
    # blank lines are nobody's concern (ciscoconfparse2 keeps some, e.g. a leading one)
    theirs = [o for o in _oracle(text, "ios").objs if o.text.strip()]
    assert _tree(cisco_common.parse_config(text, "ios").objs) == _tree(theirs)


def _facts(parser, text: str) -> tuple:
    parsed = parser.parse_running_config(text)
    return parsed.facts if hasattr(parsed, "facts") else parsed, parsed.lines, parsed.line_numbers


@pytest.mark.parametrize("module,syntax,path", [(cisco_ios, "ios", p) for p in IOS] + [(cisco_asa, "asa", p) for p in ASA],
                         ids=[p.name for p in IOS] + [p.name for p in ASA])
def test_the_facts_are_those_ciscoconfparse2_gives(monkeypatch, module, syntax, path):
    text = path.read_text(errors="replace")
    ours = _facts(module, text)
    monkeypatch.setattr(module, "parse_config", lambda t, s: _oracle(t, s))
    theirs = _facts(module, text)
    assert ours == theirs
    assert ours[0], "the parser read nothing: the comparison proves nothing"


def test_a_15000_line_config_is_read_in_one_linear_pass():
    block = "interface Gi1/0/{n}\n description desk {n}\n switchport access vlan 10\n no shutdown\n!\n"
    text = "hostname big\n" + "".join(block.format(n=n) for n in range(3000)) + "end\n"
    conf = cisco_common.parse_config(text, "ios")
    top = [o for o in conf.objs if o.parent is o]
    assert len(conf.objs) == 15002 and len(top) == 6002
    assert [c.text for c in top[1].children] == [" description desk 0", " switchport access vlan 10", " no shutdown"]
