"""Windows workstations and servers over Windows OpenSSH.

Every query is one PowerShell script that prints JSON (``ConvertTo-Json -Compress``),
sent as ``powershell -NoProfile -NonInteractive -EncodedCommand <base64 UTF-16LE>`` so it
reaches PowerShell intact whether the OpenSSH default shell is cmd.exe or PowerShell (a
PowerShell default shell would expand ``$`` inside a ``-Command "..."`` argument). Evidence
and messages name it by its readable form, ``powershell ... -Command "<script>"``. ``net accounts``, ``secedit`` (password complexity), ``auditpol /r`` and
``w32tm /query /status`` are plain commands. Several need an elevated (administrator)
session — BitLocker, Defender status, secedit, auditpol — and their failure is an
errors entry naming the command, with the fact absent.
"""

from __future__ import annotations

import base64

from ..parsers import windows as W
from .base import FactsBuilder
from .host_commands import put, read_facts, why
from .ssh import SshCollector, WireCommand

POWERSHELL = "powershell -NoProfile -NonInteractive"


def ps(script: str) -> WireCommand:
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    return WireCommand(f'{POWERSHELL} -Command "{script}"', f"{POWERSHELL} -EncodedCommand {encoded}")


OS = ps("Get-CimInstance Win32_OperatingSystem | Select-Object Caption,Version,BuildNumber,CSName "
        "| ConvertTo-Json -Compress")
BITLOCKER = ps("Get-BitLockerVolume | Select-Object MountPoint,"
               "@{n='VolumeType';e={[string]$_.VolumeType}},@{n='ProtectionStatus';e={[string]$_.ProtectionStatus}},"
               "@{n='EncryptionMethod';e={[string]$_.EncryptionMethod}},@{n='VolumeStatus';e={[string]$_.VolumeStatus}},"
               "EncryptionPercentage | ConvertTo-Json -Compress")
DEFENDER = ps("Get-MpComputerStatus | Select-Object AMRunningMode,AntivirusEnabled,RealTimeProtectionEnabled,"
              "AntivirusSignatureAge,AntivirusSignatureVersion | ConvertTo-Json -Compress")
PROCESSES = ps("Get-Process | Select-Object -ExpandProperty ProcessName -Unique | ConvertTo-Json -Compress")
FIREWALL = ps("Get-NetFirewallProfile | Select-Object Name,@{n='Enabled';e={[string]$_.Enabled}} "
              "| ConvertTo-Json -Compress")
ADMINS = ps("Get-LocalGroupMember -SID S-1-5-32-544 | Select-Object -ExpandProperty Name | ConvertTo-Json -Compress")
SMB = ps("Get-SmbServerConfiguration | Select-Object EnableSMB1Protocol | ConvertTo-Json -Compress")
REGISTRY = ps(
    "function v($p,$n){$i=Get-ItemProperty -Path $p -Name $n -ErrorAction SilentlyContinue; if($i){$i.$n}}; "
    "$ts='HKLM:\\System\\CurrentControlSet\\Control\\Terminal Server'; "
    "$desk='HKCU:\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop'; "
    "$au='HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU'; "
    "[pscustomobject]@{"
    "fDenyTSConnections=v $ts 'fDenyTSConnections'; "
    "UserAuthentication=v ($ts+'\\WinStations\\RDP-Tcp') 'UserAuthentication'; "
    "InactivityTimeoutSecs=v 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System' "
    "'InactivityTimeoutSecs'; "
    "ScreenSaveActive=v $desk 'ScreenSaveActive'; ScreenSaverIsSecure=v $desk 'ScreenSaverIsSecure'; "
    "ScreenSaveTimeOut=v $desk 'ScreenSaveTimeOut'; "
    "UsbStorStart=v 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR' 'Start'; "
    "NoAutoUpdate=v $au 'NoAutoUpdate'; AUOptions=v $au 'AUOptions'} | ConvertTo-Json -Compress")
UPDATES = ps("$s=(New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher(); "
             "$r=$s.Search('IsInstalled=0 and IsHidden=0 and Type=''Software'''); "
             "$sec=@($r.Updates | Where-Object { @($_.Categories | Where-Object { $_.Name -eq 'Security Updates' })"
             ".Count -gt 0 }); "
             "[pscustomobject]@{Pending=$r.Updates.Count; Security=$sec.Count; "
             "Titles=@($r.Updates | ForEach-Object { $_.Title })} | ConvertTo-Json -Compress")
SECEDIT = ps("$f=Join-Path $env:TEMP 'controlcheck-secpol.inf'; "
             "secedit /export /cfg $f /areas SECURITYPOLICY /quiet | Out-Null; "
             "Get-Content -Path $f; Remove-Item -Path $f -ErrorAction SilentlyContinue")
NET_ACCOUNTS = "net accounts"
AUDITPOL = "auditpol /get /category:* /r"
W32TM = "w32tm /query /status"


class WindowsCollector(SshCollector):
    platform = "windows"

    def gather(self, session, builder: FactsBuilder) -> None:
        # each step names the facts it fills: its errors explain exactly those findings
        with builder.reading("host.os", "system"):
            read_facts(session, builder, OS, W.parse_os, "OS version")
        with builder.reading("host.disk_encryption"):
            read_facts(session, builder, BITLOCKER, W.parse_bitlocker, "BitLocker status (needs an elevated session)")
        with builder.reading("host.endpoint_protection"):
            read_facts(session, builder, DEFENDER, W.parse_defender, "Defender status")
            procs = session.run(PROCESSES)
            names = W.parse_process_names(procs.text) if procs is not None and procs.ok else None
            if names is not None:
                found = W.endpoint_protection(names)
                builder.set("host.endpoint_protection.running", found, evidence=procs.evidence, lines=found)
            else:
                builder.error(f"ssh:{PROCESSES}", f"process list not read ({why(procs)})")
        with builder.reading("host.firewall"):
            read_facts(session, builder, FIREWALL, W.parse_firewall_profiles, "firewall profiles")
        with builder.reading("host.accounts"):
            read_facts(session, builder, ADMINS, W.parse_local_admins, "local Administrators group")
        with builder.reading("host.smb"):
            read_facts(session, builder, SMB, W.parse_smb, "SMB server configuration")
        with builder.reading("host.rdp", "host.screen_lock", "host.usb_storage", "host.updates.automatic"):
            read_facts(session, builder, REGISTRY, W.parse_registry_settings, "RDP, screen lock, USB and update policy")
        with builder.reading("host.updates"):
            read_facts(session, builder, UPDATES, W.parse_updates, "pending updates (Windows Update agent)")
        with builder.reading("host.password_policy", "host.lockout"):
            self.password_policy(session, builder)
        with builder.reading("host.audit"):
            read_facts(session, builder, AUDITPOL, W.parse_auditpol_csv, "audit policy (needs an elevated session)")
        with builder.reading("host.time_sync"):
            read_facts(session, builder, W32TM, W.parse_w32tm_status, "time synchronisation")

    def password_policy(self, session, builder: FactsBuilder) -> None:
        net = session.run(NET_ACCOUNTS)
        parsed = W.parse_net_accounts(net.text) if net is not None and net.ok else {}
        put(builder, parsed, net.evidence if net is not None else None)
        sec = session.run(SECEDIT)
        policy = W.parse_secedit(sec.text) if sec is not None and sec.ok else {}
        if "host.password_policy.complexity" in policy:
            value, lines = policy["host.password_policy.complexity"]
            builder.set("host.password_policy.complexity", value, evidence=sec.evidence, lines=lines)
        for path, (value, lines) in policy.items():
            if path not in parsed and path != "host.password_policy.complexity":
                builder.set(path, value, evidence=sec.evidence, lines=lines)
        if not parsed and not policy:
            builder.error(f"ssh:{NET_ACCOUNTS}", f"password policy not read ({why(net)})")
        elif "host.password_policy.complexity" not in policy:
            builder.error(f"ssh:{SECEDIT}", f"password complexity not read (secedit needs an elevated session; "
                                            f"{why(sec)})")
