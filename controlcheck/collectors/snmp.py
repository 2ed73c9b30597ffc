"""SNMP transport shared by every SNMP platform (pysnmp 7, asyncio).

* :class:`SnmpSession` — one agent, one version and credential (v1/v2c community, v3 USM
  user by reference), timeout and retries. ``get(oids)`` and ``walk(prefix)`` (GETBULK for
  v2c/v3, GETNEXT for v1), always bounded by ``max_rows``.
* :class:`SnmpValue` — a received value converted to Python: OCTET STRING decoded as UTF-8,
  else Latin-1 when printable, else kept as hex (never a crash on odd bytes); TimeTicks,
  counters and INTEGER as ``int``; OIDs as dotted strings. noSuchObject / noSuchInstance /
  endOfMibView are values of their own (``missing``), never a fact.
* :class:`SnmpReader` — the session plus a :class:`FactsBuilder`: every OID queried and its
  raw value becomes evidence (``snmp:<oid>``; a walk is one entry ``snmp:<prefix>``) and
  every problem an ``errors`` entry.
* :func:`collect_common` — the probes every SNMP asset gets: the system group, the versions
  the agent accepts, whether ``public``/``private`` are answered, and the version and
  security level the collection used (facts ``snmp.*``).

Secrets (communities, keys) are read from their reference when the session is built and
appear in no message, evidence, fact or exception text.

pysnmp engines are expensive to build (~0.1 s), so sessions of one event loop share one
engine per credential kind (all community sessions share one; v3 sessions share one per
identical user and keys) and the engine is closed when its last session ends.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..errors import InputError
from ..inventory import Asset, Inventory, resolve_secret
from .base import AsyncCollector, CollectionContext, FactsBuilder

DEFAULT_TIMEOUT = 2.0
DEFAULT_RETRIES = 1
DEFAULT_MAX_ROWS = 10000
DEFAULT_MAX_REPETITIONS = 25
GET_BATCH = 20                 # var-binds per GET request (stay well below tooBig)
PROBE_TIMEOUT = 1.0            # version / default-community probes: at most this per attempt,
PROBE_MIN_TIMEOUT = 0.5        # at least this, else 10x the agent's own answer time
PROBE_RETRIES = 1
DEFAULT_COMMUNITIES = ("public", "private")

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_CONTACT = "1.3.6.1.2.1.1.4.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_LOCATION = "1.3.6.1.2.1.1.6.0"
SYSTEM_GROUP = {"sys_descr": SYS_DESCR, "sys_object_id": SYS_OBJECT_ID, "sys_uptime": SYS_UPTIME,
                "sys_contact": SYS_CONTACT, "sys_name": SYS_NAME, "sys_location": SYS_LOCATION}

MISSING_TYPES = ("noSuchObject", "noSuchInstance", "endOfMibView")
INTEGER_TYPES = ("INTEGER", "Counter32", "Gauge32", "Counter64", "Timeticks")
_MISSING_TEXT = {
    "noSuchObject": "No Such Object available on this agent at this OID",
    "noSuchInstance": "No Such Instance currently exists at this OID",
    "endOfMibView": "No more variables left in this MIB View (It is past the end of the MIB tree)",
}


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------
class SnmpError(Exception):
    """A problem talking to an agent; the message is safe to show (no secret)."""


class SnmpTimeout(SnmpError):
    pass


class SnmpAuthError(SnmpError):
    pass


class SnmpStatusError(SnmpError):
    """The agent answered, with an error status (genErr, authorizationError...)."""


# --------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------
def _printable(text: str) -> bool:
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def decode_octets(data: bytes) -> tuple[str, bool]:
    """``(text, is_text)``: UTF-8 if it decodes, else Latin-1 if every character is
    printable, else ``0x`` + hex (``is_text`` False). Trailing NUL padding is dropped."""
    data = data.rstrip(b"\x00")
    try:
        text = data.decode("utf-8")
        if _printable(text):
            return text, True
    except UnicodeDecodeError:
        pass
    text = data.decode("latin-1")
    if _printable(text):
        return text, True
    return "0x" + data.hex(), False


@dataclass(frozen=True)
class SnmpValue:
    """One received var-bind, converted. ``type`` is the SNMP type as net-snmp names it
    (``INTEGER``, ``STRING``, ``Hex-STRING``, ``OID``, ``Timeticks``...), or one of
    ``noSuchObject`` / ``noSuchInstance`` / ``endOfMibView``."""

    oid: str
    type: str
    value: Any = None          # int | str | None
    raw_hex: str | None = None  # octet strings: the bytes, for evidence

    @property
    def missing(self) -> bool:
        return self.type in MISSING_TYPES

    @property
    def is_text(self) -> bool:
        return self.type == "STRING"

    @property
    def is_integer(self) -> bool:
        return self.type in INTEGER_TYPES

    def render(self) -> str:
        """One evidence line, in the spirit of ``snmpget -On``."""
        if self.missing:
            return f"{self.oid} = {_MISSING_TEXT[self.type]}"
        if self.type == "STRING":
            if self.raw_hex is not None and _is_utf8(self.raw_hex):
                return f'{self.oid} = STRING: "{self.value}"'
            return f"{self.oid} = Hex-STRING: {_spaced_hex(self.raw_hex or '')}"
        if self.type == "Hex-STRING":
            return f"{self.oid} = Hex-STRING: {_spaced_hex(self.raw_hex or '')}"
        if self.type == "Timeticks":
            return f"{self.oid} = Timeticks: ({self.value})"
        if self.type == "Null":
            return f"{self.oid} = NULL"
        return f"{self.oid} = {self.type}: {self.value}"


def _is_utf8(raw_hex: str) -> bool:
    try:
        bytes.fromhex(raw_hex).rstrip(b"\x00").decode("utf-8")
        return True
    except (UnicodeDecodeError, ValueError):
        return False


def _spaced_hex(raw_hex: str) -> str:
    return " ".join(raw_hex[i:i + 2] for i in range(0, len(raw_hex), 2)).upper()


def convert(oid: str, value: Any) -> SnmpValue:
    """A pysnmp value as an :class:`SnmpValue` (never raises for an odd value)."""
    from pyasn1.type import univ
    from pysnmp.proto import rfc1902, rfc1905

    if isinstance(value, rfc1905.NoSuchObject):
        return SnmpValue(oid, "noSuchObject")
    if isinstance(value, rfc1905.NoSuchInstance):
        return SnmpValue(oid, "noSuchInstance")
    if isinstance(value, rfc1905.EndOfMibView):
        return SnmpValue(oid, "endOfMibView")
    try:
        if isinstance(value, rfc1902.IpAddress):
            octets = bytes(value.asOctets())
            return SnmpValue(oid, "IpAddress", ".".join(str(b) for b in octets) if len(octets) == 4
                             else "0x" + octets.hex(), octets.hex())
        if isinstance(value, rfc1902.Opaque):
            octets = bytes(value.asOctets())
            return SnmpValue(oid, "Opaque", "0x" + octets.hex(), octets.hex())
        if isinstance(value, rfc1902.Bits):
            octets = bytes(value.asOctets())
            return SnmpValue(oid, "BITS", "0x" + octets.hex(), octets.hex())
        if isinstance(value, univ.OctetString):
            octets = bytes(value.asOctets())
            text, is_text = decode_octets(octets)
            return SnmpValue(oid, "STRING" if is_text else "Hex-STRING", text, octets.hex())
        if isinstance(value, univ.ObjectIdentifier):
            return SnmpValue(oid, "OID", ".".join(str(x) for x in value))
        for cls, name in ((rfc1902.TimeTicks, "Timeticks"), (rfc1902.Counter32, "Counter32"),
                          (rfc1902.Counter64, "Counter64"), (rfc1902.Gauge32, "Gauge32"),
                          (rfc1902.Unsigned32, "Gauge32"), (univ.Integer, "INTEGER")):
            if isinstance(value, cls):
                return SnmpValue(oid, name, int(value))
        if isinstance(value, univ.Null):
            return SnmpValue(oid, "Null")
    except Exception as exc:  # a malformed value from the wire: keep its type name only
        return SnmpValue(oid, "Unparsable", f"{type(value).__name__}: {type(exc).__name__}")
    return SnmpValue(oid, type(value).__name__, str(value))


@dataclass
class WalkResult:
    prefix: str
    rows: list[SnmpValue] = field(default_factory=list)
    complete: bool = True          # False: stopped early (max_rows, error, non-increasing OID)
    problem: str | None = None     # why it stopped early

    def by_index(self, column_prefix: str | None = None) -> dict[str, SnmpValue]:
        """Rows keyed by the OID suffix after ``column_prefix`` (default: the walk prefix)."""
        base = (column_prefix or self.prefix) + "."
        return {r.oid[len(base):]: r for r in self.rows if r.oid.startswith(base)}


# --------------------------------------------------------------------------------------
# engine sharing
# --------------------------------------------------------------------------------------
def _hlapi(version: str):
    """pysnmp's asyncio high-level API: ``v3arch`` for SNMPv3, the lighter ``v1arch`` for
    v1/v2c (imported lazily, without pysnmp's own deprecation noise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if version == "3":
            from pysnmp.hlapi.v3arch import asyncio as hl
        else:
            from pysnmp.hlapi.v1arch import asyncio as hl
    return hl


class _EnginePool:
    """pysnmp engines shared by the sessions of one event loop, closed with their last user.

    v1/v2c sessions share one light ``hlapi.v1arch`` dispatcher per loop: it keeps no
    community or target tables (the v3arch engine scans its community table for every
    packet, which makes hundreds of communities on one engine quadratic). v3 sessions share
    a ``hlapi.v3arch`` engine per identical user and keys (``key``); building one costs
    about 0.1 s (MIB loading)."""

    def __init__(self) -> None:
        self._entries: dict[int, list[dict]] = {}     # id(loop) -> entries

    def acquire(self, key: str):
        loop = asyncio.get_running_loop()
        entries = [e for e in self._entries.get(id(loop), []) if e["loop"] is loop]
        self._entries[id(loop)] = entries
        entry = next((e for e in entries if e["key"] == key), None)
        if entry is None:
            if key == "community":
                engine = _hlapi("1").SnmpDispatcher()
            else:
                hl = _hlapi("3")
                with warnings.catch_warnings():     # pysnmp's own MIB compiler set-up uses deprecated names
                    warnings.simplefilter("ignore", DeprecationWarning)
                    engine = hl.SnmpEngine()
                    # the MIB compiler (added on first request) is set up here, under the same filter
                    from pysnmp.hlapi.v3arch.asyncio.cmdgen import VB_PROCESSOR
                    from pysnmp.smi.compiler import add_mib_compiler
                    view = VB_PROCESSOR.get_mib_view_controller(engine.cache)
                    add_mib_compiler(view.mibBuilder, ifAvailable=True, ifNotAdded=True)
            entry = {"engine": engine, "users": 0, "loop": loop, "key": key}
            entries.append(entry)
        entry["users"] += 1
        return entry["engine"]

    def release(self, engine) -> None:
        loop = asyncio.get_running_loop()
        entries = self._entries.get(id(loop), [])
        entry = next((e for e in entries if e["engine"] is engine), None)
        if entry is None:
            _close_engine(engine)
            return
        entry["users"] -= 1
        if entry["users"] <= 0:
            entries.remove(entry)
            _close_engine(engine)


def _close_engine(engine) -> None:
    try:
        if hasattr(engine, "close_dispatcher"):
            engine.close_dispatcher()                          # v3arch SnmpEngine
        else:
            engine.transport_dispatcher.close_dispatcher()     # v1arch SnmpDispatcher
    except Exception:  # closing is best effort
        pass


_POOL = _EnginePool()


# --------------------------------------------------------------------------------------
# session
# --------------------------------------------------------------------------------------
_AUTH_PROTOCOLS = {
    "md5": "usmHMACMD5AuthProtocol", "sha": "usmHMACSHAAuthProtocol",
    "sha224": "usmHMAC128SHA224AuthProtocol", "sha256": "usmHMAC192SHA256AuthProtocol",
    "sha384": "usmHMAC256SHA384AuthProtocol", "sha512": "usmHMAC384SHA512AuthProtocol",
}
_PRIV_PROTOCOLS = {
    "des": "usmDESPrivProtocol", "3des": "usm3DESEDEPrivProtocol",
    "aes": "usmAesCfb128Protocol", "aes128": "usmAesCfb128Protocol",
    "aes192": "usmAesCfb192Protocol", "aes256": "usmAesCfb256Protocol",
}
_LABEL = {"1": "SNMPv1", "2c": "SNMPv2c", "3": "SNMPv3"}


class SnmpSession:
    """One agent with one version and credential. Use as ``async with session:``."""

    def __init__(self, host: str, port: int = 161, version: str = "2c", *, community: str | None = None,
                 user: str | None = None, auth_protocol: str | None = None, auth_key: str | None = None,
                 priv_protocol: str | None = None, priv_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                 max_rows: int = DEFAULT_MAX_ROWS, max_repetitions: int = DEFAULT_MAX_REPETITIONS) -> None:
        if version not in _LABEL:
            raise InputError(f"SNMP version {version!r} is not one of 1, 2c, 3")
        self.host = host
        self.port = int(port)
        self.version = version
        self.user = user
        self.auth_protocol = (auth_protocol or ("sha" if auth_key else "none")).lower()
        self.priv_protocol = (priv_protocol or ("aes" if priv_key else "none")).lower()
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.max_rows = int(max_rows)
        self.max_repetitions = int(max_repetitions)
        self.__community = community
        self.__auth_key = auth_key
        self.__priv_key = priv_key
        if version in ("1", "2c") and community is None:
            raise InputError(f"{self.label} to {self.address}: the credential names no community "
                             f"(community_env or community_file)")
        if version == "3":
            if not user:
                raise InputError(f"SNMPv3 to {self.address}: the credential names no USM user")
            if self.auth_protocol != "none" and not auth_key:
                raise InputError(f"SNMPv3 user {user!r}: auth_protocol {self.auth_protocol} needs "
                                 f"auth_key_env or auth_key_file")
            if self.priv_protocol != "none" and not priv_key:
                raise InputError(f"SNMPv3 user {user!r}: priv_protocol {self.priv_protocol} needs "
                                 f"priv_key_env or priv_key_file")
            if self.priv_protocol != "none" and self.auth_protocol == "none":
                raise InputError(f"SNMPv3 user {user!r}: privacy needs authentication too")
            if self.auth_protocol != "none" and self.auth_protocol not in _AUTH_PROTOCOLS:
                raise InputError(f"SNMPv3 user {user!r}: unknown auth_protocol {self.auth_protocol!r}")
            if self.priv_protocol != "none" and self.priv_protocol not in _PRIV_PROTOCOLS:
                raise InputError(f"SNMPv3 user {user!r}: unknown priv_protocol {self.priv_protocol!r}")
            for what, key in (("auth", auth_key), ("priv", priv_key)):
                if key is not None and len(key) < 8:
                    raise InputError(f"SNMPv3 user {user!r}: the {what} key is shorter than 8 characters "
                                     f"(RFC 3414 minimum)")
        self._engine = None
        self._engine_key: str | None = None
        self._target = None
        self._auth = None
        self._depth = 0
        self._diagnosing = False

    # -- construction from the inventory ----------------------------------------------------
    @classmethod
    def from_asset(cls, asset: Asset, inventory: Inventory) -> "SnmpSession":
        """The session an asset's ``snmp:`` block describes; secrets read now, from their
        reference. Raises :class:`InputError` (message without any secret) when unusable."""
        block = asset.snmp or {}
        if not block:
            raise InputError(f"asset {asset.id!r} has no 'snmp:' block")
        cred_name = block["credential"]
        cred = inventory.credential(cred_name)
        version = str(block.get("version") or ("3" if cred.get("user") else "2c"))
        kwargs: dict[str, Any] = dict(
            port=int(block.get("port", 161)), version=version,
            timeout=float(block.get("timeout", DEFAULT_TIMEOUT)),
            retries=int(block.get("retries", DEFAULT_RETRIES)),
            max_rows=int(block.get("max_rows", DEFAULT_MAX_ROWS)),
        )
        if version == "3":
            kwargs.update(user=cred.get("user"), auth_protocol=cred.get("auth_protocol"),
                          priv_protocol=cred.get("priv_protocol"),
                          auth_key=resolve_secret(inventory, cred_name, "auth_key"),
                          priv_key=resolve_secret(inventory, cred_name, "priv_key"))
        else:
            kwargs["community"] = resolve_secret(inventory, cred_name, "community")
        session = cls(asset.address, **kwargs)
        # a v3 credential may also name a community: used only to probe v1/v2c acceptance
        if version == "3" and (cred.get("community_env") or cred.get("community_file")):
            session.__community = resolve_secret(inventory, cred_name, "community")
        return session

    def variant(self, version: str | None = None, community: str | None = None,
                timeout: float | None = None, retries: int | None = None,
                without_privacy: bool = False) -> "SnmpSession":
        """A session to the same agent with another version/community (probes). v3 keeps the
        user and keys (``without_privacy``: authNoPriv); v1/v2c use ``community`` or this
        session's own."""
        version = version or self.version
        v3_priv = version == "3" and not without_privacy
        return SnmpSession(
            self.host, self.port, version,
            community=(community if community is not None else self.__community) if version != "3" else None,
            user=self.user if version == "3" else None,
            auth_protocol=self.auth_protocol if version == "3" else None,
            auth_key=self.__auth_key if version == "3" else None,
            priv_protocol=self.priv_protocol if v3_priv else "none" if version == "3" else None,
            priv_key=self.__priv_key if v3_priv else None,
            timeout=self.timeout if timeout is None else timeout,
            retries=self.retries if retries is None else retries,
            max_rows=self.max_rows, max_repetitions=self.max_repetitions)

    @property
    def has_community(self) -> bool:
        return self.__community is not None

    # -- description (no secret) -------------------------------------------------------------
    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def label(self) -> str:
        return _LABEL[self.version]

    @property
    def security_level(self) -> str:
        if self.version != "3" or self.auth_protocol == "none":
            return "noAuthNoPriv"
        return "authNoPriv" if self.priv_protocol == "none" else "authPriv"

    def __repr__(self) -> str:
        who = f" user={self.user}" if self.version == "3" else ""
        return f"SnmpSession({self.label} {self.address}{who})"

    # -- lifecycle --------------------------------------------------------------------------
    def _credential_key(self) -> str:
        if self.version != "3":
            return "community"
        digest = hashlib.sha256("\0".join(str(x) for x in (
            self.user, self.auth_protocol, self.__auth_key, self.priv_protocol, self.__priv_key)).encode(
            "utf-8", "surrogateescape")).hexdigest()
        return "usm-" + digest

    async def __aenter__(self) -> "SnmpSession":
        if self._depth == 0:
            await self._open()
        self._depth += 1
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._close()

    async def _open(self) -> None:
        hl = _hlapi(self.version)
        try:
            self._target = await hl.UdpTransportTarget.create((self.host, self.port), timeout=self.timeout,
                                                               retries=self.retries)
        except Exception as exc:
            raise SnmpError(f"cannot resolve or reach {self.address}: {type(exc).__name__}") from None
        if self.version == "3":
            auth_proto = getattr(hl, _AUTH_PROTOCOLS[self.auth_protocol]) if self.auth_protocol != "none" \
                else hl.usmNoAuthProtocol
            priv_proto = getattr(hl, _PRIV_PROTOCOLS[self.priv_protocol]) if self.priv_protocol != "none" \
                else hl.usmNoPrivProtocol
            try:
                self._auth = hl.UsmUserData(self.user, authKey=self.__auth_key, privKey=self.__priv_key,
                                            authProtocol=auth_proto, privProtocol=priv_proto)
            except Exception as exc:
                raise SnmpError(f"SNMPv3 user {self.user!r}: cannot set up USM security "
                                f"({type(exc).__name__})") from None
        else:
            self._auth = hl.CommunityData(self.__community, mpModel=0 if self.version == "1" else 1)
        self._engine_key = self._credential_key()
        self._engine = _POOL.acquire(self._engine_key)

    def _close(self) -> None:
        if self._engine is not None:
            _POOL.release(self._engine)
        self._engine = None
        self._target = None
        self._auth = None

    # -- errors -------------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        for secret in (self.__community, self.__auth_key, self.__priv_key):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _indication_error(self, indication) -> SnmpError:
        from pysnmp.proto import errind

        if isinstance(indication, errind.RequestTimedOut):
            hint = ("the agent is down, the port is filtered, or it does not accept this community"
                    if self.version != "3" else "the agent is down or the port is filtered")
            return SnmpTimeout(f"no answer from {self.address} within {self.timeout:g}s ({self.label}; "
                               f"{self.retries + 1} attempt(s)): {hint}")
        if isinstance(indication, (errind.WrongDigest, errind.AuthenticationFailure, errind.AuthenticationError)):
            return SnmpAuthError(f"SNMPv3 authentication failed at {self.address} for user {self.user!r}: "
                                 f"wrong authentication key or protocol ({self.auth_protocol})")
        if isinstance(indication, errind.DecryptionError):
            return SnmpAuthError(f"SNMPv3 privacy failed at {self.address} for user {self.user!r}: "
                                 f"wrong privacy key or protocol ({self.priv_protocol})")
        if isinstance(indication, errind.UnknownUserName):
            return SnmpAuthError(f"SNMPv3 user {self.user!r} is unknown to the agent at {self.address}")
        if isinstance(indication, errind.UnsupportedSecurityLevel):
            return SnmpAuthError(f"the agent at {self.address} does not accept security level "
                                 f"{self.security_level} for user {self.user!r}")
        if isinstance(indication, errind.NotInTimeWindow):
            return SnmpAuthError(f"SNMPv3 at {self.address}: message not in time window (clock/boots)")
        return SnmpError(f"{self.label} to {self.address}: {self._scrub(str(indication))}")

    # -- operations ---------------------------------------------------------------------------
    async def _request(self, kind: str, oids: Sequence[str], repetitions: int = 0):
        if self._engine is None:
            raise RuntimeError("SnmpSession used outside 'async with'")
        try:
            if self.version == "3":
                hl = _hlapi("3")
                var_binds = [hl.ObjectType(hl.ObjectIdentity(o)) for o in oids]
                head = (self._engine, self._auth, self._target, hl.ContextData())
            else:   # raw var-binds: no MIB lookups on the v1arch path
                from pyasn1.type import univ
                from pysnmp.proto import rfc1902

                hl = _hlapi(self.version)

                var_binds = [(rfc1902.ObjectName(o), univ.Null("")) for o in oids]
                head = (self._engine, self._auth, self._target)
            if kind == "get":
                result = await hl.get_cmd(*head, *var_binds, lookupMib=False)
            elif kind == "next":
                result = await hl.next_cmd(*head, *var_binds, lookupMib=False)
            else:
                result = await hl.bulk_cmd(*head, 0, repetitions, *var_binds, lookupMib=False)
        except SnmpError:
            raise
        except Exception as exc:  # pysnmp raising on a malformed message, key setup...
            raise SnmpError(f"{self.label} to {self.address}: {type(exc).__name__}: "
                            f"{self._scrub(str(exc))[:200]}") from None
        indication, status, index, returned = result
        if indication:
            error = self._indication_error(indication)
            if isinstance(error, SnmpTimeout) and self.version == "3" and self.priv_protocol != "none" \
                    and not self._diagnosing:
                error = await self._diagnose_privacy() or error
            raise error
        return int(status or 0), int(index or 0), [(".".join(str(x) for x in vb[0]), vb[1]) for vb in returned or ()]

    async def _diagnose_privacy(self) -> SnmpError | None:
        """An authPriv request went unanswered: agents drop what they cannot decrypt. Ask
        once more without privacy: if the agent then answers (or reports that it needs a
        higher security level), it is alive and knows the user and auth key, so the privacy
        key or protocol is wrong."""
        probe = self.variant(timeout=min(self.timeout, PROBE_TIMEOUT), retries=0, without_privacy=True)
        probe._diagnosing = True
        try:
            async with probe:
                await probe.get([SYS_OBJECT_ID])
        except SnmpTimeout:
            return None
        except SnmpAuthError as exc:
            if "does not accept security level" not in str(exc):
                return exc
        except SnmpStatusError:
            pass    # an authenticated answer, even a refusal, proves user and auth key
        except SnmpError:
            return None
        return SnmpAuthError(f"SNMPv3 privacy failed at {self.address} for user {self.user!r}: the agent "
                             f"answers authNoPriv but not authPriv requests — wrong privacy key or "
                             f"protocol ({self.priv_protocol})")

    async def get(self, oids: Iterable[str]) -> dict[str, SnmpValue]:
        """Values of ``oids`` (missing ones as noSuch* values). Raises :class:`SnmpError` when
        the agent cannot be asked at all (timeout, authentication, error status)."""
        wanted = list(dict.fromkeys(o.strip(".") for o in oids))
        out: dict[str, SnmpValue] = {}
        for start in range(0, len(wanted), GET_BATCH):
            pending = wanted[start:start + GET_BATCH]
            for _ in range(len(pending) + 1):
                if not pending:
                    break
                status, index, returned = await self._request("get", pending)
                if status == 2 and 0 < index <= len(pending):   # v1 noSuchName: drop it, ask again
                    out[pending[index - 1]] = SnmpValue(pending[index - 1], "noSuchObject")
                    pending = pending[:index - 1] + pending[index:]
                    continue
                if status:
                    raise SnmpStatusError(f"{self.label} to {self.address}: agent answered {_status_name(status)}"
                                    + (f" for {pending[index - 1]}" if 0 < index <= len(pending) else ""))
                for asked, (oid, value) in zip(pending, returned, strict=False):
                    out[asked] = convert(oid, value) if oid == asked else SnmpValue(asked, "noSuchObject")
                break
        return out

    async def walk(self, prefix: str, max_rows: int | None = None) -> WalkResult:
        """Every var-bind under ``prefix``: GETBULK (v2c/v3) or GETNEXT (v1), stopped after
        ``max_rows`` rows, at a non-increasing OID or at an error (``complete`` False and
        ``problem`` say so; rows got so far are kept). Timeouts and authentication errors
        before the first row raise :class:`SnmpError`."""
        prefix = prefix.strip(".")
        limit = self.max_rows if max_rows is None else int(max_rows)
        root = tuple(int(x) for x in prefix.split("."))
        result = WalkResult(prefix)
        current = root
        while True:
            try:
                if self.version == "1":
                    status, index, returned = await self._request("next", [_dotted(current)])
                else:
                    reps = max(1, min(self.max_repetitions, limit - len(result.rows) + 1))
                    status, index, returned = await self._request("bulk", [_dotted(current)], reps)
            except SnmpError as exc:
                if not result.rows:
                    raise
                result.complete, result.problem = False, f"walk interrupted after {len(result.rows)} rows: {exc}"
                return result
            if status == 2 and self.version == "1":      # v1 noSuchName on GETNEXT: end of MIB view
                return result
            if status:
                result.complete = False
                result.problem = f"agent answered {_status_name(status)} during the walk of {prefix}"
                return result
            if not returned:
                return result
            for oid, value in returned:
                converted = convert(oid, value)
                if converted.type == "endOfMibView":
                    return result
                numbers = tuple(int(x) for x in oid.split(".")) if oid else ()
                if numbers[:len(root)] != root:
                    return result
                if numbers <= current:
                    result.complete = False
                    result.problem = (f"agent returned a non-increasing OID {oid} after {_dotted(current)} "
                                      f"in the walk of {prefix}: stopped")
                    return result
                if len(result.rows) >= limit:
                    result.complete = False
                    result.problem = (f"walk of {prefix} stopped after {limit} rows (max_rows): the table "
                                      f"does not end or is larger than allowed")
                    return result
                result.rows.append(converted)
                current = numbers

    async def answers(self, oid: str = SYS_OBJECT_ID) -> bool:
        """Whether the agent answers a GET of ``oid`` with this version and credential."""
        try:
            async with self:
                await self.get([oid])
            return True
        except SnmpError:
            return False


def _dotted(numbers: tuple[int, ...]) -> str:
    return ".".join(str(x) for x in numbers)


_STATUS = {1: "tooBig", 2: "noSuchName", 3: "badValue", 4: "readOnly", 5: "genErr", 6: "noAccess",
           7: "wrongType", 8: "wrongLength", 9: "wrongEncoding", 10: "wrongValue", 11: "noCreation",
           12: "inconsistentValue", 13: "resourceUnavailable", 14: "commitFailed", 15: "undoFailed",
           16: "authorizationError", 17: "notWritable", 18: "inconsistentName"}


def _status_name(status: int) -> str:
    return _STATUS.get(status, f"error-status {status}")


# --------------------------------------------------------------------------------------
# reader: session + builder (evidence, errors)
# --------------------------------------------------------------------------------------
class SnmpReader:
    """Reads through a session and records every OID and raw value as evidence and every
    problem as an ``errors`` entry. Methods never raise for a device problem."""

    def __init__(self, session: SnmpSession, builder: FactsBuilder) -> None:
        self.session = session
        self.builder = builder
        self.unreachable: str | None = None   # set once a timeout/auth error says "stop asking"
        self.probes: asyncio.Task | None = None   # common probes running beside the collection

    async def get(self, oids: dict[str, str] | Sequence[str], source: str = "snmp") -> dict[str, SnmpValue]:
        """``{name: oid}`` (or a list of OIDs) -> ``{name: value}`` for the values that came
        back (missing ones included, as noSuch* values; callers decide if that is an error)."""
        named = dict(oids) if isinstance(oids, dict) else {o: o for o in oids}
        if self.unreachable:
            return {}
        try:
            values = await self.session.get(named.values())
        except SnmpError as exc:
            self._failed(source, exc)
            return {}
        out = {}
        for name, oid in named.items():
            value = values.get(oid.strip("."))
            if value is None:
                continue
            self.builder.add_evidence(f"snmp:{value.oid}", value.render() + "\n")
            out[name] = value
        return out

    async def walk(self, prefix: str, max_rows: int | None = None) -> WalkResult | None:
        """A walk, recorded as one evidence entry ``snmp:<prefix>``; None if it failed before
        any row (the error is recorded)."""
        if self.unreachable:
            return None
        try:
            result = await self.session.walk(prefix, max_rows)
        except SnmpError as exc:
            self._failed(f"snmp:{prefix}", exc)
            return None
        lines = [r.render() for r in result.rows]
        if not result.rows:
            lines.append(f"# walk of {prefix}: no objects under this prefix")
        if result.problem:
            lines.append(f"# {result.problem}")
            self.builder.error(f"snmp:{prefix}", result.problem)
        self.builder.add_evidence(f"snmp:{prefix}", "\n".join(lines) + "\n")
        return result

    def _failed(self, source: str, exc: SnmpError) -> None:
        if isinstance(exc, (SnmpTimeout, SnmpAuthError)):
            if self.unreachable:
                return
            self.unreachable = str(exc)
        self.builder.error(source, str(exc))

    def evidence_for(self, oid: str) -> str | None:
        return self.builder.evidence_id(f"snmp:{oid.strip('.')}")

    # -- typed access with errors --------------------------------------------------------------
    def expect(self, values: dict[str, SnmpValue], name: str, label: str, types: tuple[str, ...],
               report_missing: bool = True) -> SnmpValue | None:
        """The value ``name`` if present and of one of ``types``; otherwise None and (for a
        noSuch* value where one was expected, or a wrong type) an errors entry."""
        value = values.get(name)
        if value is None:
            return None
        if value.missing:
            if report_missing:
                self.builder.error(f"snmp:{value.oid}", f"{label} ({value.oid}): {value.type} — "
                                   f"the agent does not provide it; not recorded")
            return None
        if value.type not in types:
            self.builder.error(f"snmp:{value.oid}", f"{label} ({value.oid}) arrived as {value.type} "
                               f"{_short(value.value)}, expected {' or '.join(types)}: not recorded")
            return None
        return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------------------
# session from an asset, common probes
# --------------------------------------------------------------------------------------
def session_for(asset: Asset, inventory: Inventory, builder: FactsBuilder) -> SnmpSession | None:
    """The asset's session, or None with an errors entry (bad/missing credential)."""
    try:
        return SnmpSession.from_asset(asset, inventory)
    except InputError as exc:
        builder.error("snmp", f"cannot build the SNMP session: {exc.message}")
    return None


@dataclass
class SystemInfo:
    """The system group as read (values already recorded as facts and evidence)."""

    values: dict[str, SnmpValue]

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.value if value is not None and value.type == "STRING" else None

    @property
    def sys_object_id(self) -> str | None:
        value = self.values.get("sys_object_id")
        return value.value if value is not None and value.type == "OID" else None

    @property
    def sys_descr(self) -> str:
        return self.text("sys_descr") or ""

    @property
    def uptime_ticks(self) -> int | None:
        value = self.values.get("sys_uptime")
        return value.value if value is not None and value.type == "Timeticks" else None


async def collect_common(reader: SnmpReader, set_system: bool = True) -> SystemInfo | None:
    """System group (``snmp.sys_*``) and the collection's own version/security level; starts
    the version and default-community probes in the background (the caller ends with
    :func:`finish_common`). Returns None when the agent cannot be read (the error and the
    probes are recorded; the caller stops)."""
    session, builder = reader.session, reader.builder
    loop = asyncio.get_running_loop()
    started = loop.time()
    values = await reader.get(SYSTEM_GROUP, source="snmp")
    answer_time = loop.time() - started
    # an agent that answered (even with an error) in t seconds answers a probe in far less than 10 t
    answered = answer_time < 0.9 * session.timeout
    timeout = min(session.timeout, PROBE_TIMEOUT, max(PROBE_MIN_TIMEOUT, 10 * answer_time)) if answered \
        else min(session.timeout, PROBE_TIMEOUT)
    if reader.unreachable or not values:
        _record_probes(builder, await _probe(session, timeout), collected=False)
        return None
    reader.probes = asyncio.ensure_future(_probe(session, timeout))
    info = SystemInfo(values)
    for name in ("sys_descr", "sys_name", "sys_contact", "sys_location"):
        value = reader.expect(values, name, name, ("STRING",))
        if value is not None:
            builder.set(f"snmp.{name}", value.value, evidence=reader.evidence_for(value.oid))
    oid_value = reader.expect(values, "sys_object_id", "sysObjectID", ("OID",))
    if oid_value is not None:
        builder.set("snmp.sys_object_id", oid_value.value, evidence=reader.evidence_for(oid_value.oid))
    uptime = reader.expect(values, "sys_uptime", "sysUpTime", ("Timeticks",))
    if uptime is not None:
        builder.set("snmp.sys_uptime_seconds", uptime.value // 100, evidence=reader.evidence_for(uptime.oid))
        if set_system:
            set_if_absent(builder, "system.uptime_seconds", uptime.value // 100, reader.evidence_for(uptime.oid))
    name = info.text("sys_name")
    if set_system and name and name.strip():
        set_if_absent(builder, "system.hostname", name.strip(), reader.evidence_for(SYS_NAME))
    builder.set("snmp.collection.version", session.version)
    builder.set("snmp.collection.security_level", session.security_level)
    return info


async def finish_common(reader: SnmpReader) -> None:
    """Wait for the background probes of :func:`collect_common` and record them."""
    task, reader.probes = reader.probes, None
    if task is not None:
        _record_probes(reader.builder, await task, collected=True, session=reader.session)


class SnmpCollector(AsyncCollector):
    """What every SNMP platform does around its own part: open the session, the common
    probes (:func:`collect_common`), ``collect_details``, then the probes' results; an
    agent that cannot be read is one errors entry."""

    transport = "snmp"

    async def collect_async(self, asset: Asset, ctx: CollectionContext, builder: FactsBuilder) -> None:
        session = session_for(asset, ctx.inventory, builder)
        if session is None:
            return
        try:
            async with session:
                reader = SnmpReader(session, builder)
                info = await collect_common(reader)
                if info is not None:
                    try:
                        await self.collect_details(asset, reader, info)
                    finally:
                        await finish_common(reader)
        except SnmpError as exc:
            builder.error("snmp", str(exc))

    async def collect_details(self, asset: Asset, reader: SnmpReader, info: SystemInfo) -> None:
        raise NotImplementedError


async def _probe(session: SnmpSession, timeout: float) -> dict[str, Any]:
    """Concurrent, short probes: v1/v2c with the configured community (if any) and
    ``public``/``private`` with v1 and v2c."""
    jobs: dict[tuple[str, str], Any] = {}
    if session.has_community:
        for version in ("1", "2c"):
            if version != session.version:
                jobs[("configured", version)] = session.variant(version, timeout=timeout, retries=PROBE_RETRIES)
    for community in DEFAULT_COMMUNITIES:
        for version in ("2c", "1"):
            jobs[(community, version)] = session.variant(version, community=community, timeout=timeout,
                                                        retries=PROBE_RETRIES)
    answers = await asyncio.gather(*(s.answers() for s in jobs.values()))
    return {"timeout": timeout, "results": dict(zip(jobs.keys(), answers, strict=True))}


def _record_probes(builder: FactsBuilder, probe: dict[str, Any], collected: bool,
                   session: SnmpSession | None = None) -> None:
    results: dict[tuple[str, str], bool] = probe["results"]
    lines = [f"# probes: GET sysObjectID.0, timeout {probe['timeout']:.2g}s, {PROBE_RETRIES} retry"]
    for (who, version), ok in results.items():
        lines.append(f"{who if who in DEFAULT_COMMUNITIES else 'configured community'} "
                     f"{_LABEL[version]}: {'answered' if ok else 'no answer'}")
    accepted = {version for (_who, version), ok in results.items() if ok}
    if collected and session is not None:
        accepted.add(session.version)
        lines.append(f"collection {session.label} ({session.security_level}): answered")
    ev = builder.add_evidence("snmp:probe", "\n".join(lines) + "\n")
    answered = [c for c in DEFAULT_COMMUNITIES if results.get((c, "2c")) or results.get((c, "1"))]
    if collected or accepted:
        builder.set("snmp.versions_accepted", [v for v in ("1", "2c", "3") if v in accepted], evidence=ev)
        builder.set("snmp.default_communities_answered", answered, evidence=ev)


def set_if_absent(builder: FactsBuilder, path: str, value: Any, evidence: str | None = None) -> None:
    """Set a fact unless another collector (SSH, which is authoritative) already did."""
    node: Any = builder.facts
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            builder.set(path, value, evidence=evidence)
            return
        node = node[part]


def clean_text(value: str | None) -> str | None:
    """A device string for a fact: trimmed; blank -> None (absent)."""
    if value is None:
        return None
    value = value.strip()
    return value or None


_ENTERPRISE = re.compile(r"^1\.3\.6\.1\.4\.1\.(\d+)(?:\.|$)")


def enterprise_number(sys_object_id: str | None) -> int | None:
    match = _ENTERPRISE.match(sys_object_id or "")
    return int(match.group(1)) if match else None


__all__ = [
    "SnmpSession", "SnmpReader", "SnmpValue", "WalkResult", "SnmpError", "SnmpTimeout", "SnmpAuthError",
    "SnmpStatusError",
    "SystemInfo", "SnmpCollector", "collect_common", "finish_common", "session_for", "set_if_absent", "clean_text", "enterprise_number",
    "decode_octets", "convert",
]
