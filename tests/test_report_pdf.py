"""The PDF risk assessment report, read back the way a person or a tool would: rendered with
poppler's pdftoppm, its text extracted with pdftotext, its fonts listed with pdffonts."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections import Counter

import pytest
from conftest import FIXTURES

from controlcheck.checks import load_facts, load_policies, run_check
from controlcheck.reports import ReportInput, get_format
from controlcheck.risk import assess, load_register
from controlcheck.risk.age import finding_ages

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

SECTIONS = ("Hardware risk assessment", "1. Executive summary", "What changed since the last audit",
            "2. Scope and method", "What could not be collected, and why", "Rating bands and treatment targets",
            "3. Risk register", "4. Heat maps and Compliance Adherence Index", "Inherent risk", "Residual risk",
            "CAI by breakdown", "5. Failing controls by severity and department", "Failing findings by severity and kind",
            "Ten worst assets", "Finding age and time to remediate", "6. Treatment plan by department",
            "Appendix A. Controls and framework references", "Appendix B. Waivers", "Appendix C. Evidence")


def _input(documents: list[dict]) -> ReportInput:
    policies = load_policies()
    results = run_check(documents, policies)
    assessment = assess(results, load_register(), policies)
    earlier = copy.deepcopy(results["findings"])
    for f in earlier:                     # the run before: a finding that passes now was failing (fixed since)
        if f["status"] == "pass":
            f["status"] = "fail"
            break
    runs = [{"id": 1, "started_at": "2026-10-01T08:00:00Z", "findings": earlier, "assets": results["assets"]},
            {"id": 2, "started_at": "2026-12-01T08:00:00Z", "findings": results["findings"],
             "assets": results["assets"]}]
    history = [{"id": 1, "started_at": "2026-10-01T08:00:00Z", "cai": 40.0, "assets": len(results["assets"]),
                "counts": {"fail": 30}},
               {"id": 2, "started_at": "2026-12-01T08:00:00Z", "finished_at": "2026-12-01T08:01:00Z",
                "results_run_id": results["run"]["id"], "cai": assessment["cai"]["overall"]["value"],
                "assets": len(results["assets"]), "counts": results["summary"]["by_status"]}]
    return ReportInput(results, assessment, history, ages=finding_ages(runs),
                       settings={"organisation": "Example Contact Centre Ltd"})


def _read_back(pdf: bytes, tmp_path) -> tuple[str, int]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return text, int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_the_pdf_holds_every_section_the_cai_every_assessed_risk_and_department(tmp_path, caplog):
    data = _input(load_facts(FIXTURES / "library"))
    pdf = get_format("pdf").render(data)
    assert "No anchor" not in caplog.text          # no link into a section only the HTML report has
    assert pdf.startswith(b"%PDF")
    text, pages = _read_back(pdf, tmp_path)
    flat = " ".join(text.split())
    for title in SECTIONS:
        assert title in flat, title
    assert "Example Contact Centre Ltd" in flat
    assert f"{data.assessment['cai']['overall']['value']:.1f}" in flat
    for risk in data.assessment["risks"]:
        assert risk["id"] in flat, risk["id"]
    for risk in data.assessment["not_assessed"]:   # listed apart, with the reason
        assert f"{risk['id']} {risk['title']}" in flat
    assert "not assessed: no asset of class mobile in this audit" in flat
    for department in {r["owner"] for r in data.assessment["risks"]}:
        assert department in flat
    # each risk's owner stands whole in its register cell (a narrow column broke "Operation|s")
    words = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    register = words[words.rindex("3. Risk register"):words.rindex("4. Heat maps")].split()
    for department, owned in Counter(r["owner"] for r in data.assessment["risks"]).items():
        assert register.count(department) == owned, department
    # the cover cites the digest of the evidence bundle written beside the PDF, never the placeholder
    from controlcheck.reports.evidence import bundle_manifest
    from controlcheck.reports.pdf import DIGEST_PLACEHOLDER

    cover = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "report.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert f"sha256:{bundle_manifest(data)['digest']}" in "".join(cover.split())
    assert DIGEST_PLACEHOLDER not in "".join(text.split())
    assert "--digest <the digest on the cover>" in flat
    assert 8 <= pages <= 40

    # every page renders, and every font is embedded
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == pages
    fonts = subprocess.run(["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts   # the "emb" column


@pytest.mark.slow
def test_the_page_count_follows_the_register_not_the_fleet(tmp_path):
    library = load_facts(FIXTURES / "library")
    fleet = []
    for i in range(1000):
        doc = copy.deepcopy(library[i % len(library)])
        doc["asset"]["id"] = f"{doc['asset']['id']}-{i:04d}"
        doc["asset"]["site"] = f"Site-{i % 7}"
        fleet.append(doc)
    _, small = _read_back(get_format("pdf").render(_input(library)), tmp_path)
    text, large = _read_back(get_format("pdf").render(_input(fleet)), tmp_path)
    assert large <= small + 10, (small, large)
    assert "1000 assets" in " ".join(text.split())


@pytest.mark.slow       # three PDFs take seconds
def test_the_cover_rendered_apart_gives_the_pdf_rendered_whole():
    """The document is laid out with a placeholder digest while the evidence bundle is hashed,
    and its cover replaced afterwards: byte for byte the PDF laid out with the digest in it."""
    from controlcheck.reports.evidence import bundle_manifest
    from controlcheck.reports.pdf import build_document
    from controlcheck.reports.renderer import pdf_from_parts

    data = _input(load_facts(FIXTURES / "library"))
    data.results["run"]["id"] = "run-with-a-long-identifier-" + "x" * 40     # a cover line that wraps
    apart = get_format("pdf").render(data)
    whole = pdf_from_parts(build_document(data, digest=bundle_manifest(data)["digest"]))
    assert apart == whole
    assert pdf_from_parts(build_document(data)) != whole      # the placeholder is not the digest
