"""Load and validate an inventory; credentials are references resolved only at use.

A secret value never appears in an inventory: credentials name an environment
variable, a file, a key file or the ssh-agent. ``resolve_secret`` reads the
value at connection time and its errors never contain the value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .platforms import PLATFORMS
from .yamlio import line_of, load_yaml, validate


@dataclass(frozen=True)
class Asset:
    id: str
    kind: str
    platform: str
    address: str
    ssh: dict | None = None
    snmp: dict | None = None
    site: str | None = None
    owner: str | None = None
    tags: tuple[str, ...] = ()
    file: str | None = None

    def describe(self) -> dict:
        """The asset as recorded in a facts document (no credential names)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "platform": self.platform,
                               "address": self.address, "tags": list(self.tags)}
        if self.site:
            out["site"] = self.site
        if self.owner:
            out["owner"] = self.owner
        return out


@dataclass
class Inventory:
    path: Path
    assets: list[Asset]
    credentials: dict[str, dict] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def credential(self, name: str) -> dict:
        try:
            return self.credentials[name]
        except KeyError:
            raise InputError(f"unknown credential {name!r}", file=str(self.path)) from None

    def resolve_path(self, value: str) -> Path:
        """A path from the inventory: ~ expanded, relative to the inventory's folder."""
        p = Path(os.path.expanduser(value))
        return p if p.is_absolute() else (self.base_dir / p)

    def known_hosts(self, asset: Asset) -> Path:
        value = (asset.ssh or {}).get("known_hosts") or self.settings.get("known_hosts") or "~/.ssh/known_hosts"
        return self.resolve_path(value)


def resolve_secret(inventory: Inventory, credential_name: str, field_prefix: str) -> str | None:
    """The secret ``<field_prefix>_env`` / ``<field_prefix>_file`` of a credential, or None if
    the credential names neither. Errors say which reference failed, never a value."""
    cred = inventory.credential(credential_name)
    env_name = cred.get(f"{field_prefix}_env")
    file_name = cred.get(f"{field_prefix}_file")
    if env_name:
        value = os.environ.get(env_name)
        if value is None:
            raise InputError(
                f"credential {credential_name!r}: environment variable {env_name} is not set",
                file=str(inventory.path),
            )
        return value
    if file_name:
        path = inventory.resolve_path(file_name)
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise InputError(
                f"credential {credential_name!r}: cannot read {field_prefix} file {path}: {exc.strerror}",
                file=str(inventory.path),
            ) from None
    return None


_INLINE_SECRET_KEYS = ("password", "secret", "community", "auth_key", "priv_key", "enable_secret", "passphrase")


def _refuse_inline_secrets(data: Any, path: Path) -> None:
    """A secret written into the inventory is refused with a hint, and never echoed."""
    creds = data.get("credentials") if isinstance(data, dict) else None
    if not isinstance(creds, dict):
        return
    for name, cred in creds.items():
        if not isinstance(cred, dict):
            continue
        for key in _INLINE_SECRET_KEYS:
            if key in cred:
                raise InputError(f"credential {name!r}: '{key}' holds a secret value, which an inventory must not "
                                 f"contain; use {key}_env or {key}_file", file=str(path),
                                 line=line_of(data, ["credentials", name, key]))


def load_inventory(path: str | Path) -> Inventory:
    path = Path(path)
    data = load_yaml(path)
    if data is None:
        raise InputError("empty inventory, expected an 'assets:' list", file=str(path))
    _refuse_inline_secrets(data, path)
    validate(data, "inventory", str(path))
    credentials = {k: dict(v) for k, v in (data.get("credentials") or {}).items()}
    seen: dict[str, int] = {}
    platforms = PLATFORMS
    assets = []
    for i, raw in enumerate(data["assets"]):
        line = line_of(data, ["assets", i])
        if raw["id"] in seen:
            raise InputError(f"duplicate asset id {raw['id']!r} (first on line {seen[raw['id']]})",
                             file=str(path), line=line)
        seen[raw["id"]] = line
        if raw["platform"] not in platforms:
            raise InputError(f"asset {raw['id']!r}: unknown platform {raw['platform']!r} "
                             f"(known: {', '.join(sorted(platforms))})", file=str(path),
                             line=line_of(data, ["assets", i, "platform"]))
        if not raw.get("address") and not (raw.get("file") and not raw.get("ssh") and not raw.get("snmp")):
            raise InputError(f"asset {raw['id']!r}: 'address' is required (only an asset read from a saved "
                             f"configuration, 'file:' without ssh:/snmp:, goes without one)", file=str(path), line=line)
        for transport in ("ssh", "snmp"):
            block = raw.get(transport)
            if block and block["credential"] not in credentials:
                raise InputError(f"asset {raw['id']!r}: {transport} credential {block['credential']!r} "
                                 f"is not defined under 'credentials:'", file=str(path),
                                 line=line_of(data, ["assets", i, transport, "credential"]))
        assets.append(Asset(
            id=raw["id"], kind=raw["kind"], platform=raw["platform"], address=raw.get("address", ""),
            ssh=dict(raw["ssh"]) if raw.get("ssh") else None,
            snmp=dict(raw["snmp"]) if raw.get("snmp") else None,
            site=raw.get("site"), owner=raw.get("owner"), tags=tuple(raw.get("tags") or ()),
            file=raw.get("file"),
        ))
    return Inventory(path=path, assets=assets, credentials=credentials, settings=dict(data.get("settings") or {}))
