"""The vendor-neutral network CLI base: every network OS (Cisco IOS and ASA, Arista EOS,
Juniper Junos, FortiOS, PAN-OS) is collected alike — its version command and its
configuration, redacted before it is kept as evidence or parsed — through netmiko.

A platform is one subclass naming its netmiko device type, its commands and its parser
module. The parser module offers (see parsers/cisco_ios.py for the model):

* ``parse_show_version(text) -> ParsedFacts``
* ``parse_running_config(text) -> ParsedFacts`` — a *complete* configuration, so absence
  of a setting is a fact (the platform default or null), see docs/facts-model.md
* ``redact_config(text) -> str`` — every secret replaced, what controls judge kept

The saved-config collector (configfile.py) feeds the same parsers the same way
(:func:`apply_config`), so a backup and a live device give the same facts.
"""

from __future__ import annotations

from abc import abstractmethod
from types import ModuleType
from typing import Callable

from .base import FactsBuilder
from .ssh import CliSession, CommandOutput, SshCollector


def redact_bytes(parsers: ModuleType, raw: bytes) -> bytes:
    """The platform's text redaction applied to raw bytes (undecodable bytes kept as they are)."""
    text = raw.decode("utf-8", errors="surrogateescape")
    return parsers.redact_config(text).encode("utf-8", errors="surrogateescape")


def apply_config(parsers: ModuleType, text: str, builder: FactsBuilder, evidence: str | None,
                 source: str = "ssh:show running-config") -> None:
    """Parse one configuration (redacted first: no secret reaches a fact or its provenance)
    and put its facts, with their config lines, into ``builder``. Read to its end marker, its
    absences become defaults or nulls; cut short, they become errors of ``source``."""
    parsers.parse_running_config(parsers.redact_config(text)).apply(builder, evidence, source=source)


class NetworkCliCollector(SshCollector):
    parsers: ModuleType            # the platform's parser module (see the module docstring)
    default_kind = "router"        # the kind a saved config of this platform gets when no inventory names it
    # facts only a live device gives (show commands): a saved config cannot decide them
    live_only: tuple[str, ...] = ("system.os_version", "system.model", "system.serial", "system.image",
                                  "system.uptime_seconds")
    version_command = "show version"
    config_command = "show running-config"
    config_name = "running configuration"
    config_denied_hint = "the account may lack the privilege to read the configuration"

    @classmethod
    def kind_for(cls, facts: dict) -> str:
        """The kind a saved config of this platform is taken for when no inventory names it."""
        return cls.default_kind

    def gather(self, session: CliSession, builder: FactsBuilder) -> None:
        self.parse(session, builder, self.version_command, self.parsers.parse_show_version, facts=["system"])
        config = session.run(self.config_command, redact=lambda raw: redact_bytes(self.parsers, raw))
        source = f"ssh:{self.config_command}"
        if config and config.ok:
            apply_config(self.parsers, config.text, builder, config.evidence, source=source)
        else:
            # the configuration is what a network device is judged on: without it the asset
            # was not collected (exit 3), whatever 'show version' gave
            refused = f" (the device answered: {config.rejected})" if config is not None and config.rejected else ""
            builder.unreachable(source, f"no {self.config_name}: {self.config_denied_hint}{refused}",
                                facts=["network", "system.hostname"])
        self.gather_more(session, builder)

    @abstractmethod
    def gather_more(self, session: CliSession, builder: FactsBuilder) -> None:
        """The platform's own commands, after version and config (a platform that needs
        none says so with an empty body: every platform states what more it reads)."""

    @staticmethod
    def parse(session: CliSession, builder: FactsBuilder, command: str, parser: Callable,
              facts: list[str]) -> CommandOutput | None:
        """Run ``command``; when it answers, apply ``parser(text)`` with its evidence. A command
        the device rejects (``% Invalid input``) is an error for the ``facts`` it would give."""
        out = session.run(command)
        if out and out.ok:
            parser(out.text).apply(builder, out.evidence, source=f"ssh:{command}")
        elif out is not None:
            builder.error(f"ssh:{command}", f"the device rejected {command!r}: {out.rejected or 'no usable answer'}",
                          facts=facts)
        return out
