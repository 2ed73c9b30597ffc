"""Plain-text tables of an assessment for the terminal (the JSON form is the assessment itself)."""

from __future__ import annotations


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def risks_table(assessment: dict) -> str:
    rows = []
    for r in assessment["risks"]:
        evidence = {"evidence": "", "no-evidence": "inherent only: no control applied",
                    "no-automated-evidence": "inherent only: no device evidence"}[r["evidence_status"]]
        c = r["counts"]
        rows.append([r["id"], r["owner"], f"{r['likelihood']}x{r['impact']}={r['inherent_score']}", r["inherent_rating"],
                     _pct(r["effectiveness"]), f"{r['residual_score']:.1f}", r["residual_rating"],
                     f"{c['pass']}/{c['fail']}/{c['error']}/{c['waived']}", evidence])
    config = assessment["config"]
    lines = _table(["RISK", "OWNER", "INHERENT", "RATING", "EFFECTIVE", "RESIDUAL", "RATING", "P/F/E/W", "NOTE"],
                   rows, right={4, 5})
    by = ", ".join(f"{k} {v}" for k, v in assessment["summary"]["by_residual_rating"].items())
    lines += ["", f"{len(rows)} risks assessed; residual ratings: {by}",
              f"method: {config['residual_formula']}, reduction {config['reduction']}; "
              f"effectiveness = severity-weighted pass share (weights {_weights(config)}); "
              "P/F/E/W = pass/fail/error/waived findings"]
    apart = assessment.get("not_assessed") or []
    if apart:
        lines += ["", f"{len(apart)} risks not assessed (no rating, no treatment request):"]
        lines += [f"  {r['id']:<12} {r['owner']:<11} {r['reason']}" for r in apart]
    return "\n".join(lines) + "\n"


def _weights(config: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in config["weights"].items())


def _cai_row(name: str, t: dict) -> list[str]:
    value = "n/a" if t["value"] is None else f"{t['value']:.1f}"
    return [name, value, str(t["pass"]), str(t["fail"]), str(t["error"]), str(t["waived"]), str(t["skip"]),
            f"{t['weighted_pass']:g}/{t['weighted_total']:g}"]


def cai_table(assessment: dict, by: str | None = None) -> str:
    cai = assessment["cai"]
    headers = ["SCOPE" if not by else by.upper(), "CAI", "PASS", "FAIL", "ERROR", "WAIVED", "SKIP", "WEIGHTED"]
    rows = [_cai_row("overall", cai["overall"])]
    if by:
        rows += [_cai_row(name, t) for name, t in cai["by"][by].items()]
    lines = _table(headers, rows, right={1, 2, 3, 4, 5, 6})
    fails = ", ".join(f"{k} {v}" for k, v in reversed(list(assessment["failing_by_severity"].items())))
    errors = ", ".join(f"{k} {v}" for k, v in reversed(list(assessment["errors_by_severity"].items())))
    lines += ["", "CAI = 100 x sum(w x pass) / sum(w x (pass + fail + error)); weights " + _weights(assessment["config"])
              + "; waived and skipped are shown beside it, not in it",
              f"failing findings by severity: {fails}", f"error findings by severity: {errors}"]
    return "\n".join(lines) + "\n"
