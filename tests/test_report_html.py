"""The HTML report: self-contained, device strings stay text, and it renders in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from clihelp import run_cli
from controlcheck.reports import ReportInput, get_format
from report_helpers import HOSTILE, check_dir, facts_with_evidence, library_input

HISTORY = [{"id": 1, "started_at": "2026-11-20T08:00:00Z", "cai": 41.0, "counts": {"pass": 100, "fail": 160}},
           {"id": 2, "started_at": "2026-11-21T08:00:00Z", "cai": 50.2, "counts": {"pass": 133, "fail": 131}}]


def _hostile_input(tmp_path) -> ReportInput:
    results, assessment = check_dir(facts_with_evidence(tmp_path / "facts", hostile=True))
    f = next(f for f in results["findings"] if f["asset_id"] == HOSTILE and f["status"] == "fail")
    f["message"] = f"hostname is {HOSTILE}; expected rtr-*"
    f["evidence"][0]["lines"] = [f"hostname {HOSTILE}"]
    results["controls"][f["control_id"]]["title"] = f"title {HOSTILE}"
    return ReportInput(results, assessment, HISTORY)


def test_device_strings_are_escaped(tmp_path):
    page = get_format("html").render(_hostile_input(tmp_path))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the one script element is ours, and the policy allows only it (by hash) and no network source
    assert page.count("<script>") == 1
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert f'id="asset-{HOSTILE}"' not in page


def test_self_contained_and_complete():
    page = get_format("html").render(library_input(HISTORY))
    # nothing is fetched: no external src/href, no @import, no url(...) to a remote
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "@import" not in page and "url(" not in page
    for marker in ('id="cai"', 'id="trend"', 'id="heatmap-inherent"', 'id="heatmap-residual"', 'id="risk-table"',
                   'id="filters"', 'class="finding"', "Compliance Adherence Index", "Remediation"):
        assert marker in page, marker
    # legend colours of the assessment config are used in the heat map
    for colour in ("#2e7d32", "#f9a825", "#ef6c00", "#c62828"):
        assert f'fill="{colour}"' in page
    assert page.count('class="finding"') == 335   # every non-skip finding of the library


def test_trend_needs_two_runs():
    page = get_format("html").render(library_input([HISTORY[1]]))
    assert "the trend appears from the second audit" in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed")
def test_renders_in_headless_chromium(tmp_path):
    report = tmp_path / "report.html"
    data = _hostile_input(tmp_path)
    report.write_text(get_format("html").render(data), encoding="utf-8")
    png = tmp_path / "report.png"
    base = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run([*base, f"--screenshot={png}", "--window-size=1400,2000", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    dom = subprocess.run([*base, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert 'data-filters="ready"' in dom          # the inline script ran (CSP allowed it)
    assert re.search(r'<svg id="heatmap-inherent"[^>]*>.*?<rect class="cell"', dom, re.S)
    assert re.search(r'<svg id="heatmap-residual"[^>]*>.*?class="risk-mark"', dom, re.S)
    rows = re.findall(r'<tr class="finding( hidden)?" data-status="(\w+)"', dom)
    assert len(rows) == sum(1 for f in data.results["findings"] if f["status"] != "skip")
    shown = {status for hidden, status in rows if not hidden}
    assert shown == {"fail"}                      # default filter: fail, error, waived (no error/waived here)
    assert "findings shown on" in dom
    assert "<script>alert(1)" not in dom.split("<script>", 1)[0]   # the hostile string never became markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_report_command_from_results(tmp_path):
    facts = facts_with_evidence(tmp_path / "facts")
    results_json = tmp_path / "results.json"
    code, _, err = run_cli("check", "--facts", str(facts), "--format", "json", "-o", str(results_json))
    assert code == 1, err
    out = tmp_path / "r.html"
    code, _, err = run_cli("report", "--results", str(results_json), "--format", "html", "-o", str(out))
    assert code == 0, err
    assert 'id="heatmap-inherent"' in out.read_text()
    code, _, err = run_cli("report", "--results", str(results_json), "--format", "xlsx")
    assert code == 2 and "give -o FILE" in err
    code, _, err = run_cli("report", "--results", str(tmp_path / "nope.json"), "--format", "html")
    assert code == 2 and "file not found" in err and "Traceback" not in err


def test_navigation_failing_matrix_worst_assets_and_one_word_per_status():
    data = library_input(HISTORY)
    page = get_format("html").render(data)
    toc = re.search(r'<nav class="toc".*?</nav>', page).group(0)
    for anchor in ("summary", "risks", "not-assessed", "cai-breakdown", "failing-matrix", "worst-assets", "findings"):
        assert f'href="#{anchor}"' in toc and f'<section id="{anchor}"' in page, anchor
    assert "position:sticky" in page
    # failing findings by severity x kind: the row totals add up to the failing findings
    matrix = re.search(r'<section id="failing-matrix">.*?</section>', page).group(0)
    totals = [int(x) for x in re.findall(r'<td class="num"><b>(\d+)</b></td></tr>', matrix)]
    assert sum(totals) == sum(f["status"] == "fail" for f in data.results["findings"])
    worst = re.search(r'<section id="worst-assets">.*?</section>', page).group(0)
    assert worst.count("<tr><td><a href=") == 10
    # one word per status: "skip", as in XLSX, CSV and the CLI
    assert not re.search(r'class="st"[^>]*>n/a<', page) and "not applicable<b" not in page
    assert 'title="controls that do not apply to the asset">skip' in page


def test_the_trend_chart_labels_the_failing_scale_and_agrees_with_the_header():
    results_run = library_input(HISTORY).results["run"]
    history = [HISTORY[0], {**HISTORY[1], "results_run_id": results_run["id"], "finished_at": "2026-11-21T08:05:00Z"}]
    page = get_format("html").render(library_input(history))
    trend = re.search(r'<svg id="trend".*?</svg>', page).group(0)
    assert "failing findings</text>" in trend and 'class="fail-tick"' in trend
    assert ">160</text>" in trend                   # the right scale reaches the largest bar
    # the bars stay clear of the left axis labels
    first_bar_x = float(re.search(r'class="fail-bar" x="([\d.]+)"', trend).group(1))
    assert first_bar_x > 44
    header = re.search(r"<header>.*?</header>", page).group(0)
    assert "stored run #2" in header and "started 2026-11-21T08:00:00Z" in header
    assert "finished 2026-11-21T08:05:00Z" in header
