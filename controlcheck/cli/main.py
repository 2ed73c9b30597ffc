"""The ``controlcheck`` command. Commands live one group per module; this file only wires them."""

from __future__ import annotations

import importlib
import sys

import click

from .. import __version__
from .common import reader_went_away

# Each module defines ``register(cli)``. Add a module here to add its commands.
COMMAND_MODULES = [
    "controlcheck.cli.check",
    "controlcheck.cli.policy",
    "controlcheck.cli.collect",
    "controlcheck.cli.risk",
    "controlcheck.cli.audit",
    "controlcheck.cli.lab",
    "controlcheck.cli.report",
    "controlcheck.cli.db",
    "controlcheck.cli.worker",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="controlcheck")
@click.option("--debug", is_flag=True, help="show tracebacks for errors")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Policy-as-code compliance and control checker for contact-centre hardware."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(cli)


def main() -> None:
    try:
        cli(obj={})
    finally:
        # output still buffered meets a closed pipe only here, after the command returned
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            reader_went_away()
