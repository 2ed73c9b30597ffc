"""NIST OSCAL 1.1.3 assessment-results (JSON).

Mapping (validated against the official schema in tests/test_report_oscal.py):

- ``metadata``: title, last-modified (run end), version (the run id), oscal-version 1.1.3.
- ``import-ap``: the policy library is our assessment plan: ``#<uuid>`` of a back-matter
  resource listing each policy file with its sha256.
- one ``result`` per run: start/end, the CAI as a prop, ``local-definitions`` with the tool
  (a software component) and every asset (an inventory item with kind, platform, site,
  owner), ``reviewed-controls`` (every control of the run).
- ``observations``: one per listed finding (asset x control; not-applicable skips are not
  listed), method TEST, the asset as subject, the finding's sentence as description and
  ``relevant-evidence`` pointing at a back-matter resource per raw evidence file, with the
  evidence id, source and sha256 in props (and in the resource's rlink hashes).
- ``findings``: one per control: satisfied when every asset passes, else not-satisfied
  (reason fail, or other for undetermined/waived), with its observations and the risks
  the control mitigates.
- ``risks``: the risk register as assessed: statement, likelihood/impact/scores in
  characterization facets, ratings in props, the observations of its failing findings.

UUIDs are uuid5 over the run id and the object's name, so one run always gives the same
document."""

from __future__ import annotations

import hashlib
import json
import uuid
from json.encoder import encode_basestring as _q     # a JSON string, non-ASCII kept (the C one)
from urllib.parse import quote

from .. import __version__
from ._shared import iso_z, sorted_findings
from .base import ReportFormat, ReportInput

OSCAL_VERSION = "1.1.3"
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
NS = "urn:controlcheck:oscal"
_NS_TEXT = json.dumps(NS)
_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "urn:controlcheck:oscal")


def _s(value: object, default: str = "(none)") -> str:
    """An OSCAL StringDatatype: one line, no leading/trailing whitespace, not empty."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text or default


def _token(value: object) -> str:
    """An OSCAL TokenDatatype (an XML NCName): letters, digits, ``.-_``; starts with a letter or _."""
    text = "".join(ch if ch.isalpha() or ch.isdigit() or ch in ".-_" else "_" for ch in str(value))
    if not text or not (text[0].isalpha() or text[0] == "_"):
        text = "_" + text
    return text


def _prop(name: str, value: object, **extra) -> dict:
    return {"name": name, "ns": NS, "value": _s(value), **extra}


class _Ids:
    """``str(uuid.uuid5(base, name))`` for the run's base, computed from the SHA-1 directly:
    20,000 uuid.UUID objects built only to be formatted were a tenth of a fleet's document."""

    def __init__(self, run_id: str):
        self.base = uuid.uuid5(_ROOT, run_id).bytes

    def __call__(self, *parts: object) -> str:
        digest = bytearray(hashlib.sha1(self.base + "\x1f".join(map(str, parts)).encode(),
                                        usedforsecurity=False).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50     # version 5
        digest[8] = (digest[8] & 0x3F) | 0x80     # RFC 4122 variant
        h = digest.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _assessment_plan(run: dict, ids: _Ids) -> dict:
    """The back-matter resource standing for the assessment plan: the policy files with their sha256."""
    plan = {"uuid": ids("resource", "assessment-plan"),
            "title": "controlcheck policy library (the assessment plan of this run)",
            "description": "Declarative YAML policies mapping collected device facts to controls; each file "
                           "used by the run is listed with its sha256."}
    rlinks = [{"href": quote(i["path"]), "media-type": "application/yaml",
               "hashes": [{"algorithm": "SHA-256", "value": i["sha256"]}]}
              for i in run.get("inputs") or [] if i.get("kind") == "policy" and i.get("path") and i.get("sha256")]
    if rlinks:
        plan["rlinks"] = rlinks
    return plan


def _inventory_item(asset: dict, item_uuid: str) -> dict:
    props = [_prop("asset-id", asset["id"])]
    props += [_prop(k, asset[k]) for k in ("kind", "platform", "site", "owner", "address") if asset.get(k)]
    props += [_prop("facts-sha256", asset["facts_sha256"])] if asset.get("facts_sha256") else []
    if asset.get("errors"):
        props.append(_prop("collection-errors", len(asset["errors"])))
    return {"uuid": item_uuid, "description": f"{asset.get('kind', 'asset')} {asset['id']}", "props": props}


def _evidence_resource(asset_id: str, ev: dict, res_uuid: str) -> dict:
    """A back-matter resource for one raw evidence file, linked with its sha256."""
    res = {"uuid": res_uuid, "title": _s(f"{asset_id}: {ev.get('source') or ev.get('id')}"),
           "props": [_prop("asset-id", asset_id), _prop("evidence-id", ev.get("id")), _prop("source", ev.get("source"))]}
    if ev.get("sha256"):
        res["props"].append(_prop("sha256", ev["sha256"]))
    if ev.get("path"):
        link = {"href": quote(ev["path"]), "media-type": "text/plain"}
        if ev.get("sha256"):
            link["hashes"] = [{"algorithm": "SHA-256", "value": ev["sha256"]}]
        res["rlinks"] = [link]
    return res


def _relevant_evidence(ev: dict, asset_id: str, res_uuid: str) -> dict:
    props = [_prop("evidence-id", ev.get("id")), _prop("source", ev.get("source"))]
    if ev.get("sha256"):
        props.append(_prop("sha256", ev["sha256"]))
    for i, line in enumerate((ev.get("lines") or [])[:20]):
        props.append(_prop("decisive-line", line, group=f"line{i}"))
    return {"href": f"#{res_uuid}", "description": f"{ev.get('source') or ev.get('id')} as collected from {asset_id}",
            "props": props}


class _ObservationTexts:
    """Each observation's compact JSON, written as text: what ``json.dumps`` of the dicts of
    ``_Document.add_observations`` gives, byte for byte (tests/test_report_oscal_sarif.py
    holds the two equal), in about half the time. The parts that recur (an asset's props
    and subject, a control's, a status's) are made once."""

    def __init__(self, doc: _Document):
        self.doc = doc
        self.props: dict[tuple[str, str], str] = {}
        self.subjects: dict[str, str] = {}
        self.constant = (',"methods":["TEST"],"types":["control-objective"],"origins":'
                         + _COMPACT.encode(doc.origin))

    def prop(self, name: str, value: object, group: str | None = None) -> str:
        key = (name, value) if type(value) is str and group is None else None
        text = self.props.get(key) if key else None
        if text is None:
            text = '{"name":' + _q(name) + ',"ns":' + _NS_TEXT + ',"value":' + _q(_s(value)) + (
                ',"group":' + _q(group) if group is not None else "") + "}"
            if key:
                if len(self.props) > 20_000:
                    self.props.clear()
                self.props[key] = text
        return text

    def observation(self, f: dict, obs_uuid: str, subject: str, collected: str) -> str:
        asset_id, cid = f["asset_id"], f["control_id"]
        prop = self.prop
        subjects = self.subjects.get(asset_id)
        if subjects is None:
            subjects = self.subjects[asset_id] = (',"subjects":[{"subject-uuid":' + _q(subject)
                                                  + ',"type":"inventory-item","title":' + _q(_s(asset_id)) + "}]")
        parts = ['{"uuid":', _q(obs_uuid), ',"title":', _q(_s(f"{cid} on {asset_id}")), ',"description":',
                 _q(f.get("message") or f"{cid}: {f['status']}"), ',"props":[', prop("asset-id", asset_id), ",",
                 prop("control-id", cid), ",", prop("status", f["status"]), ",", prop("severity", f["severity"]),
                 "]", self.constant, subjects, ',"collected":', _q(collected)]
        if f.get("waiver"):
            w = f["waiver"]
            parts += (',"remarks":', _q(f"Waived until {w.get('expires')} by {w.get('approver')}: "
                                        f"{w.get('justification')}"))
        evidence = f.get("evidence") or []
        if evidence:
            links = []
            for ev in evidence:
                res_uuid = self.doc.evidence_resource(asset_id, ev)
                props = [prop("evidence-id", ev.get("id")), prop("source", ev.get("source"))]
                if ev.get("sha256"):
                    props.append(prop("sha256", ev["sha256"]))
                for i, line in enumerate((ev.get("lines") or [])[:20]):
                    props.append(prop("decisive-line", line, group=f"line{i}"))
                links.append('{"href":' + _q(f"#{res_uuid}") + ',"description":'
                             + _q(f"{ev.get('source') or ev.get('id')} as collected from {asset_id}")
                             + ',"props":[' + ",".join(props) + "]}")
            parts += (',"relevant-evidence":[', ",".join(links), "]")
        parts.append("}")
        return "".join(parts)


class _Document:
    """The parts of one assessment-results document, filled step by step by ``build_oscal``;
    with ``as_text``, each observation is kept as its JSON text rather than its dicts."""

    def __init__(self, results: dict, as_text: bool = False):
        self.results = results
        self.as_text = as_text
        self.run = results.get("run") or {}
        self.run_id = str(self.run.get("id") or "run")
        self.ids = _Ids(self.run_id)
        self.start = iso_z(self.run.get("started_at"), "1970-01-01T00:00:00Z")
        self.end = iso_z(self.run.get("finished_at"), self.start)
        self.tool_uuid = self.ids("component", "controlcheck")
        self.origin = [{"actors": [{"type": "tool", "actor-uuid": self.tool_uuid}]}]
        self.assets = results.get("assets") or []
        self.controls = results.get("controls") or {}
        self.plan = _assessment_plan(self.run, self.ids)
        self.resources: list[dict] = [self.plan]
        self.item_uuid = {a["id"]: self.ids("inventory-item", a["id"]) for a in self.assets}
        self.inventory = [_inventory_item(a, self.item_uuid[a["id"]]) for a in self.assets]
        self.evidence_uuid: dict[tuple[str, str], str] = {}
        self.observations: list = []
        self.obs_by_control: dict[str, list[tuple[dict, str]]] = {}
        self.obs_by_pair: dict[tuple[str, str], str] = {}
        self.risks: list[dict] = []
        self.risk_uuids_by_control: dict[str, list[str]] = {}
        self.findings: list[dict] = []

    def _subject_uuid(self, asset_id: str) -> str:
        if asset_id not in self.item_uuid:  # a finding for an asset the results do not list
            self.item_uuid[asset_id] = self.ids("inventory-item", asset_id)
            self.inventory.append({"uuid": self.item_uuid[asset_id], "description": f"asset {asset_id}",
                                   "props": [_prop("asset-id", asset_id)]})
        return self.item_uuid[asset_id]

    def evidence_resource(self, asset_id: str, ev: dict) -> str:
        """The uuid of the back-matter resource of ``asset_id``'s evidence ``ev``, made at first sight."""
        key = (asset_id, str(ev.get("id")))
        res_uuid = self.evidence_uuid.get(key)
        if res_uuid is None:
            res_uuid = self.evidence_uuid[key] = self.ids("evidence", *key)
            self.resources.append(_evidence_resource(asset_id, ev, res_uuid))
        return res_uuid

    def _evidence_links(self, asset_id: str, finding: dict) -> list[dict]:
        return [_relevant_evidence(ev, asset_id, self.evidence_resource(asset_id, ev))
                for ev in finding.get("evidence") or []]

    def add_observations(self) -> None:
        """One observation per listed finding (not-applicable skips are not listed)."""
        collected_at = {a["id"]: iso_z(a.get("collected_at"), self.start) for a in self.assets}   # once per asset
        texts = _ObservationTexts(self) if self.as_text else None
        for f in sorted_findings(self.results):
            if f["status"] == "skip":
                continue
            asset_id, cid = f["asset_id"], f["control_id"]
            subject = self._subject_uuid(asset_id)
            obs_uuid = self.ids("observation", asset_id, cid)
            if texts is not None:
                self.observations.append(texts.observation(f, obs_uuid, subject,
                                                           collected_at.get(asset_id, self.start)))
                self.obs_by_control.setdefault(cid, []).append((f, obs_uuid))
                self.obs_by_pair[(asset_id, cid)] = obs_uuid
                continue
            obs = {"uuid": obs_uuid, "title": _s(f"{cid} on {asset_id}"),
                   "description": f.get("message") or f"{cid}: {f['status']}",
                   "props": [_prop("asset-id", asset_id), _prop("control-id", cid), _prop("status", f["status"]),
                             _prop("severity", f["severity"])],
                   "methods": ["TEST"], "types": ["control-objective"], "origins": self.origin,
                   "subjects": [{"subject-uuid": subject, "type": "inventory-item", "title": _s(asset_id)}],
                   "collected": collected_at.get(asset_id, self.start)}
            if f.get("waiver"):
                w = f["waiver"]
                obs["remarks"] = f"Waived until {w.get('expires')} by {w.get('approver')}: {w.get('justification')}"
            evidence = self._evidence_links(asset_id, f)
            if evidence:
                obs["relevant-evidence"] = evidence
            self.observations.append(obs)
            self.obs_by_control.setdefault(cid, []).append((f, obs_uuid))
            self.obs_by_pair[(asset_id, cid)] = obs_uuid

    def add_risks(self, assessment: dict) -> None:
        """The register as assessed; a risk not assessed in this audit has no rating to state."""
        for r in assessment.get("risks") or []:
            if r.get("evidence_status") == "not-assessed":
                continue
            r_uuid = self.ids("risk", r["id"])
            for cid in r.get("controls") or []:
                self.risk_uuids_by_control.setdefault(cid, []).append(r_uuid)
            risk = _risk(r, r_uuid, self.origin)
            related, seen = [], set()
            for item in r.get("failing") or []:
                o = self.obs_by_pair.get((item["asset_id"], item["control_id"]))
                if o and o not in seen:       # a set: thousands of failing findings per risk at fleet scale
                    seen.add(o)
                    related.append({"observation-uuid": o})
            if related:
                risk["related-observations"] = related
            self.risks.append(risk)

    def add_findings(self) -> None:
        """One finding per control: satisfied when every assessed asset passes."""
        for cid in sorted(self.obs_by_control):
            finding = _control_finding(cid, self.controls.get(cid) or {}, self.obs_by_control[cid], self.ids,
                                       self.origin)
            related_risks = self.risk_uuids_by_control.get(cid)
            if related_risks:
                finding["related-risks"] = [{"risk-uuid": u} for u in related_risks]
            self.findings.append(finding)

    def result(self, assessment: dict | None) -> dict:
        run, controls = self.run, self.controls
        result = {"uuid": self.ids("result"), "title": _s(f"controlcheck run {self.run_id}"),
                  "description": f"Automated configuration audit of {len(self.assets)} assets against "
                                 f"{len(controls)} controls (controlcheck {__version__}).",
                  "start": self.start, "end": self.end,
                  "local-definitions": {"components": [{
                      "uuid": self.tool_uuid, "type": "software", "title": "controlcheck",
                      "description": "Policy-as-code compliance and control checker for contact-centre hardware.",
                      "props": [_prop("version", (run.get("tool") or {}).get("version", __version__))],
                      "status": {"state": "operational"}}]},
                  "reviewed-controls": {"control-selections": [
                      {"include-controls": [{"control-id": _token(cid)} for cid in sorted(controls)]}
                      if controls else {"include-all": {}}]}}
        if self.inventory:
            result["local-definitions"]["inventory-items"] = self.inventory
        if assessment:
            cai = assessment["cai"]["overall"].get("value")
            result["props"] = [_prop("compliance-adherence-index", "n/a" if cai is None else f"{cai:.1f}")]
        for key, items in (("observations", self.observations), ("risks", self.risks), ("findings", self.findings)):
            if items:
                result[key] = items
        return result


def _risk(r: dict, r_uuid: str, origin: list[dict]) -> dict:
    facets = [{"name": name, "system": NS, "value": _s(value)} for name, value in (
        ("likelihood", r["likelihood"]), ("impact", r["impact"]), ("inherent-score", r["inherent_score"]),
        ("inherent-rating", r["inherent_rating"]), ("residual-likelihood", r.get("residual_likelihood")),
        ("residual-score", r["residual_score"]), ("residual-rating", r["residual_rating"]))]
    eff = r.get("effectiveness")
    return {"uuid": r_uuid, "title": _s(f"{r['id']} {r['title']}"),
            "description": f"Vulnerability: {r.get('vulnerability', '')}\nThreat: {r.get('threat', '')}\n"
                           f"Rationale: {r.get('rationale', '')}",
            "statement": f"{r.get('risk_source', '')} exploiting: {r.get('vulnerability', '')}. "
                         f"Consequence: {r.get('threat', '')}. Control effectiveness "
                         f"{'n/a' if eff is None else f'{100 * eff:.1f}%'}; residual {r['residual_score']} "
                         f"({r['residual_rating']}). {r.get('note') or ''}".strip(),
            "props": [_prop("risk-id", r["id"]), _prop("owner", r.get("owner")),
                      _prop("asset-class", r.get("asset_class")),
                      _prop("evidence-status", r.get("evidence_status")),
                      _prop("effectiveness", "n/a" if eff is None else f"{eff:.4f}")],
            "status": "open",
            "characterizations": [{"origin": origin[0], "facets": facets}]}


def _control_finding(cid: str, c: dict, items: list[tuple[dict, str]], ids: _Ids, origin: list[dict]) -> dict:
    statuses = [f["status"] for f, _ in items]
    failing = sorted({f["asset_id"] for f, _ in items if f["status"] == "fail"})
    errors = sorted({f["asset_id"] for f, _ in items if f["status"] == "error"})
    waived = sorted({f["asset_id"] for f, _ in items if f["status"] == "waived"})
    if failing:
        state, reason = "not-satisfied", "fail"
    elif errors or waived:
        state, reason = "not-satisfied", "other"
    else:
        state, reason = "satisfied", "pass"
    desc = [f"{statuses.count('pass')} of {len(items)} assessed assets pass."]
    if failing:
        desc.append(f"Failing: {', '.join(failing)}.")
    if errors:
        desc.append(f"Not determined (facts not collected): {', '.join(errors)}.")
    if waived:
        desc.append(f"Waived: {', '.join(waived)}.")
    if c.get("remediation") and (failing or errors):
        desc.append(f"Remediation: {c['remediation']}")
    first = items[0][0]
    props = [_prop("control-id", cid), _prop("severity", c.get("severity") or first["severity"])]
    for fw, refs in sorted((c.get("frameworks") or first.get("frameworks") or {}).items()):
        for ref in refs:
            props.append(_prop("framework-reference", f"{fw} {ref}", **{"class": _token(fw)}))
    return {"uuid": ids("finding", cid), "title": _s(f"{cid} {c.get('title') or first.get('title') or ''}"),
            "description": " ".join(desc), "props": props, "origins": origin,
            "target": {"type": "objective-id", "target-id": _token(cid), "title": _s(c.get("title") or cid),
                       "status": {"state": state, "reason": reason}},
            "related-observations": [{"observation-uuid": o} for _, o in items]}


def build_oscal(results: dict, assessment: dict | None = None, as_text: bool = False) -> dict:
    """The assessment-results document: observations, then risks (which point at them), then
    one finding per control (which points at both). With ``as_text``, the observations are
    their JSON texts (``OscalReport.render`` splices them in)."""
    doc = _Document(results, as_text)
    doc.add_observations()
    if assessment:
        doc.add_risks(assessment)
    doc.add_findings()
    return {"assessment-results": {
        "uuid": doc.ids("assessment-results"),
        "metadata": {"title": _s(f"controlcheck assessment results, run {doc.run_id}"), "last-modified": doc.end,
                     "version": _s(doc.run_id), "oscal-version": OSCAL_VERSION},
        "import-ap": {"href": f"#{doc.plan['uuid']}",
                      "remarks": "No separate OSCAL assessment plan: the policy library of the run is the plan."},
        "results": [doc.result(assessment)],
        "back-matter": {"resources": doc.resources}}}


class OscalReport(ReportFormat):
    name = "oscal"
    file_name = "assessment-results.oscal.json"

    def render(self, data: ReportInput) -> str:
        # compact: indentation makes json use its pure-Python encoder, 3x slower on a 40 MB document.
        # Each observation is encoded as it is made and the texts spliced into the document's:
        # its dicts (half the peak memory of the report stage at 1,000 assets) never pile up.
        doc = build_oscal(data.results, data.assessment, as_text=True)
        result = doc["assessment-results"]["results"][0]
        observations = result.get("observations")
        if not observations:
            return _COMPACT.encode(doc) + "\n"
        token = f"observations-{uuid.uuid4().hex}"       # a device string cannot guess it
        result["observations"] = token                    # in its place among the keys
        head, tail = _COMPACT.encode(doc).split(f'"{token}"')
        parts = [head, "["]
        for text in observations:
            parts += (text, ",")
        parts[-1] = "]"
        parts.append(tail + "\n")
        del observations, doc, result
        return "".join(parts)
