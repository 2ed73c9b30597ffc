"""What every command shares: one-line errors, exit codes, --debug."""

from __future__ import annotations

import functools
import sys
import traceback

import click

from ..errors import ControlcheckError

# DESIGN.md exit codes
EXIT_OK = 0
EXIT_FAILING = 1
EXIT_INVALID = 2
EXIT_INCOMPLETE = 3

SEVERITIES = ("info", "low", "medium", "high", "critical")


def debug_enabled() -> bool:
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.obj and ctx.obj.get("debug"):
            return True
        ctx = ctx.parent
    return False


def handle_errors(func):
    """Turn our errors into one line on stderr and exit 2; tracebacks only with --debug."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ControlcheckError as exc:
            if debug_enabled():
                traceback.print_exc()
            click.echo(f"controlcheck: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("controlcheck: interrupted; what was already written is kept", err=True)
            sys.exit(130)

    return wrapper


def exit_code_for(findings: list[dict], fail_on: str, incomplete: bool) -> int:
    """0: nothing failing at or above fail_on; 1: failing findings; 3: none failing but
    some assets could not be collected."""
    threshold = SEVERITIES.index(fail_on)
    failing = any(f["status"] in ("fail", "error") and SEVERITIES.index(f["severity"]) >= threshold
                  and not (f["status"] == "error" and f.get("error_kind") == "not-collected")
                  for f in findings)
    if failing:
        return EXIT_FAILING
    if incomplete:
        return EXIT_INCOMPLETE
    return EXIT_OK


def fail_on_option():
    return click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True,
                        help="lowest severity of a failing finding that makes the exit code 1")
