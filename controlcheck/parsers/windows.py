"""Windows outputs -> ``host.*`` / ``system.*`` facts (docs/facts-model.md).

Most inputs are PowerShell objects printed with ``ConvertTo-Json -Compress``. Windows
PowerShell 5.1 prints enums as numbers and a single object without a list around it;
both are accepted. ``net accounts``, ``secedit /export`` (INF) and ``auditpol /r`` (CSV)
are text. Parsers are pure and return ``{path: (value, [source lines])}``; what they
cannot read is skipped, never raised.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from ..vocabulary import Parsed   # path -> (value, the output lines that decided it)


EDR_PROCESSES = {
    "msmpeng": "MsMpEng", "mssense": "MsSense", "csfalconservice": "CSFalconService", "sentinelagent": "SentinelAgent",
    "sentinelservicehost": "SentinelServiceHost", "repmgr": "RepMgr", "cb": "cb", "cylancesvc": "CylanceSvc",
    "ekrn": "ekrn", "avp": "avp", "savservice": "SavService", "sophoshealth": "SophosHealth", "mcshield": "mcshield",
    "mfemms": "mfemms", "xagt": "xagt", "elastic-endpoint": "elastic-endpoint", "bdservicehost": "bdservicehost",
    "ntrtscan": "ntrtscan", "coreserviceshell": "coreServiceShell", "wrsa": "WRSA", "avgsvc": "AVGSvc",
    "avastsvc": "AvastSvc", "cortex xdr": "cortex xdr", "cyserver": "cyserver", "traps": "traps",
}
_PROTECTION = {0: "Off", 1: "On", 2: "Unknown"}
_VOLUME_TYPE = {0: "OperatingSystem", 1: "Data", 2: "FixedData", 3: "Removable"}
_METHOD = {0: "None", 1: "Aes128Diffuser", 2: "Aes256Diffuser", 3: "Aes128", 4: "Aes256", 5: "Hardware",
           6: "XtsAes128", 7: "XtsAes256"}
_GPO_BOOL = {0: False, 1: True, "false": False, "true": True}


def load_json(text: str | None) -> Any:
    """The JSON printed by a script (BOM, blank lines and a trailing prompt tolerated); None if unreadable."""
    body = (text or "").strip().lstrip("\ufeff")
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
        if start < 0:
            return None
        try:
            return json.JSONDecoder().raw_decode(body[start:])[0]
        except ValueError:
            return None


def as_list(data: Any) -> list:
    if data is None:
        return []
    if isinstance(data, dict) and set(data) == {"value", "Count"}:   # PS 5.1 array wrapper
        data = data["value"]
    return data if isinstance(data, list) else [data]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _GPO_BOOL.get(value)
    if isinstance(value, str):
        return _GPO_BOOL.get(value.strip().lower())
    return None


def _enum(value: Any, names: dict[int, str]) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return names.get(value, str(value))
    return str(value) if value is not None else None


def _line(obj: Any, *keys: str) -> str:
    if not isinstance(obj, dict):
        return json.dumps(obj)[:200]
    return ", ".join(f"{k}={json.dumps(obj.get(k))}" for k in keys if k in obj)


# -- OS ---------------------------------------------------------------------------------------
def parse_os(text: str) -> Parsed:
    """``Get-CimInstance Win32_OperatingSystem | Select Caption,Version,BuildNumber,CSName``."""
    data = load_json(text)
    if not isinstance(data, dict):
        return {}
    out: Parsed = {"host.os.family": ("windows", []), "system.vendor": ("Microsoft", [])}
    caption = data.get("Caption")
    if isinstance(caption, str) and caption.strip():
        name = re.sub(r"^Microsoft\s+", "", caption.strip())
        out["system.os_name"] = (name, [_line(data, "Caption")])
        out["host.os.name"] = (name, [_line(data, "Caption")])
    version = data.get("Version")
    if isinstance(version, str) and version.strip():
        out["system.os_version"] = (version.strip(), [_line(data, "Version")])
        out["host.os.version"] = (version.strip(), [_line(data, "Version")])
    build = data.get("BuildNumber")
    if build is not None and str(build).strip():
        out["host.os.build"] = (str(build).strip(), [_line(data, "BuildNumber")])
    if isinstance(data.get("CSName"), str) and data["CSName"].strip():
        out["system.hostname"] = (data["CSName"].strip(), [_line(data, "CSName")])
    return out


# -- BitLocker ----------------------------------------------------------------------------------
def parse_bitlocker(text: str) -> Parsed:
    """``Get-BitLockerVolume``: system drive protected = ProtectionStatus On on the OS volume."""
    volumes, system, lines = [], None, []
    for vol in as_list(load_json(text)):
        if not isinstance(vol, dict) or not vol.get("MountPoint"):
            continue
        status = _enum(vol.get("ProtectionStatus"), _PROTECTION)
        vtype = _enum(vol.get("VolumeType"), _VOLUME_TYPE)
        method = _enum(vol.get("EncryptionMethod"), _METHOD) or "None"
        encrypted = status == "On"
        volumes.append({"name": str(vol["MountPoint"]), "encrypted": encrypted, "method": method})
        if vtype == "OperatingSystem" or (vtype is None and str(vol["MountPoint"]).upper() == "C:"):
            system = encrypted
            lines.append(_line(vol, "MountPoint", "VolumeType", "ProtectionStatus", "EncryptionMethod", "VolumeStatus"))
    if not volumes:
        return {}
    out: Parsed = {"host.disk_encryption.volumes": (volumes, [])}
    if system is not None:
        out["host.disk_encryption.system_encrypted"] = (system, lines)
    return out


# -- Defender, processes ----------------------------------------------------------------------
def parse_defender(text: str) -> Parsed:
    data = load_json(text)
    if not isinstance(data, dict):
        return {}
    out: Parsed = {}
    rtp = _bool(data.get("RealTimeProtectionEnabled"))
    if rtp is not None:
        av = _bool(data.get("AntivirusEnabled"))
        out["host.endpoint_protection.realtime"] = (rtp and av is not False,
                                                    [_line(data, "RealTimeProtectionEnabled", "AntivirusEnabled",
                                                           "AMRunningMode")])
    age = _int(data.get("AntivirusSignatureAge"))
    if age is not None and 0 <= age < 65535:
        out["host.endpoint_protection.signature_age_days"] = (age, [_line(data, "AntivirusSignatureAge")])
    return out


def parse_process_names(text: str) -> list[str] | None:
    data = load_json(text)
    if data is None:
        return None
    return [str(p) for p in as_list(data) if isinstance(p, str)]


def endpoint_protection(processes: list[str]) -> list[str]:
    found = []
    for name in processes:
        canonical = EDR_PROCESSES.get(name.lower().removesuffix(".exe"))
        if canonical and canonical not in found:
            found.append(canonical)
    return found


# -- firewall -----------------------------------------------------------------------------------
def parse_firewall_profiles(text: str) -> Parsed:
    profiles: dict[str, bool] = {}
    lines = []
    for p in as_list(load_json(text)):
        if not isinstance(p, dict) or not isinstance(p.get("Name"), str):
            continue
        on = _bool(p.get("Enabled"))
        if on is None:
            continue
        profiles[p["Name"].strip().lower()] = on
        lines.append(_line(p, "Name", "Enabled"))
    if not profiles:
        return {}
    out: Parsed = {"host.firewall.profiles": (profiles, lines), "host.firewall.backend": ("windows", [])}
    if {"domain", "private", "public"} <= set(profiles):
        out["host.firewall.enabled"] = (all(profiles[k] for k in ("domain", "private", "public")), lines)
    return out


# -- accounts, SMB --------------------------------------------------------------------------------
def parse_local_admins(text: str) -> Parsed:
    data = load_json(text)
    if data is None and (text or "").strip() == "":
        return {}
    names = []
    for item in as_list(data):
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("Name"), str):
            names.append(item["Name"])
    return {"host.accounts.local_admins": (names, names)}


def parse_smb(text: str) -> Parsed:
    data = load_json(text)
    if not isinstance(data, dict):
        return {}
    v1 = _bool(data.get("EnableSMB1Protocol"))
    return {"host.smb.v1_enabled": (v1, [_line(data, "EnableSMB1Protocol")])} if v1 is not None else {}


# -- registry settings (RDP, screen lock, USB storage, update policy) ---------------------------------
def parse_registry_settings(text: str) -> Parsed:
    """One object of registry values (absent value = null) printed by the collector's script."""
    data = load_json(text)
    if not isinstance(data, dict):
        return {}
    out: Parsed = {}
    deny = _int(data.get("fDenyTSConnections"))
    if deny is not None:
        out["host.rdp.enabled"] = (deny == 0, [_line(data, "fDenyTSConnections")])
        nla = _int(data.get("UserAuthentication"))
        if nla is not None:
            out["host.rdp.nla"] = (nla == 1, [_line(data, "UserAuthentication")])
    usb = _int(data.get("UsbStorStart"))
    if usb is not None:
        out["host.usb_storage.blocked"] = (usb == 4, [_line(data, "UsbStorStart")])
    elif "UsbStorStart" in data:
        out["host.usb_storage.blocked"] = (True, ["USBSTOR service not installed"])
    # screen lock: machine inactivity limit first, then the screen-saver policy
    out["host.screen_lock.desktop"] = (True, [])
    inactivity = _int(data.get("InactivityTimeoutSecs"))
    active, secure, timeout = (_int(data.get(k)) for k in ("ScreenSaveActive", "ScreenSaverIsSecure",
                                                             "ScreenSaveTimeOut"))
    saver_lines = [_line(data, "ScreenSaveActive", "ScreenSaverIsSecure", "ScreenSaveTimeOut")]
    if inactivity:
        out["host.screen_lock.enabled"] = (True, [_line(data, "InactivityTimeoutSecs")])
        out["host.screen_lock.timeout_seconds"] = (inactivity, [_line(data, "InactivityTimeoutSecs")])
    elif active == 1 and secure == 1 and timeout:
        out["host.screen_lock.enabled"] = (True, saver_lines)
        out["host.screen_lock.timeout_seconds"] = (timeout, saver_lines)
    else:
        out["host.screen_lock.enabled"] = (False, saver_lines + [_line(data, "InactivityTimeoutSecs")])
        out["host.screen_lock.timeout_seconds"] = (0, [])
    # automatic updates: on unless policy says NoAutoUpdate=1 or AUOptions=2 (notify only)
    no_auto, options = _int(data.get("NoAutoUpdate")), _int(data.get("AUOptions"))
    out["host.updates.automatic"] = (no_auto != 1 and options not in (1, 2),
                                     [_line(data, "NoAutoUpdate", "AUOptions")])
    return out


def parse_updates(text: str) -> Parsed:
    data = load_json(text)
    if not isinstance(data, dict):
        return {}
    out: Parsed = {}
    for key, path in (("Pending", "host.updates.pending"), ("Security", "host.updates.pending_security")):
        value = _int(data.get(key))
        if value is not None:
            out[path] = (value, [_line(data, key)])
    titles = [t for t in as_list(data.get("Titles")) if isinstance(t, str)]
    if titles:
        out["host.updates.pending_titles"] = (titles[:50], [])
    return out


# -- password policy ---------------------------------------------------------------------------------
def parse_net_accounts(text: str) -> Parsed:
    """``net accounts`` (English). ``Unlimited``/``Never`` are 0."""
    names = {
        "minimum password age (days)": "host.password_policy.min_days",
        "maximum password age (days)": "host.password_policy.max_days",
        "minimum password length": "host.password_policy.min_length",
        "lockout threshold": "host.lockout.threshold",
    }
    out: Parsed = {}
    for line in (text or "").splitlines():
        if ":" not in line:
            continue
        key, value = line.rsplit(":", 1) if line.count(":") > 1 else line.split(":", 1)
        path = names.get(key.strip().lower())
        if not path:
            continue
        v = value.strip()
        number = 0 if v.lower() in ("unlimited", "never", "none") else _int(v)
        if number is not None:
            out[path] = (number, [line.rstrip()])
    return out


def parse_secedit(text: str) -> Parsed:
    """``secedit /export /areas SECURITYPOLICY`` INF: [System Access] password and lockout
    policy, complexity, and registry policies such as InactivityTimeoutSecs."""
    section = ""
    out: Parsed = {}
    names = {"minimumpasswordage": "host.password_policy.min_days",
             "maximumpasswordage": "host.password_policy.max_days",
             "minimumpasswordlength": "host.password_policy.min_length",
             "lockoutbadcount": "host.lockout.threshold"}
    for line in (text or "").lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].lower()
            continue
        if "=" not in stripped:
            continue
        key, value = (s.strip() for s in stripped.split("=", 1))
        if section == "system access":
            k = key.lower()
            number = _int(value)
            if k == "passwordcomplexity" and number is not None:
                out["host.password_policy.complexity"] = (number == 1, [stripped])
            elif k in names and number is not None:
                if k == "maximumpasswordage" and number < 0:
                    number = 0
                out[names[k]] = (number, [stripped])
    return out


def parse_auditpol_csv(text: str) -> Parsed:
    """``auditpol /get /category:* /r``: audited subcategories."""
    rows = list(csv.DictReader(io.StringIO((text or "").lstrip("\ufeff").strip())))
    audited = [r for r in rows if (r.get("Inclusion Setting") or "").strip() not in ("", "No Auditing")]
    if not rows or "Subcategory" not in rows[0]:
        return {}
    lines = [f"{r['Subcategory']}: {r['Inclusion Setting']}" for r in audited]
    return {"host.audit.enabled": (bool(audited), lines[:10]), "host.audit.rules": (len(audited), [])}


def parse_w32tm_status(text: str) -> Parsed:
    values = {}
    for line in (text or "").splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            values[key.strip().lower()] = (value.strip(), line.rstrip())
    if "source" not in values:
        return {}
    source, line = values["source"]
    leap = values.get("leap indicator", ("", ""))[0]
    free = source.lower().startswith(("local cmos clock", "free-running system clock"))
    synced = not free and not leap.startswith("3")
    return {"host.time_sync.synchronized": (synced, [line] + ([values["leap indicator"][1]]
                                                              if "leap indicator" in values else [])),
            "host.time_sync.service": ("w32time", [])}
