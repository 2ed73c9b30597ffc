"""IF-MIB, ENTITY-MIB and CISCO-IMAGE-MIB values -> ``snmp.interfaces``, the chassis
model/serial and, where sysDescr does not say it, the OS version.

Pure functions over table columns already converted to plain values (``{index: value}``);
the collector reads the tables and records evidence and errors.
"""

from __future__ import annotations

import re

IF_UP = {1: True, 2: False}                        # ifAdminStatus: 3 testing -> not recorded
IF_OPER_UP = {1: True, 2: False, 5: False, 6: False, 7: False}   # 3 testing, 4 unknown -> not recorded
ENT_CHASSIS = 3                                    # entPhysicalClass chassis(3)


def index_key(index: str) -> tuple[int, ...]:
    """A table index (``"3"``, ``"1.4"``) as a numeric sort key; odd ones sort last."""
    try:
        return tuple(int(x) for x in index.split("."))
    except ValueError:
        return (1 << 31,)


def interfaces(names: dict[str, str], descrs: dict[str, str], admin: dict[str, int],
               oper: dict[str, int]) -> list[dict]:
    """``[{name, admin_up?, oper_up?}]`` by interface index: ifName, else ifDescr; rows with
    neither are left out; a status the MIB does not map to up/down is not recorded."""
    out = []
    for index in sorted(set(descrs) | set(names), key=index_key):
        label = next((v for v in (names.get(index), descrs.get(index)) if v is not None and v.strip()), None)
        if label is None:
            continue
        entry: dict = {"name": label.strip()}
        if admin.get(index) in IF_UP:
            entry["admin_up"] = IF_UP[admin[index]]
        if oper.get(index) in IF_OPER_UP:
            entry["oper_up"] = IF_OPER_UP[oper[index]]
        out.append(entry)
    return out


def choose_chassis(classes: dict[str, int], serials: dict[str, str], models: dict[str, str]
                   ) -> tuple[str | None, str | None] | None:
    """ENTITY-MIB: the lowest-index chassis (class 3) with a model or serial; else the
    lowest-index entity with a model name. ``(model, serial)`` or None. Columns hold
    trimmed, non-blank texts only."""
    indices = sorted(set(classes) | set(models) | set(serials), key=index_key)
    for index in indices:
        if classes.get(index) == ENT_CHASSIS and (models.get(index) or serials.get(index)):
            return models.get(index), serials.get(index)
    for index in indices:
        if models.get(index):
            return models.get(index), serials.get(index)
    return None


_CW_VERSION = re.compile(r"^CW_VERSION\$(?P<version>[^$]+)\$$")
_VERSION_TOKEN = re.compile(r"^[A-Za-z]{0,3}\d[\w.()+-]*$")


def is_version_token(text: str) -> bool:
    """Whether ``text`` is one version token (``12.2(55)SE3``, ``V200R007C20SPC200``,
    ``v6.7.2``, ``Z.14.31``), not a phrase (``5.20 Release 1513P62``)."""
    return bool(_VERSION_TOKEN.match(text or ""))


def cisco_image_version(image_strings: list[str]) -> str | None:
    """CISCO-IMAGE-MIB ciscoImageString rows (``CW_VERSION$12.1(8)EA1c$``) -> the version
    of the running image; None when no row carries one (or rows disagree)."""
    found = {m.group("version").strip() for text in image_strings if (m := _CW_VERSION.match(text.strip()))}
    return found.pop() if len(found) == 1 else None


def chassis_software(classes: dict[str, int], revisions: dict[str, str]) -> tuple[str, str] | None:
    """ENTITY-MIB: ``(index, entPhysicalSoftwareRev)`` of the lowest-index chassis (class 3)
    that states one; modules' own firmware is never taken for the system's."""
    for index in sorted(classes, key=index_key):
        if classes[index] == ENT_CHASSIS and revisions.get(index):
            return index, revisions[index]
    return None
