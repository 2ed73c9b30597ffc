"""Waivers: a failing control accepted on some assets, with an approver and an expiry date."""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..yamlio import line_of, load_yaml, validate


@dataclass
class Waiver:
    control: str
    selector: dict
    justification: str
    approver: str
    expires: dt.date
    ticket: str | None = None
    file: str = ""
    line: int | None = None
    used: int = field(default=0, compare=False)

    def matches(self, control_id: str, asset: dict) -> bool:
        if not fnmatch.fnmatchcase(control_id, self.control):
            return False
        s = self.selector
        if s.get("all"):
            return True
        if "ids" in s and not any(fnmatch.fnmatchcase(asset.get("id", ""), p) for p in s["ids"]):
            return False
        if "kinds" in s and asset.get("kind") not in s["kinds"]:
            return False
        if "sites" in s and asset.get("site") not in s["sites"]:
            return False
        if "tags" in s and not set(s["tags"]) & set(asset.get("tags") or ()):
            return False
        return True

    def expired(self, today: dt.date) -> bool:
        return self.expires < today

    def to_dict(self) -> dict:
        out = {"control": self.control, "selector": dict(self.selector), "justification": self.justification,
               "approver": self.approver, "expires": self.expires.isoformat(), "file": self.file, "line": self.line}
        if self.ticket:
            out["ticket"] = self.ticket
        return out


def load_waivers(path: str | Path) -> list[Waiver]:
    path = Path(path)
    data = load_yaml(path)
    if data is None:
        raise InputError("empty waivers file, expected 'waivers:'", file=str(path))
    # YAML reads 2027-01-31 as a date; the schema speaks of strings
    for item in data.get("waivers") or [] if isinstance(data, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("expires"), dt.date):
            item["expires"] = item["expires"].isoformat()
    validate(data, "waivers", str(path))
    waivers = []
    for i, raw in enumerate(data["waivers"]):
        try:
            expires = dt.date.fromisoformat(raw["expires"])
        except ValueError:
            raise InputError(f"waiver for {raw['control']}: expires {raw['expires']!r} is not a real date",
                             file=str(path), line=line_of(data, ["waivers", i, "expires"])) from None
        waivers.append(Waiver(control=raw["control"], selector=dict(raw["assets"]),
                              justification=raw["justification"], approver=raw["approver"], expires=expires,
                              ticket=raw.get("ticket"), file=str(path), line=line_of(data, ["waivers", i])))
    return waivers
