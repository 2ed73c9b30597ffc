"""ciscoconfparse2 runs without its per-call loguru wrappers once our parsers are loaded,
and parses the same: golden facts elsewhere; here the wrappers are really gone and a
config parses to the same tree as a fresh, still-wrapped ciscoconfparse2 in a child process."""

from __future__ import annotations

import json
import subprocess
import sys

import ciscoconfparse2.ccp_abc

from conftest import CORPUS
from controlcheck.parsers import cisco_common
from controlcheck.parsers.ccp_unwrap import _is_catch_wrapper, unwrap

SAMPLE = CORPUS / "network" / "configs" / "cisco_ios" / "ciscoconfparse_sample_01.ios"
TREE = """
import json, sys
from ciscoconfparse2 import CiscoConfParse
conf = CiscoConfParse(open(sys.argv[1]).read().splitlines(), syntax="ios")
print(json.dumps([[o.linenum, o.text, o.parent.linenum, [c.linenum for c in o.children]] for o in conf.objs]))
"""


def test_the_wrappers_are_gone_and_a_second_unwrap_finds_none():
    assert cisco_common.CiscoConfParse
    init = vars(ciscoconfparse2.ccp_abc.BaseCfgLine)["__init__"]
    text = vars(ciscoconfparse2.ccp_abc.BaseCfgLine)["text"].fget
    assert not _is_catch_wrapper(init) and not _is_catch_wrapper(text)
    assert unwrap() == 0


def test_same_tree_as_the_wrapped_library():
    wrapped = json.loads(subprocess.run([sys.executable, "-c", TREE, str(SAMPLE)], capture_output=True, text=True,
                                        check=True).stdout)
    conf = cisco_common.parse_config(SAMPLE.read_text(), "ios")
    ours = [[o.linenum, o.text, o.parent.linenum, [c.linenum for c in o.children]] for o in conf.objs]
    assert ours == wrapped and len(ours) > 300
