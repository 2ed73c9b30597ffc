"""One agent, one version and credential: :class:`SnmpSession`.

v1/v2c community or v3 USM user (keys by reference), timeout and retries. ``get(oids)``
and ``walk(prefix)`` (GETBULK for v2c/v3, GETNEXT for v1), always bounded by ``max_rows``.
Secrets are read from their reference when the session is built and appear in no
message, evidence, fact or exception text.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Sequence

from ...errors import InputError
from ...inventory import Asset, Inventory, resolve_secret
from . import diagnose
from .engines import POOL, hlapi
from .errors import SnmpError, SnmpStatusError, status_name
from .values import SnmpValue, convert
from .walks import WalkResult, walk

DEFAULT_TIMEOUT = 2.0
DEFAULT_RETRIES = 1
DEFAULT_MAX_ROWS = 10000
DEFAULT_MAX_REPETITIONS = 25
GET_BATCH = 20                 # var-binds per GET request (stay well below tooBig)

AUTH_PROTOCOLS = {
    "md5": "usmHMACMD5AuthProtocol", "sha": "usmHMACSHAAuthProtocol",
    "sha224": "usmHMAC128SHA224AuthProtocol", "sha256": "usmHMAC192SHA256AuthProtocol",
    "sha384": "usmHMAC256SHA384AuthProtocol", "sha512": "usmHMAC384SHA512AuthProtocol",
}
PRIV_PROTOCOLS = {
    "des": "usmDESPrivProtocol", "3des": "usm3DESEDEPrivProtocol",
    "aes": "usmAesCfb128Protocol", "aes128": "usmAesCfb128Protocol",
    "aes192": "usmAesCfb192Protocol", "aes256": "usmAesCfb256Protocol",
}
LABEL = {"1": "SNMPv1", "2c": "SNMPv2c", "3": "SNMPv3"}


def _check_v3(user: str | None, address: str, auth_protocol: str, auth_key: str | None,
              priv_protocol: str, priv_key: str | None) -> None:
    """Raise :class:`InputError` for an SNMPv3 user that cannot work (message without keys)."""
    if not user:
        raise InputError(f"SNMPv3 to {address}: the credential names no USM user")
    if auth_protocol != "none" and not auth_key:
        raise InputError(f"SNMPv3 user {user!r}: auth_protocol {auth_protocol} needs "
                         f"auth_key_env or auth_key_file")
    if priv_protocol != "none" and not priv_key:
        raise InputError(f"SNMPv3 user {user!r}: priv_protocol {priv_protocol} needs "
                         f"priv_key_env or priv_key_file")
    if priv_protocol != "none" and auth_protocol == "none":
        raise InputError(f"SNMPv3 user {user!r}: privacy needs authentication too")
    if auth_protocol != "none" and auth_protocol not in AUTH_PROTOCOLS:
        raise InputError(f"SNMPv3 user {user!r}: unknown auth_protocol {auth_protocol!r}")
    if priv_protocol != "none" and priv_protocol not in PRIV_PROTOCOLS:
        raise InputError(f"SNMPv3 user {user!r}: unknown priv_protocol {priv_protocol!r}")
    for what, key in (("auth", auth_key), ("priv", priv_key)):
        if key is not None and len(key) < 8:
            raise InputError(f"SNMPv3 user {user!r}: the {what} key is shorter than 8 characters "
                             f"(RFC 3414 minimum)")


class SnmpSession:
    """One agent with one version and credential. Use as ``async with session:``."""

    def __init__(self, host: str, port: int = 161, version: str = "2c", *, community: str | None = None,
                 user: str | None = None, auth_protocol: str | None = None, auth_key: str | None = None,
                 priv_protocol: str | None = None, priv_key: str | None = None, context: str = "",
                 timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                 max_rows: int = DEFAULT_MAX_ROWS, max_repetitions: int = DEFAULT_MAX_REPETITIONS) -> None:
        if version not in LABEL:
            raise InputError(f"SNMP version {version!r} is not one of 1, 2c, 3")
        self.host = host
        self.port = int(port)
        self.version = version
        self.user = user
        self.context = context or ""
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
            _check_v3(user, self.address, self.auth_protocol, auth_key, self.priv_protocol, priv_key)
        if self.context and version != "3":
            raise InputError(f"{self.label} to {self.address}: 'context' is an SNMPv3 setting (v1/v2c agents "
                             f"select a device by community)")
        if len(self.context.encode("utf-8")) > 32:
            raise InputError(f"SNMPv3 context {self.context!r} is longer than 32 bytes (RFC 3411)")
        self._engine = None
        self._target = None
        self._auth = None
        self._depth = 0
        self.diagnosing = False      # a diagnosis probe does not diagnose itself

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
        if block.get("context") is not None:
            kwargs["context"] = str(block["context"])
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
                without_privacy: bool = False, context: str | None = None) -> "SnmpSession":
        """A session to the same agent with another version/community (probes). v3 keeps the
        user and keys (``without_privacy``: authNoPriv) and the context (or ``context``);
        v1/v2c use ``community`` or this session's own."""
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
            context=(self.context if context is None else context) if version == "3" else "",
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
        return LABEL[self.version]

    @property
    def security_level(self) -> str:
        if self.version != "3" or self.auth_protocol == "none":
            return "noAuthNoPriv"
        return "authNoPriv" if self.priv_protocol == "none" else "authPriv"

    def __repr__(self) -> str:
        who = f" user={self.user}" if self.version == "3" else ""
        who += f" context={self.context}" if self.context else ""
        return f"SnmpSession({self.label} {self.address}{who})"

    def scrub(self, text: str) -> str:
        """``text`` with this session's secrets replaced by ``***``."""
        for secret in (self.__community, self.__auth_key, self.__priv_key):
            if secret:
                text = text.replace(secret, "***")
        return text

    def endpoint_key(self) -> tuple:
        """``(host, port, version, digest of the credential)``: what an agent's answer to this
        session depends on (the digest keeps the secret out of any table)."""
        return (self.host, self.port, self.version, self._credential_key(with_community=True))

    # -- lifecycle --------------------------------------------------------------------------
    def _credential_key(self, with_community: bool = False) -> str:
        if self.version != "3":
            if not with_community:
                return "community"
            return "community-" + hashlib.sha256((self.__community or "").encode(
                "utf-8", "surrogateescape")).hexdigest()
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
        hl = hlapi(self.version)
        try:
            self._target = await hl.UdpTransportTarget.create((self.host, self.port), timeout=self.timeout,
                                                               retries=self.retries)
        except Exception as exc:
            raise SnmpError(f"cannot resolve or reach {self.address}: {type(exc).__name__}") from None
        if self.version == "3":
            auth_proto = getattr(hl, AUTH_PROTOCOLS[self.auth_protocol]) if self.auth_protocol != "none" \
                else hl.usmNoAuthProtocol
            priv_proto = getattr(hl, PRIV_PROTOCOLS[self.priv_protocol]) if self.priv_protocol != "none" \
                else hl.usmNoPrivProtocol
            try:
                self._auth = hl.UsmUserData(self.user, authKey=self.__auth_key, privKey=self.__priv_key,
                                            authProtocol=auth_proto, privProtocol=priv_proto)
            except Exception as exc:
                raise SnmpError(f"SNMPv3 user {self.user!r}: cannot set up USM security "
                                f"({type(exc).__name__})") from None
        else:
            self._auth = hl.CommunityData(self.__community, mpModel=0 if self.version == "1" else 1)
        self._engine = POOL.acquire(self._credential_key())

    def _close(self) -> None:
        if self._engine is not None:
            POOL.release(self._engine)
        self._engine = None
        self._target = None
        self._auth = None

    # -- operations ---------------------------------------------------------------------------
    async def request(self, kind: str, oids: Sequence[str], repetitions: int = 0):
        """One ``get`` / ``next`` / ``bulk`` request: ``(error_status, error_index,
        [(oid, pysnmp value)])``. Raises :class:`SnmpError` when no usable answer came."""
        if self._engine is None:
            raise RuntimeError("SnmpSession used outside 'async with'")
        try:
            if self.version == "3":
                hl = hlapi("3")
                var_binds = [hl.ObjectType(hl.ObjectIdentity(o)) for o in oids]
                head = (self._engine, self._auth, self._target, hl.ContextData(contextName=self.context))
            else:   # raw var-binds: no MIB lookups on the v1arch path
                from pyasn1.type import univ
                from pysnmp.proto import rfc1902

                hl = hlapi(self.version)
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
                            f"{self.scrub(str(exc))[:200]}") from None
        indication, status, index, returned = result
        if indication:
            raise await diagnose.request_failed(self, indication)
        return int(status or 0), int(index or 0), [(".".join(str(x) for x in vb[0]), vb[1]) for vb in returned or ()]

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
                status, index, returned = await self.request("get", pending)
                if status == 2 and 0 < index <= len(pending):   # v1 noSuchName: drop it, ask again
                    out[pending[index - 1]] = SnmpValue(pending[index - 1], "noSuchObject")
                    pending = pending[:index - 1] + pending[index:]
                    continue
                if status:
                    raise SnmpStatusError(f"{self.label} to {self.address}: agent answered {status_name(status)}"
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
        return await walk(self, prefix, max_rows)

    async def answers(self, oid: str = "1.3.6.1.2.1.1.2.0") -> bool:
        """Whether the agent answers a GET of ``oid`` (sysObjectID.0) with this version and
        credential."""
        try:
            async with self:
                await self.get([oid])
            return True
        except SnmpError:
            return False
