"""Secret redaction for network configurations: one table per platform of every
secret-bearing command, applied before a configuration is kept as evidence,
parsed, or quoted anywhere.

Each table entry is a :class:`SecretForm`: a documented example and a regular
expression (``re.MULTILINE``) whose groups named ``secret``, ``secret2``, ...
hold secret values. Everything else on the line stays, because controls judge
it: the type digit of ``enable secret 5 …`` / ``crypto isakmp key 6 …``, the
algorithm word (``pbkdf2``, ``md5``, ``sha``), FortiOS ``ENC``, the ``$6$``/``$9$``
scheme prefix of a hash, and the well-known default SNMP communities
``public``/``private`` (a default community is a finding, not a secret).

``redact(platform, text)`` is the one entry point; ``redact_bytes`` does the same
for raw device output. A platform without a table is refused (KeyError) rather
than passed through unredacted.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterator

REDACTED = "<removed>"
_ALREADY = ("<removed", "&lt;removed")
DEFAULT_COMMUNITIES = frozenset({"public", "private"})

# value shapes
_T = r"(?:[ \t]+[0-9])?"                         # optional Cisco type digit (0, 5, 6, 7, 8, 9) - kept
_V = r"(?P<secret>\S+)"                          # one token
_REST = r"(?P<secret>\S(?:[^\n]*\S)?)"           # to the end of the line (IOS allows embedded spaces)
_Q = r'(?P<secret>"[^"\n]*"|[^\s;"]+)'           # Junos/PAN-OS: quoted or bare up to ';'
_ML = r'(?P<secret>"[^"]*"|[^\s;"]+)'            # FortiOS: a quoted value may span lines (private keys)
_I = r"^[ \t]*"                                  # any indentation


@dataclass(frozen=True)
class SecretForm:
    example: str            # the documented command, secret shown as X
    pattern: re.Pattern | None
    keep_defaults: bool = False   # SNMP communities: public/private are findings, not secrets
    finder: Callable[[str], Iterator[tuple[int, int]]] | None = None   # forms a regex cannot scope

    def spans(self, text: str, lowered: str | None = None) -> Iterator[tuple[int, int]]:
        if self.finder is not None:
            yield from self.finder(text)
            return
        if lowered is not None and not all(n in lowered for n in _needles(self.pattern)):
            return   # a word every match must contain is nowhere in the text: the regex cannot match
        start = _start(self.pattern) if lowered is not None else None
        if start is not None and sum(map(lowered.count, start[0])) * 64 > len(text):
            start = None   # a word on nearly every line ('set '): the regex's own scan is cheaper
        matches = self.pattern.finditer(text) if start is None else _matches_at(self.pattern, text, lowered, *start)
        for m in matches:
            for name, value in m.groupdict().items():
                # already redacted (a platform's own pass may number its stand-ins: <removed-2>)
                if not name.startswith("secret") or value is None or value.strip('"').startswith(_ALREADY):
                    continue
                if self.keep_defaults and value.strip('"').lower() in DEFAULT_COMMUNITIES:
                    continue
                yield m.span(name)


@functools.lru_cache(maxsize=None)
def _needles(pattern: re.Pattern) -> tuple[str, ...]:
    """Literal runs (4+ characters, lowercased) that every match of ``pattern`` contains: the
    plain characters of its top-level sequence, a run broken by anything else (a class, a
    branch, a repeat, an anchor). Conservative: on any doubt, none, and the regex runs.
    Checking them with ``in`` first spares most of a table's 15-35 scans of a long config."""
    try:
        from re import _constants as sc, _parser as sp
        tree = sp.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an internal API that may change: then no prefilter
        return ()
    runs, current = [], []
    for op, arg in tree:
        if op is sc.LITERAL:
            current.append(chr(arg))
        else:
            runs.append("".join(current))
            current = []
    runs.append("".join(current))
    return tuple(r.lower() for r in runs if len(r) >= 4)


@functools.lru_cache(maxsize=None)
def _start(pattern: re.Pattern) -> tuple[tuple[str, ...], str] | None:
    """Where a match of ``pattern`` can start, as (words, mode), or None when it cannot be said:

    * ``word``: where one of the words begins (``\\bword…``, ``word…``, ``\\b(?:a|b)…``);
    * ``line``: at the start of a line holding only blanks before a word (``^[ \\t]*word…``);
    * ``in_line``: at the start of a line holding a word (``^(?!…)[^\\n]*?\\bword…``).

    Such a form is tried only there, the words found by ``str.find`` in C, instead of by the
    regex at every character of a long config; tests/test_redaction.py holds both equal."""
    try:
        from re import _constants as sc, _parser as sp
        tree = list(sp.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - an internal API that may change: then the plain scan
        return None

    def repeat_of(item, allowed, min_max) -> bool:
        op, arg = item
        return op in (sc.MAX_REPEAT, sc.MIN_REPEAT) and arg[0] in min_max and arg[1] is sc.MAXREPEAT \
            and list(arg[2]) == allowed

    mode = "word"
    if tree and tree[0] == (sc.AT, sc.AT_BOUNDARY):
        tree = tree[1:]
    elif tree and tree[0] == (sc.AT, sc.AT_BEGINNING) and pattern.flags & re.MULTILINE:
        tree = tree[1:]
        while tree and tree[0][0] is sc.ASSERT_NOT:
            tree = tree[1:]
        if tree and repeat_of(tree[0], [(sc.IN, [(sc.LITERAL, 32), (sc.LITERAL, 9)])], (0, 1)):
            mode, tree = "line", tree[1:]
        elif tree and repeat_of(tree[0], [(sc.NOT_LITERAL, 10)], (0,)):
            mode, tree = "in_line", tree[1:]
            if tree and tree[0] == (sc.AT, sc.AT_BOUNDARY):
                tree = tree[1:]
        else:
            return None

    def literal(items) -> str:
        out = ""
        for op, arg in items:
            if op is not sc.LITERAL or arg > 127:
                break
            out += chr(arg)
        return out

    words: tuple[str, ...] = (literal(tree),)
    first = tree[0] if tree else (None, None)
    if first[0] is sc.SUBPATTERN and len(first[1][3]) == 1:        # (a|b|c)…
        first = first[1][3][0]
    if not words[0] and first[0] is sc.BRANCH:                     # (?:a|b|c)…, inlined by the parser
        branches = first[1][1]
        if all(len(literal(br)) == len(list(br)) for br in branches):
            words = tuple(literal(br) for br in branches)
    if not words or any(len(w) < 3 or w[0] in " \t" for w in words):
        return None
    return tuple(w.lower() for w in words), mode


def _matches_at(pattern: re.Pattern, text: str, lowered: str, words: tuple[str, ...], mode: str) -> Iterator[re.Match]:
    """What ``pattern.finditer(text)`` gives, trying the pattern only where a match can start
    (see :func:`_start`; ``lowered`` is ``text.lower()`` of an ASCII text)."""
    begins = set()
    for word in words:
        at = lowered.find(word)
        while at >= 0:
            if mode == "word":
                begins.add(at)
            else:
                begin = text.rfind("\n", 0, at) + 1
                if mode == "in_line" or not text[begin:at].strip(" \t"):
                    begins.add(begin)
            at = lowered.find(word, at + 1)
    end = 0
    for begin in sorted(begins):
        if begin >= end:
            m = pattern.match(text, begin)
            if m is not None:
                yield m
                end = m.end()


def _form(example: str, pattern: str, keep_defaults: bool = False) -> SecretForm:
    return SecretForm(example, re.compile(pattern, re.MULTILINE | re.IGNORECASE), keep_defaults)


# generic keyword rules skip free text (descriptions, remarks, banners)
_NOT_TEXT = r"^(?![ \t]*(?:description|remark|banner|alias)\b)[^\n]*?"
_NOT_NTP = r"^(?![ \t]*ntp\b)[^\n]*?"       # 'ntp authentication-key N md5 X' has its own form


def _block(parent: str, child: str) -> str:
    """``child`` on an indented line inside the block opened by a line matching ``parent``."""
    return rf"^{parent}[^\n]*\n(?:[ \t]+[^\n]*\n)*?[ \t]+{child}"


# -- Cisco IOS / IOS-XE -------------------------------------------------------------------------
# Password commands that may carry embedded spaces end the line (Cisco: "must be the last option").
IOS: tuple[SecretForm, ...] = (
    _form("enable secret [level N] [0|5|8|9] X", rf"{_I}enable (?:secret|password)(?:[ \t]+level \d+)?{_T}[ \t]+{_REST}"),
    _form("username U [privilege N] [algorithm-type A] secret|password [type] X",
          rf"{_I}username \S+\b.*?[ \t](?:secret|password){_T}[ \t]+{_REST}"),
    _form("line: password [0|7] X", rf"{_I}password{_T}[ \t]+{_REST}"),
    _form("snmp-server community X [RO|RW] [acl]", rf"{_I}snmp-server community[ \t]+{_V}", keep_defaults=True),
    _form("snmp-server host A [vrf V] [traps|informs] [version 1|2c|3 [auth|noauth|priv]] X",
          rf"{_I}snmp-server host \S+(?:[ \t]+vrf \S+)?(?:[ \t]+(?:traps|informs))?"
          rf"(?:[ \t]+version (?:1|2c|3(?:[ \t]+(?:auth|noauth|priv))?))?[ \t]+(?!(?:traps|informs|version)\b){_V}",
          keep_defaults=True),
    _form("snmp-server user U G v3 [encrypted] auth md5|sha X ...",
          rf"{_I}snmp-server user \S.*?[ \t]auth[ \t]+(?:md5|sha\d*)[ \t]+{_V}"),
    _form("snmp-server user U G v3 ... priv des|3des|aes [128|192|256] X",
          rf"{_I}snmp-server user \S.*?[ \t]priv[ \t]+(?:des56|des|3des|aes)(?:[ \t]+(?:128|192|256))?[ \t]+{_V}"),
    _form("tacacs-server|radius-server [host A ...] key [0|7] X",
          rf"{_I}(?:tacacs|radius)-server\b[^\n]*?[ \t]key{_T}[ \t]+{_REST}"),
    _form("tacacs server|radius server NAME / key [0|6|7] X",
          _block(r"(?:tacacs|radius) server ", rf"key{_T}[ \t]+{_REST}")),
    _form("aaa server radius dynamic-author / client A server-key [0|7] X | server-key X",
          rf"\bserver-key{_T}[ \t]+{_V}"),
    _form("ntp authentication-key N md5 X [7]", rf"{_I}ntp authentication-key \d+ \S+[ \t]+{_V}"),
    _form("key chain K / key N / key-string [0|7] X (also standby|vrrp|glbp ... md5 key-string)",
          rf"\bkey-string{_T}[ \t]+{_V}"),
    _form("standby|vrrp|glbp [N] authentication [text] X",
          rf"{_I}(?:standby|vrrp|glbp)(?:[ \t]+\d+)?[ \t]+authentication(?:[ \t]+text)?[ \t]+(?!md5\b|text\b){_V}"),
    _form("ip ospf authentication-key [0|7] X | area A virtual-link B authentication-key X",
          rf"{_NOT_NTP}\bauthentication-key{_T}[ \t]+{_V}"),
    _form("ip ospf message-digest-key N md5 [0|7] X", rf"\bmessage-digest-key \d+ md5{_T}[ \t]+{_V}"),
    _form("ospfv3 authentication ipsec spi N md5|sha1 [0|7] X",
          rf"\b(?:ospfv3|ipv6 ospf) (?:authentication|encryption)[^\n]*?[ \t](?:md5|sha1|3des|aes-cbc[ \t]+\d+|des)"
          rf"{_T}[ \t]+{_V}"),
    _form("neighbor A password [0|7] X (BGP), mpls ldp neighbor A password X, isis password X, "
          "area-password X, domain-password X, ppp chap password X, ip ftp password X",
          rf"{_NOT_TEXT}\bpassword{_T}[ \t]+(?!encryption\b|encrypt\b){_REST}"),
    _form("authentication mode hmac-sha-256 [0|7] X (EIGRP named mode)",
          rf"\bauthentication mode hmac-sha-256{_T}[ \t]+{_V}"),
    _form("crypto isakmp key [0|6] X address A", rf"{_I}(?:crypto )?isakmp key{_T}[ \t]+{_V}"),
    _form("crypto isakmp client configuration group G / key X",
          _block(r"crypto isakmp client configuration group ", rf"key{_T}[ \t]+{_V}")),
    _form("crypto keyring K / pre-shared-key address A [mask] key [0|6] X",
          rf"\bpre-shared-key (?:address|hostname) [^\n]*?\bkey{_T}[ \t]+{_V}"),
    _form("crypto ikev2 keyring / peer / pre-shared-key [local|remote] [0|6] X",
          rf"{_I}pre-shared-key(?:[ \t]+(?:local|remote))?{_T}[ \t]+(?!address\b|hostname\b){_V}"),
    _form("ip nhrp authentication X", rf"\bip nhrp authentication[ \t]+{_V}"),
    _form("ppp pap sent-username U password [0|7] X", rf"\bsent-username \S+ password{_T}[ \t]+{_V}"),
    _form("wpa-psk ascii|hex [0|7] X", rf"\bwpa-psk[ \t]+(?:ascii|hex){_T}[ \t]+{_V}"),
    _form("key config-key password-encrypt X", rf"\bkey config-key password-encrypt(?:ion)?[ \t]+{_V}"),
    _form("secret [type] X (l2tp-class digest secret, and any other 'secret' keyword)",
          rf"{_NOT_TEXT}\bsecret{_T}[ \t]+(?!level\b){_REST}"),
)

# -- Cisco ASA ----------------------------------------------------------------------------------
ASA: tuple[SecretForm, ...] = (
    _form("enable password X [pbkdf2|encrypted] [level N]", rf"{_I}enable password[ \t]+{_V}"),
    _form("passwd|password X [encrypted]", rf"{_I}(?:passwd|password)[ \t]+{_V}"),
    _form("username U password X [pbkdf2|encrypted] [privilege N]", rf"{_I}username \S+ password[ \t]+{_V}"),
    _form("aaa-server G host A / key X", _block(r"aaa-server ", rf"key[ \t]+{_V}")),
    _form("aaa-server G host A / radius-common-pw X", rf"\bradius-common-pw[ \t]+{_V}"),
    _form("aaa-server G host A / ldap-login-password X", rf"\bldap-login-password[ \t]+{_V}"),
    _form("aaa-server G (if) host A key X (one line)", rf"{_I}aaa-server \S+[^\n]*?[ \t]key[ \t]+{_V}"),
    _form("snmp-server community X", rf"{_I}snmp-server community[ \t]+{_V}", keep_defaults=True),
    _form("snmp-server host IF A [poll|trap] community X [version 2c]",
          rf"{_I}snmp-server host [^\n]*?[ \t]community{_T}[ \t]+{_V}", keep_defaults=True),
    _form("snmp-server user U G v3 [encrypted] auth sha X ...",
          rf"{_I}snmp-server user \S.*?[ \t]auth[ \t]+(?:md5|sha\d*)[ \t]+{_V}"),
    _form("snmp-server user U G v3 ... priv des|3des|aes 128|192|256 X",
          rf"{_I}snmp-server user \S.*?[ \t]priv[ \t]+(?:des|3des|aes)(?:[ \t]+(?:128|192|256))?[ \t]+{_V}"),
    _form("tunnel-group T ipsec-attributes / ikev1 pre-shared-key X | "
          "ikev2 local-authentication|remote-authentication pre-shared-key X", rf"\bpre-shared-key{_T}[ \t]+{_V}"),
    _form("isakmp key X address A (PIX)", rf"{_I}(?:crypto )?isakmp key[ \t]+{_V}"),
    _form("ntp authentication-key N md5 X", rf"{_I}ntp authentication-key \d+ \S+[ \t]+{_V}"),
    _form("failover key [hex] X", rf"{_I}failover key(?:[ \t]+hex)?[ \t]+{_V}"),
    _form("ospf authentication-key X", rf"{_NOT_NTP}\bauthentication-key{_T}[ \t]+{_V}"),
    _form("ospf message-digest-key N md5 X", rf"\bmessage-digest-key \d+ md5{_T}[ \t]+{_V}"),
    _form("neighbor A password X (BGP)", rf"\bneighbor \S+ password{_T}[ \t]+{_V}"),
    _form("authentication key eigrp AS X key-id N", rf"\bauthentication key eigrp \d+[ \t]+{_V}"),
    _form("key config-key password-encryption X", rf"\bkey config-key password-encrypt(?:ion)?[ \t]+{_V}"),
    _form("vpdn username U password X", rf"\bvpdn username \S+ password[ \t]+{_V}"),
    _form("crypto ca trustpoint / enrollment ... password X; any other 'password' keyword",
          rf"{_NOT_TEXT}[ \t]password[ \t]+{_V}"),
    _form("any 'secret' keyword", rf"{_NOT_TEXT}\bsecret[ \t]+{_V}"),
    _form("key-string X", rf"\bkey-string{_T}[ \t]+{_V}"),
)

# -- Arista EOS ---------------------------------------------------------------------------------
EOS: tuple[SecretForm, ...] = (
    _form("enable password|secret [0|5|7|sha512] X", rf"{_I}enable (?:password|secret)(?:[ \t]+(?:0|5|7|sha512))?[ \t]+{_V}"),
    _form("username U [privilege N] [role R] secret [0|5|sha512] X",
          rf"{_I}username \S+\b.*?[ \t](?:secret|password)(?:[ \t]+(?:0|5|7|sha512))?[ \t]+{_V}"),
    _form("snmp-server community X [view V] [ro|rw] [acl]", rf"{_I}snmp-server community[ \t]+{_V}", keep_defaults=True),
    _form("snmp-server host A [vrf V] [traps|informs] version 1|2c X",
          rf"{_I}snmp-server host \S+(?:[ \t]+vrf \S+)?(?:[ \t]+(?:traps|informs))?"
          rf"(?:[ \t]+version (?:1|2c|3(?:[ \t]+(?:auth|noauth|priv))?))?[ \t]+(?!(?:traps|informs|version)\b){_V}",
          keep_defaults=True),
    _form("snmp-server user U G v3 [localized E] auth md5|sha|sha256... X",
          rf"{_I}snmp-server user \S.*?[ \t]auth[ \t]+(?:md5|sha\d*)[ \t]+{_V}"),
    _form("snmp-server user U G v3 ... priv des|aes|aes192|aes256 X",
          rf"{_I}snmp-server user \S.*?[ \t]priv[ \t]+(?:des|3des|aes\d*)[ \t]+{_V}"),
    _form("tacacs-server|radius-server [host A ...] key [0|7] X",
          rf"{_I}(?:tacacs|radius)-server\b[^\n]*?[ \t]key{_T}[ \t]+{_V}"),
    _form("ntp authentication-key N md5|sha1 [0|7|8a] X",
          rf"{_I}ntp authentication-key \d+ \S+(?:[ \t]+(?:0|7|8a))?[ \t]+{_V}"),
    _form("neighbor A|GROUP password [0|7|8a] X (BGP)", rf"\bneighbor \S+ password(?:[ \t]+(?:0|7|8a))?[ \t]+{_V}"),
    _form("ip ospf authentication-key [0|7|8a] X", rf"{_NOT_NTP}\bauthentication-key(?:[ \t]+(?:0|7|8a))?[ \t]+{_V}"),
    _form("ip ospf message-digest-key N md5|sha... [0|7|8a] X",
          rf"\bmessage-digest-key \d+ \S+(?:[ \t]+(?:0|7|8a))?[ \t]+{_V}"),
    _form("isis authentication key [0|7|8a] X [level-N] / authentication key X",
          rf"\bauthentication key(?:[ \t]+(?:0|7|8a))?[ \t]+{_V}"),
    _form("vrrp N peer authentication text X | ietf-md5 key-string [0|7] X | vrrp N authentication text X",
          rf"\bauthentication[ \t]+(?:text|ietf-md5 key-string(?:[ \t]+(?:0|7))?)[ \t]+{_V}"),
    _form("management security / session shared-secret profile P / secret N [0|7|8a] X ...",
          rf"{_I}secret \d+(?:[ \t]+(?:0|7|8a))?[ \t]+{_V}"),
    _form("key-string [0|7|8a] X", rf"\bkey-string(?:[ \t]+(?:0|7|8a))?[ \t]+{_V}"),
    _form("pre-shared-key [0|7] X (ipsec / router path-selection)", rf"\bpre-shared-key(?:[ \t]+(?:0|7|8a))?[ \t]+{_V}"),
    _form("any other 'password' / 'secret' keyword",
          rf"{_NOT_TEXT}\b(?:password|secret)(?:[ \t]+(?:0|5|7|8a|sha512))?[ \t]+(?!(?:0|5|7|8a|sha512)\b){_V}"),
)

# -- Juniper Junos (hierarchical and 'set' display forms) ---------------------------------------
JUNOS: tuple[SecretForm, ...] = (
    _form('encrypted-password "$6$…" (system login user / root-authentication)', rf"\bencrypted-password[ \t]+{_Q}"),
    _form('radius-server|tacacs-server A secret "$9$…"', rf"\bsecret[ \t]+{_Q}"),
    _form('authentication-key "$9$…" (ospf, bgp, vrrp, is-is, ldp)',
          rf"\bauthentication-key[ \t]+(?!\d+[ \t]+type\b){_Q}"),
    _form('ntp authentication-key N type md5 value "$9$…"', rf"\bauthentication-key \d+ [^\n]*?\bvalue[ \t]+{_Q}"),
    _form('ospf authentication simple-password "$9$…"', rf"\bsimple-password[ \t]+{_Q}"),
    _form('ospf authentication md5 N key "$9$…"', rf"\bmd5 \d+ key[ \t]+{_Q}"),
    _form('authentication-key-chains key-chain K key N secret "$9$…"', rf"\bkey \d+ secret[ \t]+{_Q}"),
    _form('ike policy P pre-shared-key ascii-text|hexadecimal "$9$…"',
          rf"\bpre-shared-key[ \t]+(?:ascii-text|hexadecimal)[ \t]+{_Q}"),
    _form("snmp community X ...", rf"\bsnmp[ \t]+(?:\{{[ \t]*)?community[ \t]+{_Q}", keep_defaults=True),
    _form("snmp { community X { ... } } (hierarchical; policy-options communities have 'members' and stay)",
          rf"^[ \t]+community[ \t]+{_Q}(?=[ \t]*[{{;])", keep_defaults=True),
    _form('snmp v3 usm ... authentication-key|privacy-key "$9$…"', rf"\b(?:authentication|privacy)-key[ \t]+{_Q}"),
    _form('snmp v3 usm ... authentication-password|privacy-password X',
          rf"\b(?:authentication|privacy)-password[ \t]+{_Q}"),
    _form('ppp chap-secret "$9$…" / pap password X', rf"\b(?:chap-secret|local-password|default-chap-secret)[ \t]+{_Q}"),
    _form('any other password "X" (pap password, ldap); not a word of an authentication-order list',
          rf"\bpassword[ \t]+(?![\[\];]){_Q}"),
    _form('any "$9$…" reversible secret anywhere', r'(?P<secret>"?\$9\$[^\s";]+"?)'),
)

_FORTI_CONFIG = re.compile(r"^[ \t]*config[ \t]+(.+?)[ \t]*$")
_FORTI_END = re.compile(r"^[ \t]*end[ \t]*$")
_FORTI_NAME = re.compile(r'^[ \t]*set[ \t]+name[ \t]+("[^"\n]*"|\S+)')


def _fortios_communities(text: str) -> Iterator[tuple[int, int]]:
    """``set name X`` is the community string only inside ``config system snmp community``
    (elsewhere ``set name`` names objects); the ``config``/``end`` nesting decides."""
    stack: list[str] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        if m := _FORTI_CONFIG.match(line):
            stack.append(m.group(1).strip())
        elif _FORTI_END.match(line):
            if stack:
                stack.pop()
        elif stack and stack[-1] == "system snmp community" and (m := _FORTI_NAME.match(line)):
            if m.group(1).strip('"').lower() not in DEFAULT_COMMUNITIES:
                yield pos + m.start(1), pos + m.end(1)
        pos += len(line)


# -- Fortinet FortiOS ('config … / edit … / set … / next / end') --------------------------------
FORTIOS: tuple[SecretForm, ...] = (
    _form("set password ENC X (system admin, ha, user local/ldap/radius, bgp neighbor, ...)",
          rf"{_I}set password(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("set passwd ENC X", rf"{_I}set passwd(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("set psksecret ENC X (vpn ipsec phase1[-interface])", rf"{_I}set psksecret(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("set ppk-secret ENC X", rf"{_I}set ppk-secret(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("set secret ENC X (user radius, system radius)", rf"{_I}set (?:secondary-|tertiary-)?secret(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("set key ENC X (user tacacs+)", rf"{_I}set (?:secondary-|tertiary-)?key(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("set auth-pwd|priv-pwd ENC X (system snmp user)", rf"{_I}set (?:auth|priv)-pwd(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("set passphrase ENC X (wireless vap, ...)", rf"{_I}set (?:passphrase|sae-password)(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("set md5-key|key-string|auth-string|auth-password|authentication-key ENC X (ospf, rip, vrrp)",
          rf"{_I}set (?:md5-key|key-string|auth-string|auth-password|authentication-key|auth-key)"
          rf"(?:[ \t]+\d+)?(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form('set private-key "-----BEGIN ENCRYPTED PRIVATE KEY-----…" (vpn certificate local; spans lines)',
          rf"{_I}set private-key(?:[ \t]+ENC)?[ \t]+{_ML}"),
    SecretForm("config system snmp community / edit N / set name X", None, finder=_fortios_communities),
    _form("any other 'set …password|…secret|…-key … ENC X'",
          rf"{_I}set [\w-]*(?:password|passwd|secret|psk|pwd)[\w-]*(?:[ \t]+ENC)?[ \t]+{_ML}"),
    _form("any 'ENC X' value", r"\bENC[ \t]+(?P<secret>[^\s\"]+)"),
)

# -- Palo Alto PAN-OS (XML, 'set' and hierarchical display forms) -------------------------------
_PAN_WORDS = (r"phash|password|password-hash|key|secret|authpwd|privpwd|"
              r"bind-password|private-key|pre-shared-key|passphrase|api-key|shared-secret|auth-password|"
              r"priv-password|md5-key|authentication-key")
PANOS: tuple[SecretForm, ...] = (
    # a community 'public'/'private' is a finding, not a secret: its own forms keep those
    _form("<snmp-community-string>X</snmp-community-string> (XML)",
          r"<snmp-community-string>(?P<secret>[^<]*)</snmp-community-string>", keep_defaults=True),
    _form("snmp-community-string X; / set … snmp-community-string X",
          rf"[ \t]snmp-community-string[ \t]+{_Q}", keep_defaults=True),
    _form("<phash|password|key|secret|…>X</…> (XML; a private key may span lines)",
          rf"<(?P<tag>{_PAN_WORDS})(?:[ \t][^>]*)?>(?P<secret>[^<]*)</(?P=tag)>", keep_defaults=False),
    _form("phash|password|key|secret|… X; (hierarchical display)",
          rf"^[ \t]*(?:{_PAN_WORDS})[ \t]+{_Q}[ \t]*;"),
    _form("set … phash|password|key|secret|snmp-community-string|authpwd|privpwd|bind-password X",
          rf"^[ \t]*set [^\n]*[ \t](?:{_PAN_WORDS})[ \t]+{_Q}"),   # greedy: the last keyword holds the value
)

TABLES: dict[str, tuple[SecretForm, ...]] = {
    "cisco_ios": IOS, "cisco_xe": IOS, "cisco_asa": ASA, "arista_eos": EOS,
    "juniper_junos": JUNOS, "fortinet": FORTIOS, "fortios": FORTIOS, "paloalto_panos": PANOS, "panos": PANOS,
}

_HASH_PREFIX = re.compile(r'^("?)(\$[0-9a-z]{1,2}\$)?', re.IGNORECASE)


def _replacement(value: str) -> str:
    """``<removed>`` keeping what is not secret: surrounding quotes and a ``$6$``-style scheme."""
    m = _HASH_PREFIX.match(value)
    quote, scheme = m.group(1), m.group(2) or ""
    newlines = "\n" * value.count("\n")     # a value spanning lines keeps them: line numbers stay true
    return f"{quote}{scheme}{REDACTED}{newlines}{quote if value.endswith(quote) and len(value) > 1 else ''}"


def secret_spans(platform: str, text: str) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of every secret value in ``text``."""
    # every form is IGNORECASE: needles are looked for in the lower-cased text. Only for ASCII
    # text: Unicode case-insensitive matching knows pairs lower() does not ('ſ' matches 's')
    lowered = text.lower() if text.isascii() else None
    spans = sorted(span for form in TABLES[platform] for span in form.spans(text, lowered))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(platform: str, text: str) -> str:
    """``text`` with every secret of ``platform``'s table replaced by ``<removed>``."""
    out, pos = [], 0
    for start, end in secret_spans(platform, text):
        out.append(text[pos:start])
        out.append(_replacement(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_bytes(platform: str, raw: bytes) -> bytes:
    return redact(platform, raw.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def redactor(platform: str):
    """``bytes -> bytes`` redaction for ``platform`` (for ``session.run(..., redact=...)``)."""
    TABLES[platform]  # refuse an unknown platform now, not at the first config
    return lambda raw: redact_bytes(platform, raw)
