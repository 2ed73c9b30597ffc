"""The SSH host keys of one run: each known_hosts file read once, shared by every
session of every platform (netmiko and paramiko alike), thread-safe.

Loading known_hosts into each connection (paramiko's ``load_host_keys``) compares
every line with all earlier ones and decodes every key, so a run over N devices
with an N-line file costs O(N²): at 1,000 devices it was most of the collection
time. Here the file is indexed once by host name, keys are decoded only for the
host being connected to, and each connection's paramiko client gets just that
host's entries — paramiko then checks the offered key exactly as before (a
changed key raises ``BadHostKeyException``, an unknown one goes to the missing-key
policy, which refuses or, with trust on first use, records it).

Same reading as paramiko's loader: ``host[,host...] keytype base64`` lines, plain
or OpenSSH-hashed (``|1|salt|hash``) names, comments and blank lines skipped,
marker lines (``@cert-authority``, ``@revoked``) and unknown key types skipped
(paramiko ignores them too). A key whose base64 cannot be decoded is refused with
the file and line, never skipped silently.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import hmac
import threading
from pathlib import Path

import paramiko

from ..errors import CollectionError
from .base import CollectionContext

_stores_lock = threading.Lock()


class KnownHosts:
    """One known_hosts file, parsed once; lookups and recordings are thread-safe."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._plain: dict[str, list[tuple[str, str, int]]] = {}       # name -> [(keytype, base64, line)]
        self._hashed: list[tuple[bytes, bytes, str, str, int]] = []    # (salt, digest, keytype, base64, line)
        self._decoded: dict[tuple[str, str], paramiko.PKey | None] = {}
        self._revoked: set[str] = set()                               # base64 of @revoked keys
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                raise CollectionError(f"cannot read known_hosts {path}: {exc.strerror or exc}", source="ssh") from None
            self._index(text)

    def _index(self, text: str) -> None:
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            fields = line.split()
            if fields[0] == "@revoked" and len(fields) >= 4:
                self._revoked.add(fields[3])
            if fields[0].startswith("@"):
                continue
            if len(fields) < 3:
                continue
            names, keytype, blob = fields[0], fields[1], fields[2]
            for name in names.split(","):
                if name.startswith("|1|"):
                    parts = name.split("|")
                    try:
                        salt, digest = base64.b64decode(parts[2]), base64.b64decode(parts[3])
                    except (IndexError, binascii.Error, ValueError):
                        continue
                    self._hashed.append((salt, digest, keytype, blob, lineno))
                else:
                    self._plain.setdefault(name, []).append((keytype, blob, lineno))

    def _entries(self, name: str) -> list[tuple[str, str, int]]:
        found = list(self._plain.get(name, ()))
        if self._hashed:
            wanted = name.encode("utf-8")
            for salt, digest, keytype, blob, lineno in self._hashed:
                if hmac.compare_digest(hmac.new(salt, wanted, hashlib.sha1).digest(), digest):
                    found.append((keytype, blob, lineno))
        return found

    def _key(self, keytype: str, blob: str, lineno: int) -> paramiko.PKey | None:
        cached = self._decoded.get((keytype, blob), False)
        if cached is not False:
            return cached
        try:
            data = base64.b64decode(blob, validate=True)
        except (binascii.Error, ValueError):
            raise CollectionError(f"known_hosts {self.path} line {lineno}: the key is not valid base64",
                                  source="ssh") from None
        try:
            key = paramiko.PKey.from_type_string(keytype, data)
        except paramiko.UnknownKeyType:
            key = None                       # paramiko skips key types it cannot use; so do we
        except (paramiko.SSHException, ValueError) as exc:
            raise CollectionError(f"known_hosts {self.path} line {lineno}: unreadable {keytype} key ({exc})",
                                  source="ssh") from None
        self._decoded[(keytype, blob)] = key
        return key

    def install(self, client: paramiko.SSHClient, name: str) -> None:
        """Give ``client`` this host's known keys (``name`` as known_hosts writes it:
        ``host`` or ``[host]:port``); the first key of each type counts, as with paramiko."""
        with self._lock:
            keys = [self._key(t, b, n) for t, b, n in self._entries(name)]
        host_keys = client.get_host_keys()
        seen = set()
        for key in keys:
            if key is not None and key.get_name() not in seen:
                seen.add(key.get_name())
                host_keys.add(name, key.get_name(), key)

    def refuse_revoked(self, name: str, key: paramiko.PKey) -> None:
        """After the handshake: a key marked ``@revoked`` is refused even where it is known."""
        if key.get_base64() in self._revoked:
            raise CollectionError(f"SSH host key for {name} ({key.get_name()} {fingerprint(key)}) is marked "
                                  f"@revoked in {self.path}; refusing to connect", source="ssh")

    def record(self, name: str, key: paramiko.PKey) -> bool:
        """Trust on first use: append ``key`` for ``name`` (file and index) unless another
        session recorded one for it meanwhile. True when recorded now; a key recorded
        meanwhile that differs is refused as a changed key."""
        with self._lock:
            for keytype, blob, _ in self._entries(name):
                if keytype == key.get_name():
                    if blob == key.get_base64():
                        return False
                    raise paramiko.BadHostKeyException(name, key, self._key(keytype, blob, 0))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="ascii") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)      # collection worker processes append to one file
                fh.write(f"{name} {key.get_name()} {key.get_base64()}\n")
            self._plain.setdefault(name, []).append((key.get_name(), key.get_base64(), 0))
            self._decoded[(key.get_name(), key.get_base64())] = key
            return True


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style ``SHA256:...`` fingerprint, as ``ssh-keygen -lf`` prints it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode("ascii").rstrip("=")


def known_hosts_for(ctx: CollectionContext, path: Path) -> KnownHosts:
    """The run's parsed copy of ``path`` (read on first use, then shared)."""
    key = ("known_hosts", str(path))
    with _stores_lock:
        store = ctx.shared.get(key)
        if store is None:
            store = ctx.shared[key] = KnownHosts(path)
        return store
