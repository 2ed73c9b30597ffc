"""The risk assessment report as a PDF an auditor or manager can sign off (WeasyPrint).

One rendering path with the HTML report: the document is HTML and CSS built from the
sections of ``reports/html.py`` (heat maps and trend as SVG, the CAI breakdown, failing
findings by severity x kind, finding age), plus the parts a signed document needs: a
cover citing the evidence bundle's digest, an executive summary, scope and method, the prioritised risk register, the failing
controls by severity and department, the treatment plan per department with target dates,
and appendices (controls with framework references, waivers, how to check the evidence
bundle). The cover is rendered apart (``cover_document``), so the rest is laid out while
the bundle is still being hashed (``reports.renderer``).

Its length follows the register and the policy library, not the fleet: assets appear as
counts by class, site and owner, and per-finding detail is left to the XLSX report and the
evidence bundle, so 1,000 assets give a few more pages, not thousands."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from .. import __version__
from ..risk.age import duration_text
from ..risk.treatment import _priority, requests_for
from ..vocabulary import SEVERITIES, SEVERITY_WEIGHTS
from ._shared import frameworks_text
from .base import ReportFormat, ReportInput
from .html import (_chip, _pct, age_section, cai_breakdown_section, cai_change, e, failing_matrix_section,
                   heatmap_svg, run_times, trend_svg, worst_assets_section)
from .html import _legend as legend_html

MAX_LISTED = 40         # rows of a per-asset list (not collected, waivers) before "and N more"

PDF_CSS = """
@page{size:A4;margin:18mm 15mm 18mm 15mm;
  @bottom-left{content:string(doctitle);font:8pt "DejaVu Sans",sans-serif;color:#5f6368}
  @bottom-right{content:"page " counter(page) " of " counter(pages);font:8pt "DejaVu Sans",sans-serif;color:#5f6368}}
@page cover{@bottom-left{content:none}@bottom-right{content:none}}
@page wide{size:A4 landscape;margin:14mm 12mm 16mm 12mm}
section#risk-register{page:wide}
*{box-sizing:border-box}
body{font:9.5pt/1.4 "DejaVu Sans",sans-serif;color:#1c1c1c;margin:0}
h1{font-size:20pt;margin:0 0 6pt;string-set:doctitle content()}
h2{font-size:14pt;margin:0 0 8pt;padding-bottom:3pt;border-bottom:1.5pt solid #1565c0;color:#0d47a1}
h3{font-size:11pt;margin:10pt 0 4pt}
section.chapter{break-before:page}
.cover{page:cover;height:250mm;display:flex;flex-direction:column;justify-content:center}
.cover .org{font-size:26pt;font-weight:700;margin-bottom:8pt}.cover .title{font-size:18pt;color:#0d47a1}
.cover table{width:auto;margin-top:24pt}.cover td{border:none;padding:2pt 12pt 2pt 0;font-size:11pt}
.muted{color:#5f6368}.small{font-size:8pt}
table{border-collapse:collapse;width:100%;margin:4pt 0 8pt}
th,td{border:0.5pt solid #c7c9cc;padding:2.5pt 4pt;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:700}td.num,th.num{text-align:right}
thead{display:table-header-group}tr{break-inside:avoid}
table.register{font-size:7.6pt;table-layout:fixed}table.register td{overflow-wrap:break-word}
.chip{display:inline-block;padding:0 4pt;border-radius:3pt;color:#fff;font-weight:700;white-space:nowrap}
.cards{display:flex;gap:8pt;margin:6pt 0}.card{border:0.5pt solid #c7c9cc;border-radius:4pt;padding:5pt 9pt}
.card b{display:block;font-size:18pt}.card.cai b{font-size:26pt;color:#0d47a1}
.row{display:flex;flex-wrap:wrap;gap:12pt;align-items:flex-start}.row>div{flex:1 1 45%}
.sev{font-weight:700;text-transform:uppercase;font-size:7.5pt}.sev-critical{color:#b71c1c}.sev-high{color:#e65100}
.sev-medium{color:#8d6e00}.sev-low{color:#1565c0}.sev-info{color:#5f6368}
.legend span{display:inline-block;margin-right:10pt}.legend i{display:inline-block;width:9pt;height:9pt;
border-radius:2pt;margin-right:3pt;vertical-align:-1pt}
svg{max-width:100%}td.hot{background:#fdecea;font-weight:700}
a{color:inherit;text-decoration:none}
code{font:8pt "DejaVu Sans Mono",monospace;overflow-wrap:anywhere}.cover code.digest{font-size:9pt}
ul{margin:2pt 0 6pt;padding-left:14pt}
"""


def _rating_chip(score, rating: str, colour: str) -> str:
    text = f"{score:.1f} {rating}" if isinstance(score, float) else f"{score} {rating}"
    return _chip(text, colour)


DIGEST_PLACEHOLDER = "0" * 64      # as wide as any sha256 in the cover's monospaced font


def _cover(data: ReportInput, run: dict, digest: str) -> str:
    results, assessment = data.results, data.assessment or {}
    org = data.settings.get("organisation") or run.get("organisation") or "Contact centre"
    started, finished, number = run_times(run, data.history)
    assets = results.get("assets") or []
    kinds = Counter(a.get("kind") or "unknown" for a in assets)
    sites = sorted({a.get("site") for a in assets if a.get("site")})
    cai = ((assessment.get("cai") or {}).get("overall") or {}).get("value")
    rows = [("Scope", f"{len(assets)} assets: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))),
            ("Sites", ", ".join(sites) or "(none recorded)"),
            ("Date", (finished or started or "")[:10]),
            ("Run", f"{run.get('id', '')}" + (f" (stored run #{number})" if number is not None else "")),
            ("Compliance Adherence Index", "n/a" if cai is None else f"{cai:.1f}"),
            ("Prepared by", f"controlcheck {(run.get('tool') or {}).get('version', __version__)}")]
    cells = "".join(f"<tr><td class='muted'>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in rows)
    cells += (f"<tr><td class='muted'>Evidence bundle</td><td>manifest digest<br><code class='digest'>sha256:"
              f"{e(digest)}</code></td></tr>")
    return (f'<section class="cover" id="cover"><div class="org">{e(org)}</div><h1 class="title">Hardware risk '
            f'assessment</h1><div class="muted">Risk register, control effectiveness, Compliance Adherence Index '
            f'and treatment plan</div><table>{cells}</table></section>')


def _high_risks(assessment: dict) -> list[dict]:
    threshold = assessment["config"]["treatment_threshold"]
    return requests_for(assessment, threshold)


def _changes(data: ReportInput) -> str:
    """What changed since the last audit: CAI, counts, newly failing and fixed findings."""
    if len(data.history) < 2:
        return "<p>This is the first stored audit: changes appear from the next one.</p>"
    prev, last = data.history[-2], data.history[-1]
    parts = []
    if prev.get("cai") is not None and last.get("cai") is not None:
        parts.append(f"CAI {prev['cai']:.1f} → {last['cai']:.1f} ({last['cai'] - prev['cai']:+.1f})")
    pc, lc = prev.get("counts") or {}, last.get("counts") or {}
    parts.append(f"failing findings {pc.get('fail', 0)} → {lc.get('fail', 0)}")
    parts.append(f"assets {prev.get('assets') or 0} → {last.get('assets') or 0}")
    items = [f"<li>Since run #{e(prev['id'])} ({e((prev.get('started_at') or '')[:16])}): {e('; '.join(parts))}.</li>"]
    ages = data.ages or {}
    new = [f for f in ages.get("failing") or [] if f["first_seen_run"] == last["id"]]
    fixed = [f for f in ages.get("fixed") or [] if f["fixed_run"] == last["id"]]
    if ages:
        items.append(f"<li>{len(new)} findings fail for the first time; {len(fixed)} findings were fixed"
                     + (": " + e(", ".join(f"{f['control_id']} on {f['asset_id']}" for f in fixed[:6]))
                        + (" …" if len(fixed) > 6 else "") if fixed else "") + ".</li>")
    return f"<ul>{''.join(items)}</ul>"


def _executive_summary(data: ReportInput, run: dict) -> str:
    assessment = data.assessment
    cai = assessment["cai"]["overall"].get("value")
    change = cai_change(cai, data.history)
    by_rating = assessment["summary"]["by_residual_rating"]
    colours = {b["rating"]: b["colour"] for b in assessment["config"]["legend"]}
    threshold = assessment["config"]["treatment_threshold"]
    high = _high_risks(assessment)
    rows = "".join(f'<tr><td><b>{e(r["id"])}</b> {e(r["title"])}</td><td>{e(r["owner"])}</td>'
                   f'<td>{_rating_chip(r["inherent_score"], r["inherent_rating"], r["inherent_colour"])}</td>'
                   f'<td class="num">{_pct(r.get("effectiveness"))}</td>'
                   f'<td>{_rating_chip(r["residual_score"], r["residual_rating"], r["residual_colour"])}</td></tr>'
                   for r in high)
    table = (f'<table><thead><tr><th>risk</th><th>owner</th><th>inherent</th><th class="num">controls effective'
             f'</th><th>after controls</th></tr></thead><tbody>{rows}</tbody></table>' if high
             else f"<p>No assessed risk is rated {e(threshold)} or above after its controls.</p>")
    ages = (data.ages or {}).get("overall")
    kri = ""
    if ages:
        kri = (f'<p>Key risk indicators: {ages["failing"]} failing findings, {ages["older_than_30"]} older than 30 '
               f'days, {ages["older_than_90"]} older than 90 days; median time to remediate '
               f'{e(duration_text(ages["median_days_to_fix"]))} over {ages["fixed"]} fixes.</p>')
    chips = " ".join(f"{_chip(k, colours.get(k, '#777'))} {v}" for k, v in by_rating.items())
    return (f'<section class="chapter" id="executive-summary"><h2>1. Executive summary</h2><div class="cards">'
            f'<div class="card cai">Compliance Adherence Index<b>{"n/a" if cai is None else f"{cai:.1f}"}</b>'
            f'<span class="muted">{e(change) or "first stored audit"}</span></div>'
            f'<div class="card">assessed risks<b>{len(assessment["risks"])}</b></div>'
            f'<div class="card">at {e(threshold)} or above<b>{len(high)}</b></div>'
            f'<div class="card">not assessed<b>{len(assessment.get("not_assessed") or [])}</b></div></div>'
            f'<p>Assessed risks by rating after controls: {chips}</p>{kri}'
            f'<h3>Risks at {e(threshold)} or above after controls</h3>{table}'
            f'<h3>What changed since the last audit</h3>{_changes(data)}'
            f'<h3>CAI trend</h3>{trend_svg(data.history, width=620)}</section>')


def _count_table(title: str, counter: Counter) -> str:
    rows = "".join(f'<tr><td>{e(k)}</td><td class="num">{n}</td></tr>' for k, n in sorted(counter.items()))
    return (f'<div><h3>by {e(title)}</h3><table><thead><tr><th>{e(title)}</th><th class="num">assets</th></tr>'
            f'</thead><tbody>{rows}</tbody></table></div>')


def _scope_and_method(data: ReportInput) -> str:
    results, assessment = data.results, data.assessment
    config = assessment["config"]
    assets = results.get("assets") or []
    unassigned = "(unassigned)"
    tables = "".join(_count_table(name, Counter(a.get(key) or unassigned for a in assets))
                     for name, key in (("class", "kind"), ("site", "site"), ("owner", "owner")))
    gaps = [(a["id"], err) for a in assets for err in a.get("errors") or []]
    if gaps:
        rows = "".join(f'<tr><td>{e(aid)}</td><td>{e(err.get("source"))}</td><td>{e(err.get("message"))}</td></tr>'
                       for aid, err in gaps[:MAX_LISTED])
        more = (f'<p class="muted">… and {len(gaps) - MAX_LISTED} more (each asset\'s facts document in the '
                f'evidence bundle lists them).</p>' if len(gaps) > MAX_LISTED else "")
        not_collected = (f'<p>{len({a for a, _ in gaps})} assets could not be fully collected. Their missing facts '
                         f'are <b>error</b> findings (counted as not effective), never passes.</p><table><thead><tr>'
                         f'<th>asset</th><th>source</th><th>why</th></tr></thead><tbody>{rows}</tbody></table>{more}')
    else:
        not_collected = "<p>Every asset in scope was collected completely.</p>"
    bands = "".join(f'<tr><td>{_chip(b["rating"], b["colour"])}</td><td class="num">{e(b["min"])} – {e(b["max"])}</td>'
                    f'<td class="num">{e(config["target_days"].get(b["rating"], ""))} days</td>'
                    f'<td>{e(_priority(b["rating"], config["legend"]))}</td></tr>' for b in config["legend"])
    weights = ", ".join(f"{k} {v}" for k, v in config["weights"].items())
    return (f'<section class="chapter" id="scope-and-method"><h2>2. Scope and method</h2>'
            f'<p>{len(assets)} assets were audited: their configuration was collected over SSH and SNMP (or from '
            f'saved configurations) and checked against {len(results.get("controls") or {})} controls of the policy '
            f'library.</p><div class="row">{tables}</div>'
            f'<h3>What could not be collected, and why</h3>{not_collected}'
            f'<h3>Scoring method (docs/risk-method.md)</h3><ul>'
            f'<li>Inherent risk = likelihood × impact (each 1 to 5), before any control.</li>'
            f'<li>Control effectiveness = the severity-weighted share of the risk\'s checks that pass on the in-scope '
            f'assets (weights {e(weights)}); a check that could not be made counts as not effective; waived and '
            f'not-applicable checks are left out.</li>'
            f'<li>Residual risk: {e(config["residual_formula"])}, reduction {e(config["reduction"])}: full '
            f'effectiveness leaves a fifth of the inherent score.</li>'
            f'<li>A risk whose asset classes have no asset in this audit is <b>not assessed</b>; a risk with assets '
            f'in scope but no device check is <b>rated on inherent risk only</b>.</li>'
            f'<li>CAI = 100 × Σ(weight × pass) / Σ(weight × (pass + fail + error)).</li></ul>'
            f'<h3>Rating bands and treatment targets</h3><table><thead><tr><th>rating</th><th class="num">score</th>'
            f'<th class="num">target</th><th>priority</th></tr></thead><tbody>{bands}</tbody></table></section>')


def _effectiveness_text(r: dict) -> str:
    status = r.get("evidence_status")
    if status == "no-automated-evidence":
        return "inherent only, no device evidence"
    if status == "no-evidence":
        return "inherent only, no control applied"
    c = r.get("counts") or {}
    return f"{_pct(r.get('effectiveness'))} ({c.get('pass', 0)} pass, {c.get('fail', 0)} fail, {c.get('error', 0)} error)"


_REGISTER_COLUMNS = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in (15, 12, 14, 13, 3, 3, 8, 16, 8, 8)) \
    + "</colgroup>"


def _risk_register(assessment: dict) -> str:
    risks = sorted(assessment.get("risks") or [], key=lambda r: (-r["residual_score"], -r["inherent_score"], r["id"]))
    rows = "".join(
        f'<tr><td><b>{e(r["id"])}</b><br>{e(r["title"])}</td><td>{e(r["risk_source"])}</td>'
        f'<td>{e(r["vulnerability"])}</td><td>{e(r["threat"])}</td><td class="num">{e(r["likelihood"])}</td>'
        f'<td class="num">{e(r["impact"])}</td>'
        f'<td>{_rating_chip(r["inherent_score"], r["inherent_rating"], r["inherent_colour"])}</td>'
        f'<td>{e(", ".join(r.get("controls") or []) or "none")}<br><i>{e(_effectiveness_text(r))}</i></td>'
        f'<td>{_rating_chip(r["residual_score"], r["residual_rating"], r["residual_colour"])}</td>'
        f'<td>{e(r["owner"])}</td></tr>' for r in risks)
    apart = assessment.get("not_assessed") or []
    apart_html = ""
    if apart:
        items = "".join(f'<li><b>{e(r["id"])}</b> {e(r["title"])} ({e(r["owner"])}): {e(r["reason"])}</li>'
                        for r in apart)
        apart_html = f'<h3 id="not-assessed">Not assessed in this audit</h3><ul>{items}</ul>'
    return (f'<section class="chapter" id="risk-register"><h2>3. Risk register</h2><p>Prioritised by residual '
            f'score (after the controls as found).</p><table class="register">{_REGISTER_COLUMNS}<thead><tr><th>risk</th><th>risk '
            f'source</th><th>vulnerability</th><th>threat</th><th class="num">L</th><th class="num">I</th>'
            f'<th>inherent</th><th>current controls and effectiveness</th><th>residual</th><th>owner</th></tr>'
            f'</thead><tbody>{rows}</tbody></table>{apart_html}</section>')


def _heat_maps_and_cai(assessment: dict) -> str:
    legend, risks = assessment["config"]["legend"], assessment.get("risks") or []
    return (f'<section class="chapter" id="heat-maps"><h2>4. Heat maps and Compliance Adherence Index</h2>'
            f'<div class="row"><div>{heatmap_svg(risks, legend, "inherent", size=46)}</div>'
            f'<div>{heatmap_svg(risks, legend, "residual", size=46)}</div></div>{legend_html(legend)}'
            f'{cai_breakdown_section(assessment)}</section>')


def _failing_by_department(data: ReportInput) -> str:
    results = data.results
    owner_of = {a["id"]: a.get("owner") or "(unassigned)" for a in results.get("assets") or []}
    departments = sorted(set(owner_of.values()))
    per_control: dict[str, Counter] = defaultdict(Counter)
    severity: dict[str, str] = {}
    for f in results.get("findings") or []:
        if f["status"] == "fail":
            per_control[f["control_id"]][owner_of.get(f["asset_id"], "(unassigned)")] += 1
            severity[f["control_id"]] = f["severity"]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    order = sorted(per_control, key=lambda c: (-rank.get(severity[c], 0), -sum(per_control[c].values()), c))
    controls = results.get("controls") or {}
    head = "".join(f'<th class="num">{e(d)}</th>' for d in departments)
    rows = "".join(f'<tr><td class="sev sev-{e(severity[c])}">{e(severity[c])}</td><td><b>{e(c)}</b> '
                   f'{e((controls.get(c) or {}).get("title", ""))}</td>'
                   + "".join(f'<td class="num{" hot" if per_control[c][d] else ""}">{per_control[c][d] or ""}</td>'
                             for d in departments)
                   + f'<td class="num"><b>{sum(per_control[c].values())}</b></td></tr>' for c in order)
    table = (f'<table><thead><tr><th>severity</th><th>control</th>{head}<th class="num">total</th></tr></thead>'
             f'<tbody>{rows}</tbody></table>' if rows else "<p>No control fails on any asset.</p>")
    weights = (data.assessment or {}).get("config", {}).get("weights") or dict(SEVERITY_WEIGHTS)
    return (f'<section class="chapter" id="failing-controls"><h2>5. Failing controls by severity and department'
            f'</h2><p class="muted">Number of assets failing each control, by the department that owns them.</p>'
            f'{table}{failing_matrix_section(results)}{worst_assets_section(results, weights, links=False)}'
            f'{age_section(data.ages)}</section>')


def _treatment_plan(assessment: dict, today: dt.date) -> str:
    config = assessment["config"]
    threshold = config["treatment_threshold"]
    by_dept: dict[str, list[dict]] = defaultdict(list)
    for r in requests_for(assessment, threshold):
        by_dept[r["owner"]].append(r)
    owners = sorted({r["owner"] for r in assessment.get("risks") or []})
    blocks = []
    for dept in owners:
        risks = by_dept.get(dept) or []
        if not risks:
            blocks.append(f"<h3>{e(dept)}</h3><p>No risk at {e(threshold)} or above: no treatment requested.</p>")
            continue
        rows = "".join(
            f'<tr><td><b>{e(r["id"])}</b> {e(r["title"])}</td>'
            f'<td>{_rating_chip(r["residual_score"], r["residual_rating"], r["residual_colour"])}</td>'
            f'<td>{e(_priority(r["residual_rating"], config["legend"]))}</td>'
            f'<td>{e((today + dt.timedelta(days=config["target_days"][r["residual_rating"]])).isoformat())}</td>'
            f'<td>{e(", ".join(a["title"] for a in r.get("actions") or []) or "evidence by hand / bring assets into the audit")}'
            f'</td></tr>' for r in risks)
        blocks.append(f'<h3>{e(dept)}</h3><table><thead><tr><th>risk</th><th>residual</th><th>priority</th>'
                      f'<th>target date</th><th>what is asked</th></tr></thead><tbody>{rows}</tbody></table>')
    return (f'<section class="chapter" id="treatment-plan"><h2>6. Treatment plan by department</h2><p>Every '
            f'department that owns an assessed risk; the requests themselves (treatment/treatment-&lt;department&gt;.md)'
            f' explain each one in plain language. Target dates count from {e(today.isoformat())}.</p>'
            f'{"".join(blocks)}</section>')


def _appendices(data: ReportInput) -> str:
    results = data.results
    controls = results.get("controls") or {}
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    rows = "".join(f'<tr><td><b>{e(cid)}</b></td><td>{e(c.get("title", ""))}</td><td class="sev sev-'
                   f'{e(c.get("severity", ""))}">{e(c.get("severity", ""))}</td><td class="small">'
                   f'{e(frameworks_text(c.get("frameworks")))}</td></tr>'
                   for cid, c in sorted(controls.items(), key=lambda kv: (-rank.get(kv[1].get("severity"), 0), kv[0])))
    waivers = results.get("waivers") or {}
    applied = [f for f in results.get("findings") or [] if f["status"] == "waived" and f.get("waiver")]
    w_rows = "".join(f'<tr><td>{e(f["control_id"])}</td><td>{e(f["asset_id"])}</td><td>{e(f["waiver"].get("expires"))}'
                     f'</td><td>{e(f["waiver"].get("approver"))}</td><td>{e(f["waiver"].get("justification"))}</td>'
                     f'</tr>' for f in applied[:MAX_LISTED])
    w_more = f'<p class="muted">… and {len(applied) - MAX_LISTED} more waived findings (XLSX).</p>' \
        if len(applied) > MAX_LISTED else ""
    active = (f'<table><thead><tr><th>control</th><th>asset</th><th>expires</th><th>approver</th><th>justification'
              f'</th></tr></thead><tbody>{w_rows}</tbody></table>{w_more}' if w_rows else "<p>No waiver applied.</p>")
    expired = waivers.get("expired") or []
    x_rows = "".join(f'<tr><td>{e(w.get("control"))}</td><td>{e(w.get("expires"))}</td><td>{e(w.get("file", ""))}:'
                     f'{e(w.get("line", ""))}</td></tr>' for w in expired[:MAX_LISTED])
    expired_html = (f'<table><thead><tr><th>control</th><th>expired on</th><th>where</th></tr></thead><tbody>{x_rows}'
                    f'</tbody></table>' if x_rows else "<p>No expired waiver.</p>")
    return (f'<section class="chapter" id="appendices"><h2>Appendix A. Controls and framework references</h2>'
            f'<table><thead><tr><th>control</th><th>title</th><th>severity</th><th>frameworks</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></section>'
            f'<section class="chapter" id="waivers"><h2>Appendix B. Waivers</h2><h3>Active</h3>{active}'
            f'<h3>Expired (no longer applied)</h3>{expired_html}</section>'
            f'<section id="evidence"><h2>Appendix C. Evidence</h2><p>Every statement in this report can be traced '
            f'to the evidence bundle of this run (<code>evidence-bundle.zip</code>, written beside this report by '
            f'<code>controlcheck audit</code>, or <code>controlcheck report --format evidence</code>): the results, '
            f'the assessment, each asset\'s facts document and the raw device outputs, each with its sha256.</p>'
            f'<p>Its manifest digest is on the cover. Check the bundle against it with <code>controlcheck verify '
            f'evidence-bundle.zip --digest &lt;the digest on the cover&gt;</code>.</p></section>')


def _evidence_digest(data: ReportInput) -> str:
    from .evidence import bundle_manifest

    return bundle_manifest(data)["digest"]


def _parts(data: ReportInput, today: dt.date | None) -> tuple[dict, dt.date]:
    if data.assessment is None:
        from ..errors import InputError
        raise InputError("the PDF report needs a risk assessment: use a stored run or --results")
    run = data.results.get("run") or {}
    started, finished, _ = run_times(run, data.history)
    return run, today or dt.date.fromisoformat((finished or started or dt.date.today().isoformat())[:10])


def _title(run: dict) -> str:
    return f"Hardware risk assessment, run {run.get('id', '')}"


def build_document(data: ReportInput, today: dt.date | None = None, digest: str = DIGEST_PLACEHOLDER) -> str:
    """The PDF's HTML: cover, summary, scope and method, register, heat maps and CAI, failing
    controls and finding age, treatment plan, appendices. The cover cites the evidence
    bundle's digest: by default a placeholder, which ``cover_document`` replaces (the
    document is laid out while the bundle is hashed)."""
    from .html import page

    run, today = _parts(data, today)
    body = [_cover(data, run, digest), _executive_summary(data, run), _scope_and_method(data),
            _risk_register(data.assessment), _heat_maps_and_cai(data.assessment), _failing_by_department(data),
            _treatment_plan(data.assessment, today), _appendices(data)]
    return page(_title(run), body, css=PDF_CSS, script=None)


def cover_document(data: ReportInput) -> str:
    """The cover alone, citing the digest of the evidence bundle ``audit`` writes beside the
    PDF (the bundle is hashed here): it replaces the placeholder cover of ``build_document``."""
    from .html import page

    run, _ = _parts(data, None)
    return page(_title(run), [_cover(data, run, _evidence_digest(data))], css=PDF_CSS, script=None)


class PdfReport(ReportFormat):
    name = "pdf"
    file_name = "report.pdf"
    binary = True
    needs_run = True

    def render(self, data: ReportInput) -> bytes:
        from .renderer import pdf_from_parts

        return pdf_from_parts(build_document(data), cover_document(data))
