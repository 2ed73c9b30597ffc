"""Compliance Adherence Index, worked out by hand (weights info 0, low 1, medium 3, high 6, critical 10)."""

from __future__ import annotations

import pytest
from risk_helpers import finding, results

from controlcheck.risk import compute_cai, default_config
from controlcheck.risk.cai import failing_by_severity

W = default_config()["weights"]

# The findings of risk_helpers.results():
#   r1 (router, HQ, IT):          C-HIGH-1 pass 6 | C-MED-1 fail 3 | C-LOW-1 pass 1 | C-INFO-1 fail 0
#   r2 (router, BR, Operations):  C-HIGH-1 fail 6 | C-MED-1 error 3 | C-LOW-1 waived
#   w1 (workstation, HQ, IT):     C-HIGH-1 pass 6
#   p1 (printer, no site, Facilities): C-PRN-1 waived
#   pbx1 (pbx, HQ, IT):           C-PBX-1 error 10


def test_overall_by_hand():
    o = compute_cai(results(), W)["overall"]
    # weighted pass = 6 + 1 + 6 = 13 ; weighted total = (6+3+1+0) + (6+3) + 6 + 10 = 35
    assert (o["weighted_pass"], o["weighted_total"]) == (13, 35)
    assert o["value"] == 37.1  # 100 x 13 / 35 = 37.142
    assert (o["pass"], o["fail"], o["error"], o["waived"]) == (3, 3, 2, 2)
    assert o["skip"] == 4  # from the results summary: skips are counted, not listed


def test_by_site_kind_owner_by_hand():
    by = compute_cai(results(), W)["by"]
    # HQ: r1 + w1 + pbx1 -> pass 6+1+6 = 13 / total 10+6+10 = 26 -> 50.0
    assert by["site"]["HQ"]["value"] == 50.0
    assert by["site"]["BR"]["value"] == 0.0           # 0 / 9
    assert by["site"]["(unassigned)"]["value"] is None  # p1: waived only, nothing weighed
    assert by["site"]["(unassigned)"]["waived"] == 1
    assert by["kind"]["router"]["value"] == 36.8      # 7 / 19 = 36.84
    assert by["kind"]["workstation"]["value"] == 100.0
    assert by["kind"]["pbx"]["value"] == 0.0
    assert by["owner"]["IT"]["value"] == 50.0         # same assets as HQ
    assert by["owner"]["Operations"]["value"] == 0.0
    assert set(by["owner"]) == {"IT", "Operations", "Facilities"}


def test_by_framework_by_hand():
    fw = compute_cai(results(), W)["by"]["framework"]
    # pci-dss-4.0: C-HIGH-1 (r1 pass 6, r2 fail 6, w1 pass 6) + C-PBX-1 (pbx1 error 10) -> 12 / 28 = 42.86
    assert fw["pci-dss-4.0"]["value"] == 42.9
    # nist: C-HIGH-1 (12 pass of 18) + C-MED-1 (r1 fail 3, r2 error 3) -> 12 / 24 = 50.0
    assert fw["nist-800-53-r5"]["value"] == 50.0
    assert set(fw) == {"pci-dss-4.0", "nist-800-53-r5"}


def test_by_requirement_by_hand():
    req = compute_cai(results(), W)["by"]["requirement"]
    # pci-dss-4.0 2.2.7 is cited by C-HIGH-1 only: r1 pass 6, r2 fail 6, w1 pass 6 -> 12 / 18 = 66.67
    assert req["pci-dss-4.0 2.2.7"]["value"] == 66.7
    # pci-dss-4.0 8.3.6 by C-PBX-1 only: pbx1 error -> 0 / 10
    assert req["pci-dss-4.0 8.3.6"]["value"] == 0.0
    assert set(req) == {"pci-dss-4.0 2.2.7", "pci-dss-4.0 8.3.6", "nist-800-53-r5 AC-17(2)", "nist-800-53-r5 AC-12"}


def test_failing_and_errors_by_severity():
    assert failing_by_severity(results()) == {"info": 1, "low": 0, "medium": 1, "high": 1, "critical": 0}
    assert failing_by_severity(results(), "error") == {"info": 0, "low": 0, "medium": 1, "high": 0, "critical": 1}


def test_all_waived_gives_no_index_but_counts_the_waivers():
    o = compute_cai(results([finding("r1", "C-HIGH-1", "waived"), finding("r2", "C-HIGH-1", "waived")]), W)["overall"]
    assert o["value"] is None
    assert o["waived"] == 2


def test_all_errors_give_zero():
    o = compute_cai(results([finding("r1", "C-HIGH-1", "error"), finding("pbx1", "C-PBX-1", "error")]), W)["overall"]
    assert (o["value"], o["weighted_total"]) == (0.0, 16)


@pytest.mark.parametrize("weights, expected", [
    # 8 findings are pass/fail/error (r1: 4, r2: 2, w1: 1, pbx1: 1), 3 of them pass
    ({"info": 0, "low": 1, "medium": 1, "high": 1, "critical": 1}, 42.9),   # info weighs 0: 3 / 7
    ({"info": 1, "low": 1, "medium": 1, "high": 1, "critical": 1}, 37.5),   # the info fail counts: 3 / 8
])
def test_weights_change_the_index(weights, expected):
    assert compute_cai(results(), weights)["overall"]["value"] == expected
