"""Load and validate the hardware risk register (risks/hardware.yaml or a user's file)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from ..yamlio import line_of, load_yaml, validate
from .scoring import make_config, plain


def builtin_register_path() -> Path:
    """The default register shipped in the wheel (``risks/hardware.yaml`` in the repository)."""
    return Path(str(resources.files("controlcheck.risks").joinpath("hardware.yaml")))


def builtin_control_ids() -> set[str]:
    # Imported here: the risk package reads the policy library only to check references.
    from ..checks import load_policies

    return {c.id for c in load_policies(None).controls}


def load_register(path: str | Path | None = None, known_controls: Iterable[str] | None = None) -> dict:
    """The register as plain data: ``{"file", "risks": [...], "method": {...}, "config": {...}}``.

    A file with ``extends: builtin`` adds its risks to the built-in register (same id:
    replaced) instead of replacing it.

    ``known_controls``: the control ids a risk may name (default: the built-in policy
    library). An unknown id, a duplicate risk id or an automated risk without controls
    is an InputError naming the file and line (exit 2)."""
    path = Path(path) if path is not None else builtin_register_path()
    file = str(path)
    data = load_yaml(path)
    if data is None:
        raise InputError("empty risk register, expected 'risks:'", file=file)
    validate(data, "risk_register", file)
    known = set(known_controls) if known_controls is not None else builtin_control_ids()
    seen: dict[str, int | None] = {}
    risks = []
    for i, raw in enumerate(data["risks"]):
        rid = raw["id"]
        line = line_of(data, ["risks", i])
        if rid in seen:
            raise InputError(f"risk {rid}: defined twice (first on line {seen[rid]})", file=file,
                             line=line_of(data, ["risks", i, "id"]))
        seen[rid] = line
        automated = raw.get("automated_evidence", True)
        controls = list(raw["controls"])
        if automated and not controls:
            raise InputError(f"risk {rid}: no controls; name its current controls or mark it "
                             "'automated_evidence: false'", file=file, line=line_of(data, ["risks", i, "controls"]))
        for j, cid in enumerate(controls):
            if cid not in known:
                raise InputError(f"risk {rid}: unknown control id {cid!r} (not in the policy library)",
                                 file=file, line=line_of(data, ["risks", i, "controls", j]) or line)
        if len(set(controls)) != len(controls):
            raise InputError(f"risk {rid}: a control is listed twice", file=file,
                             line=line_of(data, ["risks", i, "controls"]))
        risk = plain(raw)
        risk["automated_evidence"] = automated
        risk["controls"] = controls
        risk["source"] = {"file": file, "line": line}
        risks.append(risk)
    method = plain(data.get("method") or {})
    if data.get("extends") == "builtin":
        # extend: the built-in risks stay, a risk with the same id is replaced by this file's
        base = load_register(None, known_controls=known)
        mine = {r["id"] for r in risks}
        risks = [r for r in base["risks"] if r["id"] not in mine] + risks
        method = {**base["method"], **method}
    elif not risks:
        raise InputError("no risks (to add risks to the built-in register, write 'extends: builtin')",
                         file=file, line=line_of(data, ["risks"]))
    return {"file": file, "risks": risks, "method": method, "config": make_config(method, file)}
