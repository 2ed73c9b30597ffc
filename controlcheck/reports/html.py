"""One self-contained HTML file: inline CSS, inline SVG, a small inline script, no fetches.

Sections: summary (CAI, counts, the CAI trend chart from the run history), the risk heat
map (likelihood x impact; inherent beside residual, in the legend's colours), the risks
with their evidence, the CAI by breakdown, and the findings per asset with the evidence
sentence and remediation, filtered by severity, status and kind.

Every string that comes from a device, an inventory, a policy or a register goes through
``html.escape``; the Content-Security-Policy allows no network source and only the one
inline script (by its hash), so even a missed escape could not run or fetch anything."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import defaultdict

from .. import __version__
from ..risk.age import duration_text
from ..risk.scoring import rating_for
from ..vocabulary import SEVERITIES, SEVERITY_WEIGHTS
from ._shared import SEV_RANK, STATUS_RANK, asset_index, control, counts_by_status, frameworks_text
from .base import ReportFormat, ReportInput

STATUS_LABEL = {"pass": "pass", "fail": "fail", "error": "error", "waived": "waived", "skip": "skip"}
STATUS_COLOUR = {"pass": "#2e7d32", "fail": "#c62828", "error": "#6a1b9a", "waived": "#546e7a", "skip": "#9e9e9e"}
DEFAULT_STATUSES = ("fail", "error", "waived")

CSS = """
:root{--fg:#1c1c1c;--muted:#5f6368;--line:#dadce0;--bg:#fafafa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);margin:0;padding:0 24px 48px}
header{padding:18px 0 8px;border-bottom:1px solid var(--line);margin-bottom:16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}.muted{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#fff;border:1px solid var(--line);border-radius:8px;
padding:10px 14px;min-width:130px}.card b{display:block;font-size:26px}.card.cai b{font-size:38px}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid var(--line);padding:4px 6px;
text-align:left;vertical-align:top}th{background:#f1f3f4;font-weight:600}td.num,th.num{text-align:right}
.chip{display:inline-block;padding:0 6px;border-radius:4px;color:#fff;font-weight:600;white-space:nowrap}
.st{display:inline-block;min-width:52px;text-align:center;border-radius:4px;color:#fff;font-size:12px;font-weight:600}
.sev{font-size:12px;font-weight:600;text-transform:uppercase}.sev-critical{color:#b71c1c}.sev-high{color:#e65100}
.sev-medium{color:#8d6e00}.sev-low{color:#1565c0}.sev-info{color:#5f6368}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}pre{margin:2px 0;white-space:pre-wrap;
word-break:break-word;background:#f6f8fa;padding:3px 5px;border-radius:4px}
details{background:#fff;border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}
details>summary{cursor:pointer;font-weight:600;padding:4px 0}
.filters{position:sticky;top:0;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--line);z-index:2}
.filters fieldset{display:inline-block;border:1px solid var(--line);border-radius:6px;margin:0 8px 4px 0;padding:2px 8px}
.filters legend{font-size:12px;color:var(--muted)}.filters label{margin-right:8px;white-space:nowrap}
.findings td:nth-child(4),.findings td:nth-child(5),#risks td{overflow-wrap:anywhere}
.hidden{display:none}.err{color:#6a1b9a}.legend span{display:inline-block;margin-right:12px}
.legend i{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:-2px;margin-right:4px}
svg text{font-family:system-ui,sans-serif}
nav.toc{position:sticky;top:0;z-index:3;background:var(--bg);border-bottom:1px solid var(--line);padding:6px 0;
font-size:13px}nav.toc a{margin-right:14px;color:#1565c0;text-decoration:none;white-space:nowrap}
nav.toc a:hover{text-decoration:underline}section[id]{scroll-margin-top:44px}
.filters{top:34px}
table.matrix td.num{min-width:46px}td.hot{background:#fdecea;font-weight:600}
@media print{.filters,nav.toc{display:none}details{break-inside:avoid}}
"""

SCRIPT = """
(function(){
  var boxes=document.querySelectorAll('.filters input[type=checkbox]');
  function chosen(name){var s={};document.querySelectorAll('.filters input[name='+name+']').forEach(function(b){
    if(b.checked){s[b.value]=1;}});return s;}
  function apply(){
    var sev=chosen('severity'),st=chosen('status'),kind=chosen('kind'),shown=0,assetsShown=0;
    document.querySelectorAll('section.asset').forEach(function(sec){
      var visible=0,k=sec.getAttribute('data-kind');
      sec.querySelectorAll('tr.finding').forEach(function(tr){
        var ok=kind[k]&&sev[tr.getAttribute('data-severity')]&&st[tr.getAttribute('data-status')];
        tr.classList.toggle('hidden',!ok);if(ok){visible++;}
      });
      var hasErrors=sec.getAttribute('data-errors')==='1';
      sec.classList.toggle('hidden',!(kind[k]&&(visible||hasErrors)));
      var empty=sec.querySelector('.none-shown');if(empty){empty.classList.toggle('hidden',visible>0);}
      shown+=visible;if(kind[k]&&(visible||hasErrors)){assetsShown++;}
    });
    var c=document.getElementById('shown-count');
    if(c){c.textContent=shown+' findings shown on '+assetsShown+' assets';}
  }
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  apply();
  document.body.setAttribute('data-filters','ready');
})();
"""


_HTML_SPECIAL = re.compile("[&<>\"']")


def e(value: object) -> str:
    """Escape for HTML text and attribute values (quotes included). Most strings need none:
    one scan for them instead of html.escape's five replaces (260,000 calls at 1,000 assets)."""
    text = "" if value is None else str(value)
    return html.escape(text, quote=True) if _HTML_SPECIAL.search(text) else text


def _chip(text: str, colour: str) -> str:
    return f'<span class="chip" style="background:{e(colour)}">{e(text)}</span>'


def _status(status: str) -> str:
    return (f'<span class="st" style="background:{STATUS_COLOUR.get(status, "#777")}">'
            f'{e(STATUS_LABEL.get(status, status))}</span>')


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _cai_text(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def trend_svg(history: list[dict], width: int = 560, height: int = 200) -> str:
    """CAI per stored run (0-100, left axis) as a line with points; failing findings per run
    as grey bars on their own labelled scale (right axis)."""
    points = [h for h in history if h.get("cai") is not None]
    if len(points) < 2:
        note = ("one run stored so far: the trend appears from the second audit" if points
                else "no stored runs with a CAI yet: the trend appears from the second audit")
        return (f'<svg id="trend" role="img" aria-label="CAI trend" width="{width}" height="60" '
                f'xmlns="http://www.w3.org/2000/svg"><text x="8" y="34" fill="#5f6368">{e(note)}</text></svg>')
    left, right, top, bottom = 44, 52, 14, 38
    w, h = width - left - right, height - top - bottom
    n = len(points)
    bar_w = max(2.0, min(18.0, w / n * 0.5))
    pad = bar_w / 2 + 6                    # bars and points stay clear of both axes' labels
    step = (w - 2 * pad) / (n - 1)
    max_fail = max((p.get("counts") or {}).get("fail", 0) for p in points)
    fail_top = max(1, max_fail)

    def x(i: int) -> float:
        return left + pad + i * step

    def y(v: float) -> float:
        return top + h * (1 - v / 100)

    def y_fail(v: float) -> float:
        return top + h * (1 - v / fail_top)

    parts = [f'<svg id="trend" role="img" aria-label="CAI trend over {n} runs" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for v in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e0e0e0"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#1565c0">{v}</text>')
    for v in sorted({0, fail_top // 2, fail_top}):
        parts.append(f'<text class="fail-tick" x="{width - right + 6}" y="{y_fail(v) + 4:.1f}" font-size="11" '
                     f'fill="#78909c">{v}</text>')
    parts.append(f'<text x="12" y="{top + h / 2:.1f}" font-size="11" fill="#1565c0" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + h / 2:.1f})">CAI</text>')
    parts.append(f'<text x="{width - 10}" y="{top + h / 2:.1f}" font-size="11" fill="#78909c" text-anchor="middle" '
                 f'transform="rotate(90 {width - 10} {top + h / 2:.1f})">failing findings</text>')
    for i, p in enumerate(points):
        fails = (p.get("counts") or {}).get("fail", 0)
        bh = h * fails / fail_top
        parts.append(f'<rect class="fail-bar" x="{x(i) - bar_w / 2:.1f}" y="{top + h - bh:.1f}" width="{bar_w:.1f}" '
                     f'height="{bh:.1f}" fill="#cfd8dc"><title>run {e(p["id"])}: {fails} failing</title></rect>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p['cai']):.1f}" for i, p in enumerate(points))
    parts.append(f'<path d="{path}" fill="none" stroke="#1565c0" stroke-width="2"/>')
    label_every = max(1, n // 12)
    for i, p in enumerate(points):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p["cai"]):.1f}" r="3.5" fill="#1565c0">'
                     f'<title>run {e(p["id"])} started {e(p.get("started_at", ""))}: CAI {p["cai"]:.1f}</title></circle>')
        if i % label_every == 0 or i == n - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{top + h + 16}" text-anchor="middle" font-size="11" '
                         f'fill="#5f6368">#{e(p["id"])}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" font-size="11" fill="#5f6368">stored run: CAI (line, left '
                 f'scale) and failing findings (bars, right scale)</text></svg>')
    return "".join(parts)


def heatmap_svg(risks: list[dict], legend: list[dict], which: str, size: int = 64) -> str:
    """A 5x5 likelihood (up) x impact (right) grid in the legend's colours. ``inherent``
    counts risks per cell; ``residual`` plots each risk at its impact and its continuous
    residual likelihood, in the colour of its residual rating."""
    left, top = 40, 26
    width, height = left + 5 * size + 10, top + 5 * size + 40
    title = "Inherent risk" if which == "inherent" else "Residual risk"
    parts = [f'<svg id="heatmap-{which}" class="heatmap" role="img" aria-label="{title} heat map" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{left}" y="16" font-size="14" font-weight="600">{title}</text>']
    for lk in range(1, 6):
        for im in range(1, 6):
            band = rating_for(lk * im, legend)
            cx, cy = left + (im - 1) * size, top + (5 - lk) * size
            parts.append(f'<rect class="cell" x="{cx}" y="{cy}" width="{size}" height="{size}" fill="{e(band["colour"])}" '
                         f'fill-opacity="0.35" stroke="#fff" stroke-width="2"><title>likelihood {lk} x impact {im} = '
                         f'{lk * im} ({e(band["rating"])})</title></rect>')
    for i in range(1, 6):
        parts.append(f'<text x="{left - 8}" y="{top + (5 - i) * size + size / 2 + 4}" text-anchor="end" '
                     f'font-size="12">{i}</text>')
        parts.append(f'<text x="{left + (i - 1) * size + size / 2}" y="{top + 5 * size + 16}" text-anchor="middle" '
                     f'font-size="12">{i}</text>')
    parts.append(f'<text x="{left + 5 * size / 2}" y="{top + 5 * size + 32}" text-anchor="middle" font-size="12" '
                 f'fill="#5f6368">impact</text>')
    parts.append(f'<text x="12" y="{top + 5 * size / 2}" text-anchor="middle" font-size="12" fill="#5f6368" '
                 f'transform="rotate(-90 12 {top + 5 * size / 2})">likelihood</text>')
    if which == "inherent":
        cells: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for r in risks:
            cells[(int(r["likelihood"]), int(r["impact"]))].append(r)
        for (lk, im), members in sorted(cells.items()):
            cx, cy = left + (im - 1) * size + size / 2, top + (5 - lk) * size + size / 2
            colour = rating_for(lk * im, legend)["colour"]
            names = ", ".join(r["id"] for r in members)
            parts.append(f'<g class="risk-mark"><circle cx="{cx}" cy="{cy}" r="15" fill="{e(colour)}" stroke="#fff" '
                         f'stroke-width="2"/><text x="{cx}" y="{cy + 5}" text-anchor="middle" font-size="14" '
                         f'font-weight="700" fill="#fff">{len(members)}</text><title>{e(names)}</title></g>')
    else:
        placed: dict[tuple[int, int], int] = defaultdict(int)
        for r in sorted(risks, key=lambda r: r["id"]):
            lk = r.get("residual_likelihood")
            if lk is None:
                lk = r["residual_score"] / r["impact"] if r["impact"] else r["likelihood"]
            lk = min(5.0, max(1.0, float(lk)))
            im = int(r["impact"])
            slot = (round(lk * 4), im)
            k = placed[slot]
            placed[slot] += 1
            cx = left + (im - 1) * size + size / 2 + ((k % 4) - 1.5) * 12
            cy = top + (5 - lk) * size + size / 2 - (k // 4) * 12
            parts.append(f'<g class="risk-mark"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{e(r["residual_colour"])}" '
                         f'stroke="#fff" stroke-width="1.5"/><title>{e(r["id"])}: residual {r["residual_score"]:.1f} '
                         f'({e(r["residual_rating"])}), likelihood {lk:.2f} x impact {im}</title></g>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(legend: list[dict]) -> str:
    items = "".join(f'<span><i style="background:{e(b["colour"])}"></i>{e(b["rating"])} ({e(b["min"])}-{e(b["max"])})'
                    f'</span>' for b in legend)
    return f'<div class="legend">{items}</div>'


def _evidence_html(finding: dict) -> str:
    out = []
    for ev in finding.get("evidence") or []:
        head = f"<code>{e(ev.get('id', ''))}</code> {e(ev.get('source', ''))}"
        if ev.get("sha256"):
            head += f' <span class="muted" title="sha256 {e(ev["sha256"])}">sha256 {e(str(ev["sha256"])[:12])}…</span>'
        if ev.get("path"):
            head += f' <span class="muted">{e(ev["path"])}</span>'
        lines = "".join(f"<pre>{e(line)}</pre>" for line in (ev.get("lines") or [])[:8])
        out.append(f"<div>{head}{lines}</div>")
    return "".join(out)


def run_times(run: dict, history: list[dict]) -> tuple[str, str, object]:
    """(started, finished, stored run number) of the reported run: the stored run's times when
    the history holds it (what the trend chart shows), else the check's own times."""
    for h in reversed(history):
        if h.get("results_run_id") and h["results_run_id"] == run.get("id"):
            return h.get("started_at") or "", h.get("finished_at") or "", h["id"]
    return run.get("started_at", ""), run.get("finished_at", ""), None


def header_html(run: dict, history: list[dict] | None = None, title: str = "controlcheck audit report") -> str:
    started, finished, number = run_times(run, history or [])
    stored = f"stored run #{e(number)} &middot; " if number is not None else ""
    return (f'<header><h1>{e(title)}</h1><div class="muted">{stored}run <code>{e(run.get("id", ""))}'
            f'</code> &middot; started {e(started)} &middot; finished '
            f'{e(finished)} &middot; controlcheck '
            f'{e((run.get("tool") or {}).get("version", __version__))}</div></header>')


TOC = (("summary", "Summary"), ("risks", "Risks"), ("not-assessed", "Not assessed"), ("cai-breakdown", "CAI"),
       ("failing-matrix", "Failing by severity and kind"), ("worst-assets", "Worst assets"),
       ("finding-age", "Finding age"), ("findings", "Findings"))


def toc_html(present: set[str]) -> str:
    links = "".join(f'<a href="#{anchor}">{e(label)}</a>' for anchor, label in TOC if anchor in present)
    return f'<nav class="toc" id="toc" aria-label="contents">{links}</nav>'


def not_assessed_section(assessment: dict) -> str:
    apart = assessment.get("not_assessed") or []
    if not apart:
        return ""
    items = "".join(f'<li><b>{e(r["id"])}</b> {e(r["title"])} ({e(r["owner"])}): {e(r["reason"])}</li>'
                    for r in apart)
    return (f'<section id="not-assessed"><h2>Risks not assessed</h2><p class="muted">These register risks concern '
            f'asset classes with no asset in this audit: they have no rating, are not counted and get no '
            f'treatment request.</p><ul>{items}</ul></section>')


def failing_matrix(results: dict) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """(kinds, [(severity, failing count per kind)]) worst severity first: failing findings
    (status fail) by severity x asset kind."""
    kinds_of = {a["id"]: a.get("kind") or "unknown" for a in results.get("assets") or []}
    kinds = sorted(set(kinds_of.values()))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for f in results.get("findings") or []:
        if f["status"] == "fail":
            kind = kinds_of.get(f["asset_id"], "unknown")
            if kind not in kinds:
                kinds.append(kind)
            counts[(f["severity"], kind)] += 1
    return kinds, [(sev, [counts[(sev, k)] for k in kinds]) for sev in reversed(SEVERITIES)]


def failing_matrix_section(results: dict) -> str:
    kinds, rows = failing_matrix(results)
    head = "".join(f'<th class="num">{e(k)}</th>' for k in kinds)
    body = "".join(f'<tr><td class="sev sev-{e(sev)}">{e(sev)}</td>'
                   + "".join(f'<td class="num{" hot" if n else ""}">{n}</td>' for n in cells)
                   + f'<td class="num"><b>{sum(cells)}</b></td></tr>' for sev, cells in rows)
    return (f'<section id="failing-matrix"><h2>Failing findings by severity and kind</h2><table class="matrix">'
            f'<thead><tr><th>severity</th>{head}<th class="num">total</th></tr></thead><tbody>{body}</tbody>'
            f'</table></section>')


def worst_assets(results: dict, weights: dict[str, float], n: int = 10) -> list[dict]:
    """The ``n`` assets with the largest severity-weighted count of failing findings."""
    score: dict[str, float] = defaultdict(float)
    fails: dict[str, int] = defaultdict(int)
    for f in results.get("findings") or []:
        if f["status"] == "fail":
            score[f["asset_id"]] += weights.get(f["severity"], 0)
            fails[f["asset_id"]] += 1
    index = asset_index(results)
    ranked = sorted(score, key=lambda a: (-score[a], -fails[a], a))[:n]
    return [{**index.get(a, {"id": a}), "weighted": score[a], "failing": fails[a]} for a in ranked]


def worst_assets_section(results: dict, weights: dict[str, float], links: bool = True) -> str:
    """The ten worst assets; ``links`` to their sections further down the page (the HTML
    report has them, the PDF does not)."""
    def name(asset_id: str) -> str:
        return f'<a href="#asset-{e(asset_id)}">{e(asset_id)}</a>' if links else e(asset_id)

    rows = "".join(f'<tr><td>{name(a["id"])}</td><td>{e(a.get("kind"))}</td>'
                   f'<td>{e(a.get("site"))}</td><td>{e(a.get("owner"))}</td><td class="num">{a["failing"]}</td>'
                   f'<td class="num">{a["weighted"]:g}</td></tr>' for a in worst_assets(results, weights))
    if not rows:
        return ""
    return (f'<section id="worst-assets"><h2>Ten worst assets</h2><p class="muted">By failing findings weighted by '
            f'severity ({e(", ".join(f"{k} {v}" for k, v in weights.items()))}).</p><table><thead><tr><th>asset'
            f'</th><th>kind</th><th>site</th><th>owner</th><th class="num">failing</th><th class="num">weighted'
            f'</th></tr></thead><tbody>{rows}</tbody></table></section>')


def _age_rows(groups: dict[str, dict]) -> str:
    return "".join(f'<tr><td>{e(k)}</td><td class="num">{g["failing"]}</td><td class="num">{g["older_than_30"]}</td>'
                   f'<td class="num">{g["older_than_90"]}</td><td class="num">{g["fixed"]}</td><td class="num">'
                   f'{e(duration_text(g["median_days_to_fix"]))}</td></tr>' for k, g in groups.items())


def age_section(ages: dict | None, limit: int = 10) -> str:
    """Key risk indicators from the history: age of failing findings, time to remediate."""
    if not ages or not ages.get("runs"):
        return ""
    o = ages["overall"]
    head = ('<thead><tr><th></th><th class="num">failing</th><th class="num">older than 30 days</th>'
            '<th class="num">older than 90 days</th><th class="num">fixed</th><th class="num">median time to '
            'remediate</th></tr></thead>')
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    by_sev = dict(sorted(ages["by_severity"].items(), key=lambda kv: order.get(kv[0], 9)))
    oldest = sorted(ages["failing"], key=lambda f: (-f["age_days"], f["asset_id"], f["control_id"]))[:limit]
    old_rows = "".join(f'<tr><td>{e(f["asset_id"])}</td><td>{e(f["control_id"])}</td><td class="sev '
                       f'sev-{e(f["severity"])}">{e(f["severity"])}</td><td>run #{e(f["first_seen_run"])} '
                       f'({e(f["first_seen"])})</td><td class="num">{e(duration_text(f["age_days"]))}</td></tr>'
                       for f in oldest)
    fixed = sorted(ages["fixed"], key=lambda f: (-f["fixed_run"], f["asset_id"], f["control_id"]))[:limit]
    fixed_rows = "".join(f'<tr><td>{e(f["asset_id"])}</td><td>{e(f["control_id"])}</td><td>run '
                         f'#{e(f["first_seen_run"])}</td><td>run #{e(f["fixed_run"])}</td><td class="num">'
                         f'{e(duration_text(f["days_to_fix"]))}</td></tr>' for f in fixed)
    return (f'<section id="finding-age"><h2>Finding age and time to remediate</h2><p>Over {ages["runs"]} stored '
            f'runs: <b>{o["failing"]}</b> failing findings, <b>{o["older_than_30"]}</b> older than 30 days, '
            f'<b>{o["older_than_90"]}</b> older than 90 days; <b>{o["fixed"]}</b> fixed, median time to remediate '
            f'<b>{e(duration_text(o["median_days_to_fix"]))}</b>. Age counts from the first run that saw the '
            f'finding fail (docs/risk-method.md).</p><div class="row"><div><h3>by department</h3><table>{head}'
            f'<tbody>{_age_rows(ages["by_owner"])}</tbody></table></div><div><h3>by severity</h3><table>{head}'
            f'<tbody>{_age_rows(by_sev)}</tbody></table></div></div>'
            + (f'<h3>Oldest failing findings</h3><table><thead><tr><th>asset</th><th>control</th><th>severity</th>'
               f'<th>first seen failing</th><th class="num">age</th></tr></thead><tbody>{old_rows}</tbody></table>'
               if old_rows else "")
            + (f'<h3>Fixed</h3><table><thead><tr><th>asset</th><th>control</th><th>first seen failing</th>'
               f'<th>fixed in</th><th class="num">time to remediate</th></tr></thead><tbody>{fixed_rows}</tbody>'
               f'</table>' if fixed_rows else "")
            + "</section>")


def cai_change(cai: float | None, history: list[dict]) -> str:
    """``+2.5 since run #7``, or "" when there is no earlier run with a CAI."""
    if len(history) >= 2 and history[-2].get("cai") is not None and cai is not None:
        return f"{cai - history[-2]['cai']:+.1f} since run #{history[-2]['id']}"
    return ""


def summary_section(data: ReportInput, counts: dict[str, int], assets: list[dict]) -> str:
    """CAI and counts as cards, collection gaps, expired waivers, risks by rating, the trend."""
    results, assessment = data.results, data.assessment
    summary = results.get("summary") or {}
    cards = []
    if assessment:
        cai = assessment["cai"]["overall"].get("value")
        change = cai_change(cai, data.history)
        change = f'<span class="muted">{e(change)}</span>' if change else ""
        cards.append(f'<div class="card cai" id="cai">Compliance Adherence Index<b>{_cai_text(cai)}</b>{change}</div>')
    cards.append(f'<div class="card">assets<b>{e(summary.get("assets", len(assets)))}</b></div>')
    for st in ("fail", "error", "waived", "pass"):
        cards.append(f'<div class="card">{STATUS_LABEL[st]}<b style="color:{STATUS_COLOUR[st]}">{counts[st]}</b></div>')
    cards.append(f'<div class="card" title="controls that do not apply to the asset">{STATUS_LABEL["skip"]}'
                 f'<b class="muted">{counts["skip"]}</b></div>')
    out = ['<section id="summary"><h2>Summary</h2><div class="cards">' + "".join(cards) + "</div>"]
    incomplete = summary.get("incomplete_assets") or []
    if incomplete:
        out.append(f'<p class="err">Not (fully) collected: {e(", ".join(incomplete))}. Their missing facts are '
                   f'<b>error</b> findings, never passes.</p>')
    for w in (results.get("waivers") or {}).get("expired") or []:
        out.append(f'<p class="err">Waiver for {e(w.get("control"))} ({e(w.get("file", ""))}:{e(w.get("line", ""))}) '
                   f'expired on {e(w.get("expires"))} and no longer applies.</p>')
    if assessment:
        by_rating = assessment["summary"]["by_residual_rating"]
        colours = {b["rating"]: b["colour"] for b in assessment["config"]["legend"]}
        chips = " ".join(f"{_chip(k, colours.get(k, '#777'))} {v}" for k, v in by_rating.items())
        out.append(f"<p>Risks by residual rating: {chips}</p>")
    out.append(f"<h3>CAI trend</h3>{trend_svg(data.history)}</section>")
    return "".join(out)


def _by_residual(risks: list[dict]) -> list[dict]:
    return sorted(risks, key=lambda r: (-r["residual_score"], r["id"]))


def heatmap_section(assessment: dict) -> str:
    legend, risks = assessment["config"]["legend"], assessment.get("risks") or []
    return (f'<h2>Risk heat map</h2><div class="row">{heatmap_svg(risks, legend, "inherent")}'
            f'{heatmap_svg(risks, legend, "residual")}</div>{_legend(legend)}'
            f'<p class="muted">{e(assessment["config"]["residual_formula"])}, reduction '
            f'{e(assessment["config"]["reduction"])}; effectiveness is the severity-weighted pass share of '
            f'the risk\'s controls on in-scope assets (errors count as not effective).</p>')


def _evidence_summary(r: dict) -> str:
    c = r.get("counts") or {}
    return {"evidence": f"{c.get('pass', 0)} pass, {c.get('fail', 0)} fail, {c.get('error', 0)} error, "
                        f"{c.get('waived', 0)} waived",
            "no-evidence": "rated on inherent risk only: no control applied",
            "no-automated-evidence": "rated on inherent risk only, no device evidence"
            }.get(r.get("evidence_status"), r.get("evidence_status", ""))


def risk_table(risks: list[dict]) -> str:
    rows = ['<h2>Risks and their evidence</h2><table id="risk-table"><thead><tr><th>risk</th><th>owner</th>'
            '<th>inherent</th><th class="num">effectiveness</th><th>residual</th><th>evidence</th></tr>'
            '</thead><tbody>']
    for r in _by_residual(risks):
        rows.append(f'<tr class="risk" id="risk-{e(r["id"])}"><td><b>{e(r["id"])}</b> {e(r["title"])}</td>'
                    f'<td>{e(r.get("owner"))}</td><td>{e(r["likelihood"])}&times;{e(r["impact"])} = '
                    f'{_chip(str(r["inherent_score"]) + " " + r["inherent_rating"], r["inherent_colour"])}</td>'
                    f'<td class="num">{_pct(r.get("effectiveness"))}</td><td>'
                    f'{_chip(format(r["residual_score"], ".1f") + " " + r["residual_rating"], r["residual_colour"])}</td>'
                    f'<td>{e(_evidence_summary(r))}</td></tr>')
    rows.append("</tbody></table>")
    return "".join(rows)


def risk_details(r: dict, limit: int = 200) -> str:
    """One risk's statement, controls, failing findings with evidence, and remediation."""
    failing = r.get("failing") or []
    inner = [f'<p><b>Source:</b> {e(r.get("risk_source"))}. <b>Vulnerability:</b> {e(r.get("vulnerability"))}. '
             f'<b>Threat:</b> {e(r.get("threat"))}.</p><p class="muted">{e(r.get("rationale"))}</p>']
    if r.get("note"):
        inner.append(f"<p><i>{e(r['note'])}</i></p>")
    inner.append(f'<p>Controls: {e(", ".join(r.get("controls") or []) or "none")}</p>')
    if failing:
        inner.append("<table><thead><tr><th>asset</th><th>control</th><th>severity</th><th>what was seen</th>"
                     "<th>evidence</th></tr></thead><tbody>")
        for item in failing[:limit]:
            inner.append(f'<tr><td>{e(item["asset_id"])}</td><td>{e(item["control_id"])} '
                         f'{_status(item["status"])}</td><td class="sev sev-{e(item["severity"])}">'
                         f'{e(item["severity"])}</td><td>{e(item.get("message", ""))}</td>'
                         f'<td>{_evidence_html(item)}</td></tr>')
        inner.append("</tbody></table>")
        if len(failing) > limit:
            inner.append(f"<p class=\"muted\">... and {len(failing) - limit} more failing findings "
                         f"(see the findings below).</p>")
    for a in r.get("actions") or []:
        inner.append(f'<p><b>Remediation</b> for {e(a["control_id"])} ({e(a.get("title", ""))}) on '
                     f'{len(a.get("assets") or [])} asset(s): {e(a.get("remediation", ""))}</p>')
    return (f'<details class="risk-evidence"><summary>{e(r["id"])} {e(r["title"])} &mdash; '
            f'{len(failing)} failing</summary>{"".join(inner)}</details>')


def cai_breakdown_section(assessment: dict) -> str:
    out = ['<section id="cai-breakdown"><h2>CAI by breakdown</h2><div class="row">']
    for breakdown in ("framework", "kind", "site", "owner"):
        groups = (assessment["cai"].get("by") or {}).get(breakdown) or {}
        rows = "".join(f'<tr><td>{e(k)}</td><td class="num">{_cai_text(v.get("value"))}</td><td class="num">'
                       f'{v.get("pass", 0)}</td><td class="num">{v.get("fail", 0)}</td><td class="num">'
                       f'{v.get("error", 0)}</td></tr>' for k, v in groups.items())
        out.append(f'<div><h3>by {e(breakdown)}</h3><table><thead><tr><th>{e(breakdown)}</th><th class="num">CAI'
                   f'</th><th class="num">pass</th><th class="num">fail</th><th class="num">error</th></tr></thead>'
                   f'<tbody>{rows}</tbody></table></div>')
    out.append("</div></section>")
    return "".join(out)


def _filters(assets: list[dict], counts: dict[str, int]) -> str:
    kinds = sorted({a.get("kind") or "unknown" for a in assets})
    out = ['<div class="filters" id="filters"><fieldset><legend>severity</legend>']
    out += [f'<label><input type="checkbox" name="severity" value="{s}" checked> {s}</label>'
            for s in reversed(SEVERITIES)]
    out.append("</fieldset><fieldset><legend>status</legend>")
    out += [f'<label><input type="checkbox" name="status" value="{s}"{" checked" if s in DEFAULT_STATUSES else ""}>'
            f' {STATUS_LABEL[s]} ({counts[s]})</label>' for s in ("fail", "error", "waived", "pass")]
    out.append("</fieldset><fieldset><legend>kind</legend>")
    out += [f'<label><input type="checkbox" name="kind" value="{e(k)}" checked> {e(k)}</label>' for k in kinds]
    out.append('</fieldset> <span id="shown-count" class="muted"></span></div>')
    return "".join(out)


def _finding_row(f: dict, results: dict) -> str:
    c = control(results, f["control_id"])
    refs = frameworks_text(f.get("frameworks") or c.get("frameworks"))
    waiver = ""
    if f.get("waiver"):
        w = f["waiver"]
        waiver = (f'<div class="muted">waived until {e(w.get("expires"))} by {e(w.get("approver"))}: '
                  f'{e(w.get("justification"))}</div>')
    remediation = e(c.get("remediation", "")) if f["status"] != "pass" else ""
    return (f'<tr class="finding" data-status="{e(f["status"])}" data-severity="{e(f["severity"])}">'
            f'<td>{_status(f["status"])}</td><td class="sev sev-{e(f["severity"])}">{e(f["severity"])}</td>'
            f'<td><b>{e(f["control_id"])}</b><br>{e(f.get("title") or c.get("title", ""))}'
            f'<div class="muted">{e(refs)}</div></td><td>{e(f.get("message", ""))}{waiver}'
            f'{_evidence_html(f)}</td><td>{remediation}</td></tr>')


def _asset_section(a: dict, fs: list[dict], results: dict) -> str:
    n_fail = sum(f["status"] == "fail" for f in fs)
    n_err = sum(f["status"] == "error" for f in fs)
    errors = a.get("errors") or []
    meta = " &middot; ".join(e(x) for x in (a.get("kind"), a.get("platform"), a.get("address"), a.get("site"),
                                            a.get("owner")) if x)
    out = [f'<section class="asset" data-kind="{e(a.get("kind") or "unknown")}" '
           f'data-errors="{1 if errors else 0}" id="asset-{e(a["id"])}"><details{" open" if n_fail or n_err else ""}>'
           f'<summary>{e(a["id"])} <span class="muted">{meta}</span> &mdash; {n_fail} fail, {n_err} error, '
           f'{sum(f["status"] == "pass" for f in fs)} pass</summary>']
    for err in errors:
        out.append(f'<p class="err">collection error: {e(err.get("source"))}: {e(err.get("message"))}</p>')
    out.append('<table class="findings"><thead><tr><th>status</th><th>severity</th><th>control</th>'
               '<th>what was seen (evidence)</th><th>remediation</th></tr></thead><tbody>')
    out += [_finding_row(f, results) for f in fs]
    out.append('</tbody></table><p class="muted none-shown hidden">No finding matches the filters.</p>'
               '</details></section>')
    return "".join(out)


def findings_section(results: dict, assets: list[dict], by_asset: dict[str, list[dict]],
                     counts: dict[str, int]) -> str:
    """Every asset worst first, its findings worst first, behind the severity/status/kind filters."""
    def asset_key(a: dict):
        fs = by_asset.get(a["id"], [])
        worst = min((STATUS_RANK.get(f["status"], 9) for f in fs), default=9)
        return (worst, -sum(f["status"] == "fail" for f in fs), a["id"])

    out = ['<section id="findings"><h2>Findings by asset</h2>' + _filters(assets, counts)]
    for a in sorted(assets, key=asset_key):
        fs = sorted(by_asset.get(a["id"], []), key=lambda f: (STATUS_RANK.get(f["status"], 9),
                                                              -SEV_RANK.get(f["severity"], 0), f["control_id"]))
        out.append(_asset_section(a, fs, results))
    out.append("</section>")
    return "".join(out)


def findings_by_asset(results: dict) -> tuple[list[dict], dict[str, list[dict]]]:
    """The assets (plus any a finding names that the results do not list) and their findings."""
    assets = list(results.get("assets") or [])
    by_asset: dict[str, list[dict]] = defaultdict(list)
    for f in results.get("findings") or []:
        by_asset[f["asset_id"]].append(f)
    known = asset_index(results)
    for asset_id in by_asset:
        if asset_id not in known:
            known[asset_id] = {"id": asset_id, "kind": "unknown"}
            assets.append(known[asset_id])
    return assets, by_asset


def page(title: str, body: list[str], css: str = CSS, script: str | None = SCRIPT) -> str:
    """The HTML document around the sections; the CSP admits only the one inline script."""
    script_src = "'none'"
    if script:
        script_hash = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        script_src = f"'sha256-{script_hash}'"
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {script_src}; "
           "base-uri 'none'; form-action 'none'")
    head = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>{css}</style></head>\n<body>\n")
    parts = [head]
    for i, section in enumerate(body):   # one join: a fleet's page is 13 MB, each + copied it
        parts += ("\n", section) if i else (section,)
    parts.append((f"\n<script>{script}</script>" if script else "") + "\n</body></html>\n")
    return "".join(parts)


class HtmlReport(ReportFormat):
    name = "html"
    file_name = "report.html"

    def render(self, data: ReportInput) -> str:
        results, assessment = data.results, data.assessment
        run = results.get("run") or {}
        assets, by_asset = findings_by_asset(results)
        counts = counts_by_status(results)
        sections = [summary_section(data, counts, assets)]
        if assessment:
            risks = assessment.get("risks") or []
            sections.append('<section id="risks">' + heatmap_section(assessment) + risk_table(risks)
                            + "".join(risk_details(r) for r in _by_residual(risks)) + "</section>")
            sections.append(not_assessed_section(assessment))
            sections.append(cai_breakdown_section(assessment))
        weights = (assessment or {}).get("config", {}).get("weights") or dict(SEVERITY_WEIGHTS)
        sections += [failing_matrix_section(results), worst_assets_section(results, weights), age_section(data.ages),
                     findings_section(results, assets, by_asset, counts)]
        present = {anchor for anchor, _ in TOC if any(x.startswith(f'<section id="{anchor}"') for x in sections)}
        body = [header_html(run, data.history), toc_html(present), *[x for x in sections if x]]
        body.append(f'<footer class="muted"><p>Generated by controlcheck {e(__version__)}. This file is self-contained: '
                    'it loads nothing from the network.</p></footer>')
        return page(f"controlcheck report {run.get('id', '')}", body)
