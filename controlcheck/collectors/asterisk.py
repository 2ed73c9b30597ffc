"""Asterisk PBX on Linux over SSH (exec channel).

Live state from ``asterisk -rx`` (version, loaded channel drivers), configuration read
with ``cat`` from /etc/asterisk (``#include`` files are read too), and fail2ban's jail
list. Config files hold secrets: they are kept as evidence only after
:func:`controlcheck.parsers.asterisk.redact_config` masked every secret, and facts
name whose secret is weak, never the secret. Each command is tried plainly and then
with ``sudo -n`` (never prompting).
"""

from __future__ import annotations

import re

from ..parsers import asterisk as A
from .base import FactsBuilder
from .host_commands import put, record_facts, why
from .ssh import SshCollector, safe_remote_path

ETC = "/etc/asterisk"
FILES = ("pjsip.conf", "sip.conf", "manager.conf", "http.conf", "ari.conf", "extensions.conf", "logger.conf",
         "modules.conf")
MAX_INCLUDES = 30


class AsteriskCollector(SshCollector):
    platform = "asterisk"

    def gather(self, session, builder: FactsBuilder) -> None:
        self.included = 0
        host = session.run("uname -n")
        if host is not None and host.ok and host.text.strip():
            builder.set("system.hostname", host.text.strip().splitlines()[0], evidence=host.evidence)
        version = self.cli(session, builder, "core show version")
        parsed = A.parse_core_show_version(version.text) if version is not None else {}
        if parsed:
            put(builder, parsed, version.evidence)
        else:
            builder.error("ssh:asterisk -rx 'core show version'",
                          f"Asterisk version not read ({why(version)}); is Asterisk running?",
                          facts=["pbx.version", "system.os_version"])
        release = parsed.get("pbx.version", (None, []))[0]
        modules = self.cli(session, builder, "module show like chan_")
        loaded = A.parse_module_show(modules.text) if modules is not None and modules.ok else {}

        files = {name: self.read(session, builder, name) for name in FILES}
        with builder.reading("pbx.sip", "pbx.dialplan"):
            self.sip(builder, files, loaded, release, module_list_answered=modules is not None)
        # which facts each config file gives: its errors explain exactly those findings
        for name, parse, facts in (("manager.conf", A.parse_manager_conf, ["pbx.ami"]),
                                   ("http.conf", A.parse_http_conf, ["pbx.http"]),
                                   ("logger.conf", A.parse_logger_conf, ["pbx.security_log"])):
            text, ev = files[name]
            if text is not None:
                put(builder, parse(text), ev)
            elif name != "http.conf":
                builder.error(f"ssh:cat {ETC}/{name}", f"{name} not read", facts=facts)
        http_text, _ = files["http.conf"]
        if http_text is None:
            builder.error(f"ssh:cat {ETC}/http.conf", "http.conf not read: HTTP/ARI exposure not determined",
                          facts=["pbx.http", "pbx.ari"])
        ari_text, ari_ev = files["ari.conf"]
        if ari_text is not None:
            http_on = builder.facts.get("pbx", {}).get("http", {}).get("enabled")
            put(builder, A.parse_ari_conf(ari_text, http_on), ari_ev)
        elif http_text is not None and not builder.facts["pbx"]["http"]["enabled"]:
            builder.set("pbx.ari.enabled", False, lines=["HTTP server off: ARI unreachable"])
        with builder.reading("pbx.fail2ban"):
            self.fail2ban(session, builder)

    # -- helpers -------------------------------------------------------------------------------
    def cli(self, session, builder: FactsBuilder, command: str):
        out = None
        for prefix in ("", "sudo -n "):
            out = session.run(f"{prefix}asterisk -rx '{command}'")
            if out is not None and out.ok and out.text.strip() and "Unable to connect" not in out.text:
                return out
        return out

    def read(self, session, builder: FactsBuilder, name: str) -> tuple[str | None, str | None]:
        """A config file (with its #includes expanded), redacted before it becomes evidence."""
        out = None
        for prefix in ("", "sudo -n "):
            out = session.run(f"{prefix}cat {ETC}/{name}", redact=A.redact_config)
            if out is not None and out.ok:
                break
        if out is None or not out.ok:
            return None, None

        def fetch(inc: str) -> str | None:
            path = inc if inc.startswith("/") else f"{ETC}/{inc}"
            if self.included >= MAX_INCLUDES or not safe_remote_path(path, under=ETC) or "*" in path:
                return None
            self.included += 1
            for prefix in ("", "sudo -n "):
                got = session.run(f"{prefix}cat {path}", redact=A.redact_config)
                if got is not None and got.ok:
                    return got.text
            return None

        text, includes = A.expand_includes(out.text, fetch)
        missing = [i for i in includes if f"#include {i}" in text or f'#include "{i}"' in text]
        if missing:
            builder.error(f"ssh:cat {ETC}/{name}", f"{name} includes {', '.join(missing)}, which could not be read; "
                                                   f"facts from {name} may be incomplete")
        return text, out.evidence

    # -- SIP -------------------------------------------------------------------------------------
    def sip(self, builder: FactsBuilder, files: dict, loaded: dict[str, bool], release: str | None,
            module_list_answered: bool = True) -> None:
        pjsip_text, pjsip_ev = files["pjsip.conf"]
        sip_text, sip_ev = files["sip.conf"]
        modules_text, modules_ev = files["modules.conf"]
        if "chan_sip.so" in loaded:
            chan_sip, why = loaded["chan_sip.so"], "module show"
        elif loaded:
            chan_sip, why = False, "module show"
        else:
            # modules.conf may decide only when the module list answered (Asterisk not running);
            # a list that timed out leaves the question to the conservative assumption below
            chan_sip = A.chan_sip_from_modules_conf(A.parse_config(modules_text), release) \
                if modules_text is not None and module_list_answered else None
            why = "modules.conf"
            if chan_sip is None:
                chan_sip = sip_text is not None and not (release and int(re.match(r"\d+", release).group()) >= 21)
                why = "assumed from sip.conf presence"
                builder.error("pbx:chan_sip", "whether chan_sip is loaded was not determined (no module list, no "
                                              "modules.conf); assumed loaded because sip.conf exists")
        builder.set("pbx.sip.chan_sip_loaded", chan_sip, evidence=modules_ev if why == "modules.conf" else None,
                    lines=[f"chan_sip {'loaded' if chan_sip else 'not loaded'} ({why})"])
        transports, endpoints, lines = [], [], {}
        if pjsip_text is not None:
            pj = A.parse_pjsip(pjsip_text)
            transports += pj["transports"]
            endpoints += pj["endpoints"]
        if chan_sip and sip_text is not None:
            sc = A.parse_sip_conf(sip_text)
            transports += sc["transports"]
            endpoints += sc["endpoints"]
            general = sc["general"]
            allowguest = A._yes(general.get("allowguest", "yes"))
            reject = A._yes(general.get("alwaysauthreject", "yes"))
            lines["guest"] = A._r(general.raw("allowguest")) or ["allowguest not set (chan_sip default: yes)"]
            lines["reject"] = A._r(general.raw("alwaysauthreject")) or ["alwaysauthreject not set (default: yes)"]
        else:
            allowguest, reject = False, True
            lines["reject"] = ["chan_sip not in use: PJSIP answers failed authentication uniformly"]
        if pjsip_text is None and not (chan_sip and sip_text is not None):
            builder.error(f"ssh:cat {ETC}/pjsip.conf", "no SIP configuration read (pjsip.conf, sip.conf): "
                                                       "SIP facts not determined")
            return
        anonymous = [e["name"] for e in endpoints if e["name"] == "anonymous"]
        ev = pjsip_ev or sip_ev
        builder.set("pbx.sip.transports", [{k: v for k, v in t.items() if not k.startswith("_")} for t in transports],
                    evidence=ev, lines=A._r([ln for t in transports for ln in t["_lines"]]))
        protocols = {t["protocol"] for t in transports}
        builder.set("pbx.sip.tls_enabled", bool(protocols & {"tls", "wss"}), evidence=ev)
        builder.set("pbx.sip.udp_or_tcp_only", bool(protocols) and protocols <= {"udp", "tcp", "ws"}, evidence=ev)
        builder.set("pbx.sip.endpoints", [{k: v for k, v in e.items() if not k.startswith("_")} for e in endpoints],
                    evidence=ev)
        weak = [e["name"] for e in endpoints if e.get("weak_secret")]
        builder.set("pbx.sip.endpoints_weak_secret", weak, evidence=ev,
                    lines=A._r([ln for e in endpoints if e.get("weak_secret") for ln in e["_lines"]]))
        noauth = [e["name"] for e in endpoints if "auth_type" not in e and not e.get("identified_by_ip")]
        builder.set("pbx.sip.endpoints_without_auth", noauth, evidence=ev,
                    lines=A._r([ln for e in endpoints if e["name"] in noauth for ln in e["_lines"]]))
        builder.set("pbx.sip.media_encryption_all",
                    bool(endpoints) and all(e.get("media_encryption") in ("sdes", "dtls") for e in endpoints),
                    evidence=ev)
        builder.set("pbx.sip.guest_calls_allowed", bool(allowguest) or bool(anonymous), evidence=sip_ev or ev,
                    lines=lines.get("guest", []) + [f"[{a}] PJSIP endpoint" for a in anonymous])
        builder.set("pbx.sip.alwaysauthreject", bool(reject), evidence=sip_ev if chan_sip else None,
                    lines=lines["reject"])
        ext_text, ext_ev = files["extensions.conf"]
        if ext_text is None:
            builder.error(f"ssh:cat {ETC}/extensions.conf", "dialplan not read: international dialling not checked")
            return
        contexts = [e["context"] for e in endpoints]
        if chan_sip and sip_text is not None and allowguest:
            contexts.append(A.parse_sip_conf(sip_text)["general"].get("context") or "default")
        if not contexts:
            builder.error("pbx:dialplan", "no SIP endpoint: no context to check international dialling from")
            return
        put(builder, A.dialplan_international(A.parse_dialplan(ext_text), contexts), ext_ev)

    def fail2ban(self, session, builder: FactsBuilder) -> None:
        out = session.run("fail2ban-client status")
        if out is not None and out.exit_status == 127:
            builder.set("pbx.fail2ban.sip_jail", False, evidence=out.evidence, lines=["fail2ban-client not installed"])
            return
        if out is None or not out.ok:
            out = session.run("sudo -n fail2ban-client status")
        record_facts(builder, "fail2ban-client status", out, A.parse_fail2ban_status, "fail2ban jails")
