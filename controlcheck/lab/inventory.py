"""Write an inventory for simulated devices: one credential per device, secrets in
files of their own (mode 0600) referenced by path — never inside the inventory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .sshsim import LOOPBACK, SshSimulator

# platform -> asset kind when the caller does not say
DEFAULT_KIND = {"cisco_ios": "router", "cisco_asa": "firewall", "arista_eos": "switch", "juniper_junos": "router",
                "fortios": "firewall", "paloalto_panos": "firewall", "linux": "workstation",
                "windows": "workstation", "asterisk": "pbx"}


@dataclass
class LabAsset:
    """One inventory entry; ``ssh``/``snmp`` hold the transport block without credential."""

    id: str
    kind: str
    platform: str
    address: str = LOOPBACK
    ssh: dict | None = None
    snmp: dict | None = None
    credential: dict = field(default_factory=dict)        # references only
    snmp_credential: dict | None = None
    site: str | None = None
    owner: str | None = None
    tags: list[str] = field(default_factory=list)


def write_secret(folder: Path, name: str, value: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return path


def sim_assets(sim: SshSimulator, folder: Path, kinds: dict[str, str] | None = None,
               platforms: dict[str, str] | None = None, sites: dict[str, str] | None = None) -> list[LabAsset]:
    """One asset per simulated device; its password (and enable secret) go to files in
    ``folder/secrets``. ``platforms`` maps device name -> platform (default: the folder's parent name)."""
    assets = []
    for name, device in sim.devices.items():
        platform = (platforms or {}).get(name) or device.folder.parent.name
        credential = {"username": device.username}
        if device.password is not None:
            credential["password_file"] = str(write_secret(folder / "secrets", f"{name}.password", device.password))
        if device.enable_secret:
            credential["enable_secret_file"] = str(
                write_secret(folder / "secrets", f"{name}.enable", device.enable_secret))
        assets.append(LabAsset(id=name, kind=(kinds or {}).get(name) or DEFAULT_KIND.get(platform, "server"),
                               platform=platform, ssh={"port": sim.port(name)}, credential=credential,
                               site=(sites or {}).get(name)))
    return assets


def write_inventory(path: Path, assets: list[LabAsset], known_hosts: Path | None = None,
                    settings: dict | None = None) -> Path:
    credentials: dict[str, dict] = {}
    entries = []
    for asset in assets:
        entry: dict = {"id": asset.id, "kind": asset.kind, "platform": asset.platform, "address": asset.address}
        if asset.ssh is not None:
            credentials[f"{asset.id}-ssh"] = dict(asset.credential)
            entry["ssh"] = {**asset.ssh, "credential": f"{asset.id}-ssh"}
        if asset.snmp is not None:
            credentials[f"{asset.id}-snmp"] = dict(asset.snmp_credential or {})
            entry["snmp"] = {**asset.snmp, "credential": f"{asset.id}-snmp"}
        for key in ("site", "owner"):
            if getattr(asset, key):
                entry[key] = getattr(asset, key)
        if asset.tags:
            entry["tags"] = list(asset.tags)
        entries.append(entry)
    data: dict = {}
    merged = dict(settings or {})
    if known_hosts is not None:
        merged["known_hosts"] = str(known_hosts)
    if merged:
        data["settings"] = merged
    data["credentials"] = credentials
    data["assets"] = entries
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
