"""Host and PBX parsers on the real configs of the shared corpus (expected values read
from the files by hand) and on odd input, which must never raise."""

from __future__ import annotations

import pytest

from controlcheck.parsers import asterisk as A
from controlcheck.parsers import linux as L
from controlcheck.parsers import windows as W


def values(parsed):
    return {k: v for k, (v, _) in parsed.items()}


# -- Linux ------------------------------------------------------------------------------------
def test_sshd_config_hardened_k4yt3x(corpus):
    got = values(L.parse_sshd_config((corpus / "hosts/linux/hardened/k4yt3x_sshd_config").read_text()))
    assert got["host.sshd.permitrootlogin"] == "no"
    assert got["host.sshd.maxauthtries"] == "3"
    assert got["host.sshd.x11forwarding"] == "no"
    assert got["host.sshd_list.ciphers"] == ["aes256-gcm@openssh.com", "aes128-gcm@openssh.com"]
    assert got["host.sshd_list.macs"][0] == "hmac-sha2-512-etm@openssh.com"


def test_sshd_config_include_is_expanded_first(corpus):
    text = (corpus / "hosts/linux/hardened/grapheneos_sshd_config").read_text()
    assert L.sshd_includes(text) == ["/etc/ssh/sshd_config.d/*.conf"]
    got = values(L.parse_sshd_config(text, {"/etc/ssh/sshd_config.d/*.conf": "MaxAuthTries 4\nPermitRootLogin no\n"}))
    assert got["host.sshd.maxauthtries"] == "4"             # the included file comes first: first value wins
    assert got["host.sshd.permitrootlogin"] == "no"
    assert got["host.sshd.passwordauthentication"] == "no"
    assert got["host.sshd_list.ciphers"] == ["aes256-gcm@openssh.com"]


def test_sshd_config_upstream_default_sets_almost_nothing(corpus):
    got = values(L.parse_sshd_config((corpus / "hosts/linux/openssh/sshd_config").read_text()))
    assert "host.sshd.permitrootlogin" not in got            # compiled-in defaults are not guessed
    assert got["host.sshd.subsystem"] == "sftp /usr/libexec/sftp-server"


def test_match_block_is_conditional():
    got = values(L.parse_sshd_config("PasswordAuthentication no\nMatch User x\n  PasswordAuthentication yes\n"))
    assert got["host.sshd.passwordauthentication"] == "no"


def test_login_defs_corpus(corpus):
    got = values(L.parse_login_defs((corpus / "hosts/linux/shadow/login.defs").read_text()))
    # this shadow-utils login.defs sets no ageing (commented defaults only): nothing guessed
    assert "host.password_policy.max_days" not in got
    pq = values(L.parse_password_quality(None, None, (corpus / "hosts/linux/shadow/login.defs").read_text()))
    assert pq == {"host.password_policy.min_length": 5}     # PASS_MIN_LEN 5, no PAM quality module known


def test_pwquality_konstruktoid(corpus):
    got = values(L.parse_password_quality((corpus / "hosts/linux/hardened/konstruktoid_pwquality.conf").read_text(),
                                          None))
    assert got == {"host.password_policy.min_length": 15, "host.password_policy.complexity": True}


def test_pam_arguments_override_pwquality_conf():
    pam = "password requisite pam_pwquality.so retry=3 minlen=10\npassword [success=1 default=ignore] pam_unix.so\n"
    got = values(L.parse_password_quality("minlen = 14\nminclass = 2\n", pam))
    assert got == {"host.password_policy.min_length": 10, "host.password_policy.complexity": False}


def test_pam_unix_only_default_length():
    got = values(L.parse_password_quality(None, "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"))
    assert got == {"host.password_policy.min_length": 6, "host.password_policy.complexity": False}


def test_nft_and_lsblk():
    assert values(L.parse_nft_ruleset(""))["host.firewall.enabled"] is False
    accept_all = "table inet f {\n chain input {\n  type filter hook input priority 0; policy accept;\n }\n}\n"
    assert values(L.parse_nft_ruleset(accept_all))["host.firewall.enabled"] is False
    lsblk = ('{"blockdevices":[{"name":"sda","type":"disk","children":[{"name":"sda2","type":"part",'
             '"fstype":"crypto_LUKS","children":[{"name":"root","type":"crypt","fstype":"ext4","mountpoint":"/"}]}]}]}')
    assert values(L.parse_lsblk_json(lsblk))["host.disk_encryption.system_encrypted"] is True


def test_screen_lock_gnome_defaults():
    assert values(L.screen_lock_facts({"idle-delay": (300, [])})) == {
        "host.screen_lock.enabled": True, "host.screen_lock.timeout_seconds": 300}
    assert values(L.screen_lock_facts({"idle-delay": (0, [])}))["host.screen_lock.enabled"] is False


# -- Windows ----------------------------------------------------------------------------------
def test_secedit_inf_nsa_baseline(corpus):
    text = (corpus / "hosts/windows/nsa_shb_computer_GptTmpl.inf").read_bytes().decode("utf-16")
    assert values(W.parse_secedit(text)) == {
        "host.password_policy.min_days": 1, "host.password_policy.max_days": 60,
        "host.password_policy.min_length": 14, "host.password_policy.complexity": True, "host.lockout.threshold": 3}


def test_auditpol_csv_nsa_baseline(corpus):
    got = values(W.parse_auditpol_csv((corpus / "hosts/windows/nsa_shb_computer_audit.csv").read_text()))
    assert got == {"host.audit.enabled": True, "host.audit.rules": 21}


def test_powershell_51_enums_and_single_objects():
    got = values(W.parse_bitlocker('{"MountPoint":"C:","VolumeType":0,"ProtectionStatus":1,"EncryptionMethod":7}'))
    assert got["host.disk_encryption.system_encrypted"] is True
    assert got["host.disk_encryption.volumes"] == [{"name": "C:", "encrypted": True, "method": "XtsAes256"}]
    got = values(W.parse_firewall_profiles('{"value":[{"Name":"Domain","Enabled":1},{"Name":"Private","Enabled":1},'
                                           '{"Name":"Public","Enabled":0}],"Count":3}'))
    assert got["host.firewall.enabled"] is False and got["host.firewall.profiles"]["domain"] is True
    assert values(W.parse_local_admins('"PC\\\\Administrator"')) == {"host.accounts.local_admins": ["PC\\Administrator"]}


def test_net_accounts_never_and_unlimited():
    text = "Maximum password age (days):                          Unlimited\r\nLockout threshold:    Never\r\n"
    assert values(W.parse_net_accounts(text)) == {"host.password_policy.max_days": 0, "host.lockout.threshold": 0}


# -- Asterisk ----------------------------------------------------------------------------------
def test_basic_pbx_pjsip_templates_and_identify(corpus):
    pj = A.parse_pjsip((corpus / "pbx/asterisk/basic-pbx/pjsip.conf").read_text())
    assert [(t["name"], t["protocol"], t["bind"]) for t in pj["transports"]] == [("transport-udp-nat", "udp", "0.0.0.0")]
    eps = {e["name"]: e for e in pj["endpoints"]}
    assert len(eps) == 16 and "endpoint-internal-d70" not in eps            # templates are not endpoints
    assert eps["1107"]["context"] == "Long-Distance"                         # inherited from the template
    assert eps["1107"]["auth_type"] == "userpass" and eps["1107"]["weak_secret"] is False
    assert eps["dcs-endpoint"].get("identified_by_ip") is True and "auth_type" not in eps["dcs-endpoint"]
    assert not any(e.get("weak_secret") for e in eps.values())


def test_basic_pbx_dialplan_blocks_international(corpus):
    dp = A.parse_dialplan((corpus / "pbx/asterisk/basic-pbx/extensions.conf").read_text())
    got = values(A.dialplan_international(dp, ["Long-Distance", "DCS-Incoming"]))
    assert got == {"pbx.dialplan.international_unrestricted": False, "pbx.dialplan.international_patterns": []}
    # _011. exists but only hangs up, and Outbound-Dial is reached with a rewritten number only
    assert "_011." in dp["Outbound-Dial"]["exts"]


def test_sample_dialplan_international_context(corpus):
    dp = A.parse_dialplan((corpus / "pbx/asterisk/samples/extensions.conf.sample").read_text())
    assert values(A.dialplan_international(dp, ["international"]))["pbx.dialplan.international_patterns"] == ["_9011."]
    # local/longdistance reach default -> demo -> stdexten, whose _X. has no priority 1: no dialling
    assert values(A.dialplan_international(dp, ["longdistance"]))["pbx.dialplan.international_unrestricted"] is False


def test_freepbx_manager_default_secret(corpus):
    got = values(A.parse_manager_conf((corpus / "pbx/freepbx/manager.conf").read_text()))
    assert got["pbx.ami.enabled"] is True and got["pbx.ami.bind_all"] is True
    assert got["pbx.ami.weak_secrets"] == ["AMPMGRUSER"]
    assert got["pbx.ami.users"] == [{"name": "AMPMGRUSER", "permit_restricted": True, "weak_secret": True,
                                     "write_all": True}]


def test_samples_manager_http_ari_logger(corpus):
    s = corpus / "pbx/asterisk/samples"
    assert values(A.parse_manager_conf((s / "manager.conf.sample").read_text()))["pbx.ami.enabled"] is False
    http = values(A.parse_http_conf((s / "http.conf.sample").read_text()))
    assert http == {"pbx.http.enabled": False, "pbx.http.bindaddr": "127.0.0.1", "pbx.http.bind_all": False,
                    "pbx.http.tls": False}
    assert values(A.parse_ari_conf((s / "ari.conf.sample").read_text(), True))["pbx.ari.enabled"] is True
    assert values(A.parse_logger_conf((s / "logger.conf.sample").read_text())) == {"pbx.security_log": False}
    assert values(A.parse_logger_conf("[logfiles]\nsecurity.log => security,notice\n")) == {"pbx.security_log": True}


def test_freepbx_sip_conf_listeners_and_includes(corpus):
    sc = A.parse_sip_conf((corpus / "pbx/freepbx/sip.conf").read_text())
    assert [(t["protocol"], t["bind"]) for t in sc["transports"]] == [("udp", "0.0.0.0:5060")]
    assert sc["config"].includes == ["sip_nat.conf", "sip_custom.conf", "sip_additional.conf"]
    assert sc["endpoints"] == []


def test_modules_conf(corpus):
    basic = A.parse_config((corpus / "pbx/asterisk/basic-pbx/modules.conf").read_text())
    assert A.chan_sip_from_modules_conf(basic, "20.1.0") is False
    assert A.chan_sip_from_modules_conf(basic, None) is False           # autoload=no, not listed
    sample = A.parse_config((corpus / "pbx/asterisk/samples/modules.conf.sample").read_text())
    assert A.chan_sip_from_modules_conf(sample, "18.2.0") is True
    assert A.chan_sip_from_modules_conf(sample, "21.0.0") is False      # removed in 21


@pytest.mark.parametrize("name", ["pjsip.conf.sample", "sip.conf.sample", "manager.conf.sample", "ari.conf.sample"])
def test_redaction_masks_every_active_secret(corpus, name):
    raw = (corpus / "pbx/asterisk/samples" / name).read_bytes()
    red = A.redact_config(raw).decode()
    for line in red.splitlines():
        body = line.split(";", 1)[0]
        key = body.split("=", 1)[0].strip().lower()
        if "=" in body and key in ("secret", "password", "md5_cred", "remotesecret"):
            assert A.MASK in body, line
    assert len(red.splitlines()) == len(raw.decode().splitlines())


def test_redaction_of_uris_register_and_pins():
    text = ("register => trunkuser:S3cretTrunk@sip.example.com\n"
            "exten => _9.,1,Dial(IAX2/user:IaxS3cret@host/${EXTEN})\n"
            "exten => 500,1,Authenticate(4242)\n"
            "exten => 501,1,DISA(8899,internal)\n"
            "contact = sip:1001@10.0.0.5:5060\n"
            "ADMIN_PASSWORD = Glob4lS3cret ; global\n")
    red = A.redact_config(text.encode()).decode()
    for secret in ("S3cretTrunk", "IaxS3cret", "4242", "8899", "Glob4lS3cret"):
        assert secret not in red
    assert "sip:1001@10.0.0.5:5060" in red                                 # a SIP URI user is not a secret


def test_weak_secret_rules():
    assert A.is_weak_secret("1234") and A.is_weak_secret("123456789012345")
    assert A.is_weak_secret("AMPMGRPASS") and A.is_weak_secret("alice-phone-01", ["alice-phone-01"])
    assert A.is_weak_secret("Tr9#kQ2v!Lm4Wx7Z", ["2001"]) is False
    assert A.is_weak_secret(None) is None


def test_block_comments_and_escaped_semicolons():
    cfg = A.parse_config("[a]\nx = 1 ;c\n;-- [b]\ny = 2\n--;\nz = semi\\;colon\n")
    assert [s.name for s in cfg.sections] == ["a"]
    assert cfg.sections[0].get("z") == "semi;colon" and cfg.sections[0].get("y") is None


# -- odd input: never raise --------------------------------------------------------------------
ODD = ["", "\x00\xff garbage", "[", "[]()", "{", "[{]", "=", "exten => ,,", "\n\n;--", "null", "[1,2", "{\"a\":",
       "Match\n", "chain input {", "Inst ( (", "-P INPUT", "\ufeff", "[x](nonexistent-template)\nfoo=bar"]


@pytest.mark.parametrize("text", ODD)
def test_parsers_never_raise(text):
    for fn in (L.parse_os_release, L.parse_uname_nr, L.parse_sshd_t, L.parse_sshd_config, L.parse_login_defs,
               L.parse_passwd_summary, L.parse_admin_groups, L.parse_ufw_status, L.parse_nft_ruleset,
               L.parse_iptables_s, L.parse_apt_simulate, L.parse_lsblk_json, L.parse_timedatectl_show,
               L.parse_auditctl_rules, L.parse_dconf_screen_lock, L.parse_gsettings,
               W.parse_os, W.parse_bitlocker, W.parse_defender, W.parse_firewall_profiles, W.parse_local_admins,
               W.parse_smb, W.parse_registry_settings, W.parse_updates, W.parse_net_accounts, W.parse_secedit,
               W.parse_auditpol_csv, W.parse_w32tm_status,
               A.parse_core_show_version, A.parse_manager_conf, A.parse_http_conf, A.parse_logger_conf,
               A.parse_fail2ban_status, A.parse_pjsip, A.parse_sip_conf, A.parse_dialplan, A.parse_module_show):
        fn(text)
    L.parse_password_quality(text, text, text)
    L.sshd_listener_config(text, text)
    A.parse_ari_conf(text, True)
    A.redact_config(text.encode("utf-8", "surrogateescape"))
    A.dialplan_international(A.parse_dialplan(text), ["x"])
    A.expand_includes(text, lambda name: text)
