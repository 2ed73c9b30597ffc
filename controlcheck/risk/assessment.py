"""Findings become current-control evidence for each risk of the register."""

from __future__ import annotations

from collections import defaultdict

from pathlib import Path

from ..vocabulary import COUNTED_STATUSES, SEVERITY_RANK
from .cai import compute_cai, failing_by_severity
from .register import builtin_control_ids, load_register
from .scoring import effectiveness, make_config, rating_for, residual


def _control_meta(control_id: str, results: dict, policy_set) -> dict:
    meta = (results.get("controls") or {}).get(control_id)
    if meta:
        return meta
    if policy_set is not None:
        control = policy_set.get(control_id)
        if control is not None:
            return control.to_dict()
    return {"id": control_id, "title": control_id, "remediation": "", "severity": "info"}


def _evidence_refs(finding: dict) -> list[dict]:
    refs = []
    for ev in finding.get("evidence") or []:
        ref = {"source": ev.get("source") or ev.get("id")}
        if ev.get("lines"):
            ref["lines"] = list(ev["lines"])[:5]
        refs.append(ref)
    return refs


def assess_risk(risk: dict, findings_by_control: dict[str, list[dict]], assets: dict[str, dict],
                results: dict, config: dict, policy_set=None) -> dict:
    legend, weights = config["legend"], config["weights"]
    inherent = risk["likelihood"] * risk["impact"]
    kinds = set(risk["kinds"])
    by_sev: dict[str, dict[str, int]] = defaultdict(lambda: {s: 0 for s in COUNTED_STATUSES})
    counts = {"pass": 0, "fail": 0, "error": 0, "waived": 0}
    failing, in_scope = [], set()
    for cid in risk["controls"]:
        for f in findings_by_control.get(cid, ()):
            asset = assets.get(f["asset_id"], {})
            if asset.get("kind") not in kinds:
                continue  # a shared control (e.g. HOST-FW-001) speaks for this risk only on its asset kinds
            status = f["status"]
            if status not in counts:
                continue  # skip: not applicable to this asset
            counts[status] += 1
            in_scope.add(f["asset_id"])
            if status == "waived":
                continue
            by_sev[f["severity"]][status] += 1
            if status in ("fail", "error"):
                failing.append({"asset_id": f["asset_id"], "control_id": cid, "status": status,
                                "severity": f["severity"], "message": f.get("message", ""),
                                "evidence": _evidence_refs(f)})
    failing.sort(key=lambda x: (-SEVERITY_RANK.get(x["severity"], 0), x["control_id"], x["asset_id"]))
    scope = sorted(a for a, meta in assets.items() if meta.get("kind") in kinds)

    if not risk["automated_evidence"]:
        eff, status = None, "no-automated-evidence"
        note = ("Rated on inherent risk only, no device evidence: no collector can evidence this risk, so it "
                "must be evidenced by hand and its residual score stays at the inherent score.")
    else:
        eff = effectiveness(dict(by_sev), weights)
        status = "evidence" if eff is not None else "no-evidence"
        if eff is not None:
            note = ""
        elif counts["waived"]:
            note = "Every in-scope finding is waived: no current evidence (residual = inherent)."
        else:
            note = ("Rated on inherent risk only, no device evidence: none of its controls applied to the "
                    "assets of this audit (residual = inherent).")
    res = round(residual(inherent, eff, config["reduction"]), 1)
    inherent_band, residual_band = rating_for(inherent, legend), rating_for(res, legend)

    actions: dict[str, dict] = {}
    for item in failing:
        cid = item["control_id"]
        if cid not in actions:
            meta = _control_meta(cid, results, policy_set)
            actions[cid] = {"control_id": cid, "title": meta.get("title", cid), "severity": item["severity"],
                            "remediation": meta.get("remediation", ""), "assets": [], "sites": []}
        if item["asset_id"] not in actions[cid]["assets"]:
            actions[cid]["assets"].append(item["asset_id"])
        site = assets.get(item["asset_id"], {}).get("site")
        if site and site not in actions[cid]["sites"]:
            actions[cid]["sites"].append(site)

    return {
        "id": risk["id"], "title": risk["title"], "asset_class": risk["asset_class"], "kinds": list(risk["kinds"]),
        "owner": risk["owner"], "risk_source": risk["risk_source"], "vulnerability": risk["vulnerability"],
        "threat": risk["threat"], "likelihood": risk["likelihood"], "impact": risk["impact"],
        "rationale": risk["rationale"],
        "inherent_score": inherent, "inherent_rating": inherent_band["rating"],
        "inherent_colour": inherent_band["colour"],
        "controls": list(risk["controls"]), "automated_evidence": risk["automated_evidence"],
        "evidence_status": status, "note": note,
        "effectiveness": round(eff, 4) if eff is not None else None,
        "residual_score": res, "residual_rating": residual_band["rating"], "residual_colour": residual_band["colour"],
        # for heat maps: controls act on likelihood, so the residual sits at the same impact
        # and the likelihood that gives the residual score (continuous, not a grid cell)
        "residual_likelihood": round(res / risk["impact"], 2),
        "counts": counts, "failing": failing, "actions": list(actions.values()),
        "assets": sorted(in_scope),
        # every asset of the risk's classes in this audit, evidenced or not, and their sites
        "scope_assets": scope,
        "sites": sorted({assets[a].get("site") for a in scope if assets[a].get("site")}),
    }


def not_assessed_entry(risk: dict) -> dict:
    """A register risk with no in-scope asset of its classes: listed apart, never rated."""
    classes = ", ".join(risk["kinds"])
    return {"id": risk["id"], "title": risk["title"], "asset_class": risk["asset_class"],
            "kinds": list(risk["kinds"]), "owner": risk["owner"], "evidence_status": "not-assessed",
            "reason": f"not assessed: no asset of class {classes} in this audit"}


def assess(results: dict, register: dict, policy_set=None, config: dict | None = None) -> dict:
    """The assessment of a results document (docs/results.md) against a register
    (``load_register``). ``config`` overrides the register's method (docs/risk-method.md)."""
    if config is None:
        config = register.get("config") or make_config(register.get("method"))
    else:
        config = make_config({**(register.get("method") or {}), **config})
    assets = {a["id"]: a for a in results.get("assets") or []}
    findings_by_control: dict[str, list[dict]] = defaultdict(list)
    for f in results.get("findings") or []:
        findings_by_control[f["control_id"]].append(f)
    kinds_present = {a.get("kind") for a in assets.values()}
    risks, not_assessed = [], []
    for r in register["risks"]:
        if kinds_present.isdisjoint(r["kinds"]):
            not_assessed.append(not_assessed_entry(r))
        else:
            risks.append(assess_risk(r, findings_by_control, assets, results, config, policy_set))
    by_rating = {b["rating"]: 0 for b in config["legend"]}
    for r in risks:
        by_rating[r["residual_rating"]] += 1
    run = results.get("run") or {}
    return {
        "config": config,
        "run": {"id": run.get("id"), "finished_at": run.get("finished_at")},
        "register": register.get("file"),
        "risks": risks,
        "not_assessed": not_assessed,
        "cai": compute_cai(results, config["weights"]),
        "failing_by_severity": failing_by_severity(results, "fail"),
        "errors_by_severity": failing_by_severity(results, "error"),
        "summary": {"risks": len(risks), "by_residual_rating": by_rating,
                    "no_evidence": [r["id"] for r in risks if r["evidence_status"] != "evidence"],
                    "not_assessed": [r["id"] for r in not_assessed]},
    }


def assess_results(results: dict, risks_path: str | Path | None = None) -> dict:
    """The assessment of a results document against a risk register (default: the built-in
    one). A user's register may name controls of their own policies: those are in the results."""
    known = builtin_control_ids() | set(results.get("controls") or {})
    return assess(results, load_register(risks_path, known_controls=known))
