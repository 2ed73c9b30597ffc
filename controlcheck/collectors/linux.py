"""Linux workstations and servers over SSH (paramiko exec channel, no PTY).

Commands run unprivileged where they can; where root is needed the plain command is
tried first (an audit account may be root) and then ``sudo -n`` (never prompts). A
command that fails leaves its facts absent; an errors entry says so when the fact is
read by a policy. Nothing that holds a password hash is read into evidence: the shadow
file is read with ``awk`` printing only the names of accounts whose field is empty.
The platforms and their commands are summarised in docs/collectors.md.
"""

from __future__ import annotations

import shlex

from ..parsers import linux as P
from .base import FactsBuilder
from .host_commands import first_ok, put, read_facts, why, with_sudo
from .ssh import SshCollector, safe_remote_path

PASSWD_SUMMARY = """awk -F: '{print $1":"$3":"($2==""?"empty":"-")}' /etc/passwd"""
SHADOW_EMPTY = """awk -F: '($2 == "") {print $1}' /etc/shadow"""
PS_TREE = "echo $$; ps -eo pid=,ppid=,comm="
GSETTINGS = ("for k in org.gnome.desktop.session:idle-delay org.gnome.desktop.screensaver:lock-enabled "
             "org.gnome.desktop.screensaver:lock-delay; do "
             "echo \"${k#*:}=$(gsettings get ${k%%:*} ${k#*:})\"; done")
FIREWALL_UNITS = ["ufw", "firewalld", "nftables"]
SSHD = "/usr/sbin/sshd"
DPKG_LIST = "dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\\n'"
RPM_LIST = "rpm -qa --qf '%{NAME} %{VERSION}-%{RELEASE}\\n'"
TIME_UNITS = ["systemd-timesyncd", "chrony", "chronyd", "ntp", "ntpd", "ntpsec", "openntpd"]


class LinuxCollector(SshCollector):
    platform = "linux"

    def gather(self, session, builder: FactsBuilder) -> None:
        # each step names the facts it fills: its errors explain exactly those findings
        with builder.reading("host.os", "system"):
            self.os(session, builder)
        with builder.reading("host.sshd", "host.sshd_list"):
            self.sshd(session, builder)
        with builder.reading("host.password_policy"):
            self.passwords(session, builder)
        with builder.reading("host.accounts"):
            self.accounts(session, builder)
        with builder.reading("host.firewall"):
            self.firewall(session, builder)
        with builder.reading("host.updates"):
            self.updates(session, builder)
        with builder.reading("host.software", "host.software_count"):
            self.packages(session, builder)
        with builder.reading("host.disk_encryption"):
            self.disks(session, builder)
        with builder.reading("host.time_sync"):
            self.time_sync(session, builder)
        with builder.reading("host.processes", "host.endpoint_protection"):
            processes = self.processes(session, builder)
        with builder.reading("host.audit"):
            self.audit(session, builder, processes)
        with builder.reading("host.usb_storage"):
            self.usb(session, builder)
        with builder.reading("host.screen_lock"):
            self.screen_lock(session, builder, processes)

    # -- OS ----------------------------------------------------------------------------------
    def os(self, session, builder: FactsBuilder) -> None:
        read_facts(session, builder, "cat /etc/os-release", P.parse_os_release, "OS release")
        out = session.run("uname -n -r")
        if out is not None and out.ok:
            put(builder, P.parse_uname_nr(out.text), out.evidence)

    # -- sshd --------------------------------------------------------------------------------
    def sshd(self, session, builder: FactsBuilder) -> None:
        """The serving daemon's effective settings: ``sshd -G`` where this OpenSSH offers it,
        else ``sshd -T`` (both with the daemon's own ``-f``/``-p``/``-o``), else its config
        files read as sshd reads them, with the compiled-in defaults of its release."""
        daemon, args_evidence = self._listener(session)
        args = (f" -f {shlex.quote(daemon.config)}" if daemon.config else "") + "".join(
            f" {shlex.quote(a)}" for a in daemon.arguments())
        probe = session.run(f"{SSHD} -G{args}")
        answer = f"{probe.stderr}\n{probe.text}" if probe is not None else ""
        if probe is not None and not probe.ok and P.sshd_g_offered(answer):
            probe = first_ok(session, [f"sudo -n {SSHD} -G{args}"]) or probe
        if probe is not None and probe.ok and P.parse_sshd_t(probe.text):
            put(builder, P.parse_sshd_t(probe.text), probe.evidence)
            return
        sshd_t = f"{SSHD} -T{args}"
        out = first_ok(session, with_sudo(sshd_t))
        if out is not None and out.ok and P.parse_sshd_t(out.text):
            put(builder, P.parse_sshd_t(out.text), out.evidence)
            return
        version = P.openssh_version(answer)
        if version is None:
            client = session.run("ssh -V")
            version = P.openssh_version(f"{client.stderr}\n{client.text}") if client is not None else None
        self._sshd_files(session, builder, daemon, version, f"{sshd_t}: {why(out)}", args_evidence)

    def _sshd_files(self, session, builder: FactsBuilder, daemon: P.SshdDaemonOptions,
                    version: tuple[int, int] | None, failed: str, args_evidence: str | None) -> None:
        main = daemon.config or "/etc/ssh/sshd_config"
        cat = first_ok(session, with_sudo(f"cat {shlex.quote(main)}"))
        if cat is None or not cat.ok:
            builder.error("ssh:sshd", f"effective sshd settings not read ({failed}) and {main} not readable "
                                      f"({why(cat)})")
            return
        config_dir = main.rsplit("/", 1)[0] or "/"
        evidence = {main: cat.evidence, "command line": args_evidence}
        included = self._sshd_includes(session, cat.text, config_dir, evidence)
        read = P.read_sshd_config(main, cat.text, included, daemon)
        for path, (value, lines) in read.facts.items():
            builder.set(path, value, evidence=evidence.get(read.files.get(path, main)), lines=lines or None)
        for message in read.errors:
            builder.error("ssh:sshd", message)
        configured = {path.split(".")[-1] for path in read.facts if path.startswith("host.sshd.")}
        where = f"{main} and its Includes"
        if read.errors:
            builder.error("ssh:sshd", f"{failed}; an Include was not read, so the settings {where} leave out "
                                      f"cannot be told from sshd's defaults")
            return
        defaults, unknown = P.sshd_defaults(version, configured)
        release = f"OpenSSH {version[0]}.{version[1]}" if version else "OpenSSH"
        for path, value in P.sshd_default_facts(defaults).items():
            key = path.split(".")[-1]
            builder.default(path, value, f"{key} is not set in {where}: the compiled-in default of {release}",
                            evidence=cat.evidence)
        if unknown:
            builder.error("ssh:sshd", f"{', '.join(unknown)}: not set in {where}, and the default depends on the "
                                      f"OpenSSH release, which " + ("could not be read" if version is None else
                                                                   f"({release}) is older than controlcheck knows"),
                          facts=[f"host.sshd.{k}" for k in unknown] + [f"host.sshd_list.{k}" for k in unknown
                                                                      if k in ("ciphers", "macs", "kexalgorithms")])
        builder.error("ssh:sshd", f"{failed}; host.sshd holds the CONFIGURED values of {where} (cited by file "
                                  f"and line), the daemon's -p/-o, and {release}'s compiled-in defaults, not "
                                  f"the effective ones sshd -T would print")

    def _sshd_includes(self, session, text: str, config_dir: str, evidence: dict) -> dict:
        """Every Include the daemon would follow, read file by file (nested ones too): resolved
        pattern -> ``[(file, text)]``, or why it was not followed."""
        included: dict[str, object] = {}
        queue = P.sshd_includes(text)
        files_read = 0
        while queue:
            pattern = queue.pop(0)
            if pattern in included:
                continue
            if not (safe_remote_path(pattern, under="/etc/ssh") or safe_remote_path(pattern, under=config_dir)):
                included[pattern] = f"outside /etc/ssh and {config_dir} (the daemon's config directory), not read"
                continue
            listing = session.run(f'for f in {pattern}; do [ -f "$f" ] && echo "$f"; done; true')
            if listing is None or not listing.ok:
                included[pattern] = f"its files could not be listed ({why(listing)})"
                continue
            entries = []
            for name in [line.strip() for line in listing.text.splitlines() if line.strip()]:
                if not (safe_remote_path(name, under="/etc/ssh") or safe_remote_path(name, under=config_dir)):
                    included[pattern] = f"{name} is not a plain path inside the allowed directories, not read"
                    break
                files_read += 1
                if files_read > 64:
                    included[pattern] = "more than 64 included files, not read"
                    break
                body = first_ok(session, with_sudo(f"cat {shlex.quote(name)}"))
                if body is None or not body.ok:
                    included[pattern] = f"{name} not readable ({why(body)})"
                    break
                evidence[name] = body.evidence
                entries.append((name, body.text))
                queue.extend(P.sshd_includes(body.text))
            else:
                included[pattern] = entries
        return included

    def _listener(self, session) -> tuple[P.SshdDaemonOptions, str | None]:
        """The command line of the sshd serving this session (several may run on one host): its
        ``-f`` config, ``-p`` ports and ``-o`` options, and the evidence id of that line."""
        tree = session.run(PS_TREE)
        if tree is None or not tree.ok:
            return P.SshdDaemonOptions(), None
        pid, _ = P.sshd_listener_config(tree.text)
        if pid is None:
            return P.SshdDaemonOptions(), None
        args = session.run(f"ps -o args= -p {pid}")
        if args is None or not args.ok:
            return P.SshdDaemonOptions(), None
        daemon = P.sshd_daemon_options(args.text.strip())
        if daemon.config and not safe_remote_path(daemon.config):
            daemon.config = None
        return daemon, args.evidence

    # -- password policy ---------------------------------------------------------------------
    def passwords(self, session, builder: FactsBuilder) -> None:
        defs = session.run("cat /etc/login.defs")
        if defs is not None and defs.ok:
            put(builder, P.parse_login_defs(defs.text), defs.evidence)
        else:
            builder.error("ssh:cat /etc/login.defs", f"password ageing not read ({why(defs)})")
        pwq = session.run("cat /etc/security/pwquality.conf")
        pam = session.run("cat /etc/pam.d/common-password")
        if pam is not None and not pam.ok:     # answered "no such file": a RHEL-style host
            pam = session.run("cat /etc/pam.d/system-auth")
        if pam is None or pwq is None:
            # PASS_MIN_LEN only counts when no quality module is in use: unknowable without both
            builder.error("ssh:pam", "password length and complexity not determined: "
                                     + ("the PAM password stack" if pam is None else "pwquality.conf")
                                     + " gave no answer (timeout or size cap)")
            return
        pwq_text = pwq.text if pwq is not None and pwq.ok else None
        pam_text = pam.text if pam is not None and pam.ok else None
        parsed = P.parse_password_quality(pwq_text, pam_text, defs.text if defs is not None and defs.ok else None)
        if not parsed:
            builder.error("ssh:pam", "password length and complexity not determined (no pwquality.conf and "
                                     "no pam_pwquality/pam_cracklib/pam_unix password line could be read)")
        evidence = (pam if pam_text else pwq if pwq_text else defs)
        for path, (value, lines) in parsed.items():
            ev = evidence.evidence if evidence is not None else None
            if pwq_text and any(line in pwq_text.splitlines() for line in lines):
                ev = pwq.evidence
            builder.set(path, value, evidence=ev, lines=[line for line in lines if line] or None)

    # -- accounts ----------------------------------------------------------------------------
    def accounts(self, session, builder: FactsBuilder) -> None:
        passwd = session.run(PASSWD_SUMMARY)
        passwd_empty: list[str] | None = None
        if passwd is not None and passwd.ok:
            parsed = P.parse_passwd_summary(passwd.text)
            if "host.accounts.uid0" in parsed:
                value, lines = parsed["host.accounts.uid0"]
                builder.set("host.accounts.uid0", value, evidence=passwd.evidence, lines=lines)
                passwd_empty = parsed["host.accounts.passwd_empty"][0]
        else:
            builder.error("ssh:/etc/passwd", f"accounts not read ({why(passwd)})")
        shadow = first_ok(session, with_sudo(SHADOW_EMPTY))
        if shadow is not None and shadow.ok:
            names = P.parse_user_list(shadow.text)
            for name in passwd_empty or []:
                if name not in names:
                    names.append(name)
            builder.set("host.accounts.empty_password", names, evidence=shadow.evidence,
                        lines=[f"{n}: empty password field" for n in names])
        elif passwd_empty:
            builder.set("host.accounts.empty_password", passwd_empty, evidence=passwd.evidence)
            builder.error("ssh:/etc/shadow", f"/etc/shadow not readable ({why(shadow)}); only /etc/passwd "
                                             f"was checked for empty password fields")
        else:
            builder.error("ssh:/etc/shadow", f"empty passwords not checked: /etc/shadow not readable even with "
                                             f"sudo -n ({why(shadow)})")
        groups = session.run("getent group sudo wheel admin")
        if groups is not None and groups.text.strip():
            put(builder, P.parse_admin_groups(groups.text), groups.evidence)

    # -- firewall ----------------------------------------------------------------------------
    def firewall(self, session, builder: FactsBuilder) -> None:
        units = session.run("systemctl is-active " + " ".join(FIREWALL_UNITS))
        states = P.parse_systemctl_is_active(units.text, FIREWALL_UNITS) if units is not None else {}
        if states.get("ufw") == "active":
            out = first_ok(session, with_sudo("ufw status"))
            parsed = P.parse_ufw_status(out.text) if out is not None and out.ok else {}
            if parsed:
                put(builder, parsed, out.evidence)
                if parsed["host.firewall.enabled"][0]:
                    return
        if states.get("firewalld") == "active":
            out = session.run("firewall-cmd --state")
            if out is not None and out.text.strip() == "running":
                builder.set("host.firewall.enabled", True, evidence=out.evidence, lines=[out.text.strip()])
                builder.set("host.firewall.backend", "firewalld")
                return
        nft = first_ok(session, with_sudo("nft list ruleset"))
        if nft is not None and nft.ok:
            put(builder, P.parse_nft_ruleset(nft.text), nft.evidence)
            return
        ipt = first_ok(session, with_sudo("iptables -S"))
        if ipt is not None and ipt.ok:
            put(builder, P.parse_iptables_s(ipt.text), ipt.evidence)
            return
        if "host.firewall.enabled" in builder.facts.get("host", {}).get("firewall", {}):
            return
        installed = session.run("command -v nft iptables ufw firewall-cmd")
        if installed is not None and installed.exit_status != 0 and not installed.text.strip() \
                and not any(s == "active" for s in states.values()):
            builder.set("host.firewall.enabled", False, evidence=installed.evidence,
                        lines=["no firewall tool installed (nft, iptables, ufw, firewall-cmd)"])
            builder.set("host.firewall.backend", "none")
            return
        builder.error("ssh:firewall", f"firewall state not determined: no active ufw/firewalld, "
                                      f"'nft list ruleset' ({why(nft)}) and 'iptables -S' ({why(ipt)}) failed")

    # -- updates -----------------------------------------------------------------------------
    def updates(self, session, builder: FactsBuilder) -> None:
        sim = session.run("apt-get -s upgrade")
        if sim is not None and sim.ok:
            put(builder, P.parse_apt_simulate(sim.text), sim.evidence)   # from the lists as last downloaded
            dump = session.run("apt-config dump")
            pkg = session.run("dpkg-query -W -f=${Status} unattended-upgrades")
            installed = None
            if pkg is not None:
                installed = pkg.ok and "install ok installed" in pkg.text
            if dump is not None and dump.ok:
                put(builder, P.parse_apt_periodic(dump.text, installed), dump.evidence)
            return
        if sim is None:     # apt did not answer: trying dnf on a Debian host would only add a second error
            builder.error("ssh:updates", f"pending updates not determined (apt-get -s upgrade: {why(sim)})")
            return
        dnf = session.run("dnf -q updateinfo list --security")
        if dnf is not None and dnf.ok:
            lines = [line for line in dnf.text.splitlines() if line.strip()]
            builder.set("host.updates.pending_security", len(lines), evidence=dnf.evidence, lines=lines[:20])
            timers = session.run("systemctl is-enabled dnf-automatic-install.timer dnf-automatic.timer")
            if timers is not None:
                builder.set("host.updates.automatic", "enabled" in timers.text.split(), evidence=timers.evidence,
                            lines=timers.text.splitlines())
            return
        builder.error("ssh:updates", f"pending updates not determined (apt-get -s upgrade: {why(sim)}; "
                                     f"dnf updateinfo: {why(dnf)})")

    # -- installed packages --------------------------------------------------------------------
    def packages(self, session, builder: FactsBuilder) -> None:
        """Installed packages (name and version) from dpkg, else rpm: ``host.software`` and
        ``host.software_count``, as the SNMP host collector gives from HOST-RESOURCES."""
        dpkg = session.run(DPKG_LIST)
        if dpkg is not None and dpkg.ok:
            packages = P.parse_dpkg_list(dpkg.text)
            evidence = dpkg.evidence
        else:
            rpm = session.run(RPM_LIST)
            if rpm is None or not rpm.ok:
                builder.error("ssh:packages", f"installed packages not read (dpkg-query: {why(dpkg)}; "
                                              f"rpm: {why(rpm)})")
                return
            packages = P.parse_rpm_list(rpm.text)
            evidence = rpm.evidence
        builder.set("host.software", packages, evidence=evidence)
        builder.set("host.software_count", len(packages), evidence=evidence)

    # -- disks, time, audit --------------------------------------------------------------------
    def disks(self, session, builder: FactsBuilder) -> None:
        out = session.run("lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT")
        parsed = P.parse_lsblk_json(out.text) if out is not None and out.ok else {}
        put(builder, parsed, out.evidence if out is not None else None)
        if "host.disk_encryption.system_encrypted" not in parsed:
            builder.error("ssh:lsblk", "system disk encryption not determined: "
                          + (why(out) if out is None or not out.ok else
                             "the root filesystem is not on a block device lsblk shows (container?)"))

    def time_sync(self, session, builder: FactsBuilder) -> None:
        read_facts(session, builder, "timedatectl show", P.parse_timedatectl_show, "time synchronisation")
        units = session.run("systemctl is-active " + " ".join(TIME_UNITS))
        if units is not None:
            states = P.parse_systemctl_is_active(units.text, TIME_UNITS)
            active = [u for u in TIME_UNITS if states.get(u) == "active"]
            if active:
                builder.set("host.time_sync.service", active[0], evidence=units.evidence,
                            lines=[f"{active[0]}: active"])

    def audit(self, session, builder: FactsBuilder, processes: list[str] | None) -> None:
        out = session.run("systemctl is-active auditd")
        state = out.text.strip().splitlines()[0] if out is not None and out.text.strip() else None
        if state is not None:
            builder.set("host.audit.enabled", state == "active", evidence=out.evidence, lines=[state])
        elif out is not None and processes is not None:   # no systemd (container, SysV init): is it running?
            builder.set("host.audit.enabled", "auditd" in processes,
                        lines=["auditd process " + ("running" if "auditd" in processes else "not running")])
        else:
            builder.error("ssh:systemctl is-active auditd", f"audit daemon state not read ({why(out)})")
            return
        if not builder.facts["host"]["audit"]["enabled"]:
            builder.error("ssh:auditctl -l", "loaded audit rules not counted: the audit daemon is not running "
                                             "(auditctl -l is not asked then)", facts=["host.audit.rules"])
            return
        rules = first_ok(session, with_sudo("auditctl -l"))
        if rules is not None and rules.ok:
            put(builder, P.parse_auditctl_rules(rules.text), rules.evidence)
        else:
            builder.error("ssh:auditctl -l", f"loaded audit rules not counted ({why(rules)})")

    def processes(self, session, builder: FactsBuilder) -> list[str] | None:
        out = session.run("ps -eo comm=")
        if out is None or not out.ok:
            builder.error("ssh:ps -eo comm=", f"process list not read ({why(out)})")
            return None
        names = P.parse_process_names(out.text)
        found = P.endpoint_protection(names)
        builder.set("host.endpoint_protection.running", found, evidence=out.evidence, lines=found)
        return names

    def usb(self, session, builder: FactsBuilder) -> None:
        loaded = session.run("cat /proc/modules")
        if loaded is None or not loaded.ok:
            # the modprobe configuration says what would load next, not what is loaded now:
            # it may only decide once the list of loaded modules answered
            builder.error("ssh:cat /proc/modules", f"USB storage blocking not determined: the loaded modules "
                                                   f"were not read ({why(loaded)})")
            return
        line = P.usb_storage_loaded(loaded.text)
        if line:
            builder.set("host.usb_storage.blocked", False, evidence=loaded.evidence, lines=[line])
            return
        out = session.run("modprobe -n -v usb-storage")
        if out is not None:
            blocked, lines = P.parse_modprobe_dry_run(out.text)
            if blocked is not None:
                builder.set("host.usb_storage.blocked", blocked, evidence=out.evidence, lines=lines)
                return
        conf = session.run("grep -rhs usb.storage /etc/modprobe.d /lib/modprobe.d /usr/lib/modprobe.d")
        if conf is not None:
            blocked, lines = P.parse_modprobe_d(conf.text)
            if blocked is not None:
                builder.set("host.usb_storage.blocked", blocked, evidence=conf.evidence, lines=lines)
                return
        if out is not None and out.exit_status == 0:
            # modprobe resolved the module without an install/insmod line: loadable
            builder.set("host.usb_storage.blocked", False, evidence=out.evidence)
            return
        builder.error("ssh:modprobe -n -v usb-storage", f"USB storage blocking not determined ({why(out)})")

    def screen_lock(self, session, builder: FactsBuilder, processes: list[str] | None) -> None:
        dm = session.run("systemctl is-active display-manager")
        dm_active = dm is not None and dm.text.strip() == "active"
        desktop_procs = P.desktop_processes(processes or [])
        if not dm_active and not desktop_procs:
            if dm is None and processes is None:
                builder.error("ssh:screen_lock", "desktop presence not determined")
                return
            builder.set("host.screen_lock.desktop", False, evidence=dm.evidence if dm else None,
                        lines=["display-manager: " + (dm.text.strip() if dm else "?")])
            return
        builder.set("host.screen_lock.desktop", True, evidence=dm.evidence if dm_active else None,
                    lines=["display-manager: active"] if dm_active else desktop_procs)
        dconf = session.run("cat /etc/dconf/db/local.d/*")
        settings = P.parse_dconf_screen_lock(dconf.text) if dconf is not None and dconf.ok else {}
        source = dconf
        if dconf is None:
            builder.error("ssh:screen_lock", f"screen-lock settings not determined: the dconf system database "
                                             f"gave no answer ({why(dconf)})")
            return
        if "idle-delay" not in settings:
            gs = session.run(GSETTINGS)
            if gs is not None and gs.ok:
                gsettings = P.parse_gsettings(gs.text)
                gsettings.update(settings)
                settings, source = gsettings, gs
        parsed = P.screen_lock_facts(settings)
        if parsed:
            put(builder, parsed, source.evidence if source is not None else None)
        else:
            builder.error("ssh:screen_lock", "a desktop exists but its screen-lock settings were not read "
                                             "(no dconf system database, gsettings failed)")
