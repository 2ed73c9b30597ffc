"""What the Cisco CLI platforms (IOS, ASA) collect alike: ``show version`` and the
running-config, redacted before it is kept or parsed; each platform adds its own commands."""

from __future__ import annotations

from types import ModuleType
from typing import Callable

from ..parsers.cisco_common import redact_config, redact_config_bytes
from .base import FactsBuilder
from .ssh import CliSession, CommandOutput, SshCollector


class CiscoCliCollector(SshCollector):
    privileged = True     # the running-config needs privilege 15: enter enable when the login is below
    parsers: ModuleType   # parse_show_version(text) and parse_running_config(text) -> ParsedFacts

    def gather(self, session: CliSession, builder: FactsBuilder) -> None:
        self.parse(session, builder, "show version", self.parsers.parse_show_version)
        config = session.run("show running-config", redact=redact_config_bytes)
        if config and config.ok:
            self.parsers.parse_running_config(redact_config(config.text)).apply(builder, config.evidence)
        else:
            builder.error("ssh:show running-config", "no running configuration: the account may lack privilege 15 "
                                                     "(enable secret missing?)")
        self.gather_more(session, builder)

    def gather_more(self, session: CliSession, builder: FactsBuilder) -> None:
        """The platform's own commands, after version and config."""

    @staticmethod
    def parse(session: CliSession, builder: FactsBuilder, command: str, parser: Callable) -> CommandOutput | None:
        """Run ``command``; when it answers, apply ``parser(text)`` with its evidence."""
        out = session.run(command)
        if out and out.ok:
            parser(out.text).apply(builder, out.evidence)
        return out
