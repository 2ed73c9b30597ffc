"""The condition language: typed operators, full-match regex, each, and no false passes."""

from __future__ import annotations

import pytest

from controlcheck.checks.conditions import ConditionError, compile_condition

FACTS = {
    "network": {
        "ssh": {"version": "2", "enabled": True},
        "lines": [
            {"name": "vty 0 4", "type": "vty", "transport_input": ["ssh"], "exec_timeout_seconds": 300},
            {"name": "vty 5 15", "type": "vty", "transport_input": ["telnet", "ssh"], "exec_timeout_seconds": 0},
            {"name": "con 0", "type": "console", "exec_timeout_seconds": 600},
        ],
        "logging": {"hosts": []},
    },
    "system": {"os_version": "15.5(3)S", "hostname": "rtr-01"},
    "count": 2,
    "count_text": "2",
    "flags": [{"on": True, "off": False}, {"on": 0, "off": ""}, {"on": [1], "off": []}, {"on": {"a": 1}, "off": {}},
              {"on": "x"}, "not-a-dict"],
}


def verdict(spec, facts=FACTS):
    return compile_condition(spec).evaluate(facts)


@pytest.mark.parametrize("spec,status", [
    ({"fact": "network.ssh.version", "op": "eq", "value": "2"}, "pass"),
    ({"fact": "network.ssh.version", "op": "ne", "value": "2"}, "fail"),
    ({"fact": "count", "op": "lt", "value": 3}, "pass"),
    ({"fact": "count", "op": "le", "value": 2}, "pass"),
    ({"fact": "count", "op": "gt", "value": 2}, "fail"),
    ({"fact": "count", "op": "ge", "value": 2}, "pass"),
    ({"fact": "network.ssh.version", "op": "in", "value": ["2", "1.99"]}, "pass"),
    ({"fact": "network.ssh.version", "op": "not-in", "value": ["1", "1.99"]}, "pass"),
    ({"fact": "network.lines[0].transport_input", "op": "contains", "value": "ssh"}, "pass"),
    ({"fact": "network.lines[1].transport_input", "op": "not-contains", "value": "telnet"}, "fail"),
    ({"fact": "system.hostname", "op": "contains", "value": "rtr"}, "pass"),
    ({"fact": "system.hostname", "op": "regex", "value": "rtr-[0-9]+"}, "pass"),
    ({"fact": "system.hostname", "op": "not-regex", "value": "sw-.*"}, "pass"),
    ({"fact": "network.ssh", "op": "present"}, "pass"),
    ({"fact": "network.telnet", "op": "absent"}, "pass"),
    ({"fact": "network.ssh", "op": "absent"}, "fail"),
    ({"fact": "network.logging.hosts", "op": "empty"}, "pass"),
    ({"fact": "network.logging.hosts", "op": "not-empty"}, "fail"),
    ({"fact": "system.os_version", "op": "version-ge", "value": "15.2"}, "pass"),
    ({"fact": "system.os_version", "op": "version-lt", "value": "15.5(3)T"}, "pass"),
    ({"fact": "system.os_version", "op": "version-le", "value": "15.5(3)S"}, "pass"),
    ({"fact": "system.os_version", "op": "version-gt", "value": "16.9"}, "fail"),
])
def test_operators(spec, status):
    assert verdict(spec).status == status


def test_regex_is_a_full_match_not_a_search():
    # "rtr" is found inside "rtr-01" by re.search; a full match must not accept it
    assert verdict({"fact": "system.hostname", "op": "regex", "value": "rtr"}).status == "fail"
    assert verdict({"fact": "system.hostname", "op": "regex", "value": "01"}).status == "fail"


def test_string_against_number_is_an_error_naming_both_types():
    out = verdict({"fact": "count_text", "op": "eq", "value": 2})
    assert out.status == "error"
    assert "string" in out.message and "number" in out.message
    out = verdict({"fact": "count_text", "op": "ge", "value": 2})
    assert out.status == "error"


def test_value_type_converts_explicitly():
    assert verdict({"fact": "count_text", "op": "eq", "value": 2, "value_type": "int"}).status == "pass"
    out = verdict({"fact": "system.hostname", "op": "eq", "value": 2, "value_type": "int"})
    assert out.status == "error" and "int" in out.message


def test_boolean_is_not_a_number():
    assert verdict({"fact": "network.ssh.enabled", "op": "eq", "value": 1}).status == "error"


def test_missing_fact_is_error_never_pass():
    for op, value in [("eq", "x"), ("ne", "x"), ("not-in", ["x"]), ("not-contains", "x"), ("not-regex", "x"),
                      ("lt", 1), ("version-lt", "1.0")]:
        out = verdict({"fact": "network.nope", "op": op, "value": value})
        assert out.status == "error", op
        assert "not collected" in out.message
    assert verdict({"fact": "network.nope", "op": "empty"}).status == "error"


def test_not_keeps_errors_and_all_any_combine_without_false_pass():
    missing = {"fact": "network.nope", "op": "eq", "value": "x"}
    good = {"fact": "network.ssh.version", "op": "eq", "value": "2"}
    bad = {"fact": "network.ssh.version", "op": "eq", "value": "1"}
    assert verdict({"not": missing}).status == "error"
    assert verdict({"all": [good, missing]}).status == "error"
    assert verdict({"all": [bad, missing]}).status == "fail"
    assert verdict({"any": [bad, missing]}).status == "error"
    assert verdict({"any": [good, missing]}).status == "pass"
    assert verdict({"not": bad}).status == "pass"


def test_each_over_vty_lines_names_the_failing_line():
    spec = {"each": {"over": "network.lines[?type=='vty']", "label": "name",
                     "require": {"fact": "transport_input", "op": "eq", "value": ["ssh"], "expect": "only ssh"}}}
    out = verdict(spec)
    assert out.status == "fail"
    assert out.message == 'vty 5 15: transport_input is ["telnet","ssh"]; expected only ssh'
    assert "vty 0 4" not in out.message


def test_each_on_empty_list_is_no_proof_unless_min_zero():
    spec = {"each": {"over": "network.lines[?type=='aux']", "require": {"fact": "transport_input", "op": "eq",
                                                                        "value": ["none"]}}}
    assert verdict(spec).status == "fail"
    spec["each"]["min"] = 0
    assert verdict(spec).status == "pass"


def test_each_over_missing_list_is_error():
    spec = {"each": {"over": "network.vlans", "require": {"fact": "id", "op": "gt", "value": 1}}}
    assert verdict(spec).status == "error"


def test_function_over_a_fact_not_collected_is_an_error_not_a_crash():
    # length() of an absent list (an unreachable Windows workstation's local admins) used to
    # raise JMESPathTypeError out of the whole check run
    spec = {"fact": "length(host.accounts.local_admins)", "op": "le", "value": 2}
    node = compile_condition(spec)
    assert node.fact_paths == ("host.accounts.local_admins",)
    out = node.evaluate({})
    assert out.status == "error" and "not collected" in out.message
    assert node.evaluate({"host": {"accounts": {"local_admins": ["a", "b", "c"]}}}).status == "fail"


def test_bad_jmespath_and_regex_fail_at_compile_time():
    with pytest.raises(ConditionError, match="JMESPath"):
        compile_condition({"fact": "network.lines[?type==", "op": "present"})
    with pytest.raises(ConditionError, match="regex"):
        compile_condition({"fact": "system.hostname", "op": "regex", "value": "([a-z"})


def test_dotted_fast_path_agrees_with_jmespath():
    import jmespath
    from controlcheck.checks.conditions import compile_path
    for expr in ["network.ssh.version", "network.logging.hosts", "network.nope.deeper", "system",
                 "network.lines[?type=='vty']", "network.lines[?type=='aux']", "network.nope[?type=='vty']",
                 "network.ssh[?version=='2']", "system.hostname[?x=='y']", "flags[?on]", "flags[?off]"]:
        assert compile_path(expr)(FACTS) == jmespath.search(expr, FACTS)


def test_remembered_verdicts_match_a_fresh_evaluation_for_every_asset():
    # nodes keep the outcome of values they have seen (a fleet repeats itself): each asset
    # must still get exactly what a freshly compiled condition says of it alone
    specs = [
        {"all": [{"fact": "network.ntp.servers", "op": "not-empty"},
                 {"fact": "network.ntp.authenticate", "op": "eq", "value": True}]},
        {"any": [{"fact": "network.ssh.version", "op": "eq", "value": "2"},
                 {"fact": "network.telnet", "op": "absent"}]},
        {"not": {"fact": "network.snmp.communities[?is_default]", "op": "not-empty"}},
        {"not": {"fact": "network.ssh.version", "op": "in", "value": ["1", "1.99"]}},
        {"each": {"over": "network.lines[?type=='vty']", "label": "name",
                  "require": {"all": [{"fact": "transport_input", "op": "eq", "value": ["ssh"]},
                                      {"not": {"fact": "exec_timeout_seconds", "op": "eq", "value": 0}}]}}},
        {"fact": "system.hostname", "op": "regex", "value": "[a-z]+-[0-9]+"},
        {"each": {"over": "network.lines", "label": "name",
                  "require": {"each": {"over": "acls", "label": "name", "min": 0,
                                       "require": {"fact": "dir", "op": "eq", "value": "in"}}}}},
    ]
    docs = []
    for i in range(40):
        weak, odd = i % 3 == 0, i % 5 == 0
        network = {
            "ssh": {"version": "1.99" if weak else "2"},
            "ntp": {"servers": [] if odd else ["10.0.0.1"], "authenticate": None if weak else True},
            "snmp": {"communities": [{"is_default": weak}]},
            "lines": [{"name": f"vty {i % 2}", "type": "vty", "transport_input": ["telnet"] if odd else ["ssh"],
                       "exec_timeout_seconds": 0 if weak else 300,
                       "acls": [{"name": "mgmt", "dir": "out" if odd else "in"}]}],
        }
        if i % 7 == 0:
            del network["ntp"]
        if i % 11 == 0:
            network["lines"] = None
        docs.append({"network": network, "system": {"hostname": f"rtr-{i}" if i % 4 else f"RTR {i}"}})
    for spec in specs:
        kept = compile_condition(spec)
        for doc in docs + docs[::-1]:
            got, fresh = kept.evaluate(doc), compile_condition(spec).evaluate(doc)
            assert (got.status, got.message, got.observed, got.error_kind) == \
                (fresh.status, fresh.message, fresh.observed, fresh.error_kind)


def test_regex_leaf_matches_as_re2_fullmatch_does():
    from controlcheck.checks.conditions import compile_regex, full_matcher
    for pattern in ["[a-z]+-[0-9]+", "", "é.", "(a|b)*c", ".*"]:
        compiled = compile_regex(pattern)
        fast = full_matcher(compiled)
        for text in ["rtr-01", "rtr-01x", "", "éa", "é", "aabbc", "abca", "日本-1", "x\ny"]:
            assert fast(text) is (compiled.fullmatch(text) is not None), (pattern, text)
