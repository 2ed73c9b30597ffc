"""``controlcheck policy validate|list|show``."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from ..checks import load_policies
from ..errors import InputError
from .common import echo, handle_errors, policies_option


@click.group("policy")
def policy_group() -> None:
    """Validate, list and show policy controls."""


@policy_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@handle_errors
def validate_command(paths: tuple[Path, ...]) -> None:
    """Validate policy files or directories (schema, conditions, unique ids)."""
    policy_set = load_policies(list(paths))
    echo(f"ok: {len(policy_set.controls)} controls in {len(policy_set.files)} file(s)")


@policy_group.command("list")
@policies_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@handle_errors
def list_command(policy_paths: tuple[Path, ...], fmt: str) -> None:
    """List controls: id, severity, applies to, title."""
    policy_set = load_policies(list(policy_paths))
    if fmt == "json":
        echo(json.dumps([c.to_dict() for c in policy_set.controls], indent=2))
        return
    for c in policy_set.controls:
        kinds = ",".join(c.applies_to.get("kinds", ["any"]))
        echo(f"{c.id:<16} {c.severity:<8} {kinds:<28} {c.title}")


@policy_group.command("show")
@click.argument("control_id")
@policies_option()
@handle_errors
def show_command(control_id: str, policy_paths: tuple[Path, ...]) -> None:
    """Show one control in full."""
    control = load_policies(list(policy_paths)).get(control_id)
    if control is None:
        raise InputError(f"no control with id {control_id!r}")
    echo(yaml.safe_dump(control.to_dict(), sort_keys=False, allow_unicode=True), nl=False)


def register(cli: click.Group) -> None:
    cli.add_command(policy_group)
