"""What every command shares: one-line errors, exit codes, --debug, the options several
commands take, and writing output to a file or stdout."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from pathlib import Path

import click

from ..errors import ControlcheckError
from ..files import write_atomic, write_atomic_stream
from ..outcome import EXIT_BROKEN_PIPE, EXIT_ENVIRONMENT, EXIT_FAILING, EXIT_INCOMPLETE, EXIT_INVALID, EXIT_OK, exit_code_for
from ..reports import ReportFormat, ReportInput
from ..store import DEFAULT_DB
from ..terminal import terminal_text
from ..vocabulary import DEFAULT_CONCURRENCY, DEFAULT_FAIL_ON, SEVERITIES

__all__ = ["echo", "reader_went_away", "EXIT_ENVIRONMENT", "EXIT_FAILING", "EXIT_INCOMPLETE", "EXIT_INVALID", "EXIT_OK", "exit_code_for", "handle_errors",
           "write_output", "write_report", "fail_on_option", "concurrency_option", "trust_option", "inventory_option",
           "policies_option", "waivers_option", "risks_option", "db_option", "text_or_json_option",
           "output_option"]


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
            click.echo(terminal_text(f"controlcheck: error: {exc}"), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("controlcheck: interrupted; what was already written is kept", err=True)
            sys.exit(130)
        except BrokenPipeError:
            reader_went_away()
        except OSError as exc:    # the environment stopped us where no library code said so: exit 4
            if debug_enabled():
                traceback.print_exc()
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(terminal_text(f"controlcheck: error: {where}{exc.strerror or exc}"), err=True)
            sys.exit(EXIT_ENVIRONMENT)

    return wrapper


def reader_went_away() -> None:
    """stdout's reader closed the pipe (``controlcheck ... | head``): not an error of ours and
    nothing to report on a terminal. Exit 141 (128 + SIGPIPE, what a shell shows for a tool the
    signal ended) with stdout pointed at /dev/null, so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_BROKEN_PIPE)


def echo(message: object = "", err: bool = False, nl: bool = True) -> None:
    """Print one message; device text in it shows its control characters, never runs them."""
    click.echo(terminal_text(str(message)), err=err, nl=nl)


def write_output(text: str | bytes, output: str | None) -> None:
    """Write to a file (atomically), a FIFO or device (directly), or stdout ('-' or none;
    escaped when stdout is a terminal)."""
    if output in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            click.echo(terminal_text(text) if sys.stdout.isatty() else text, nl=False)
        return
    write_atomic(Path(output), text)


def write_report(report: ReportFormat, data: ReportInput, output: str | None) -> None:
    """A report to ``output`` as :func:`write_output` writes it; a text format into a file is
    streamed there by the format (``ReportFormat.write``) rather than rendered whole first."""
    if output in (None, "-") or report.binary:
        write_output(report.render(data), output)
    else:
        write_atomic_stream(Path(output), lambda out: report.write(data, out))


# -- options several commands share ------------------------------------------------------------
def fail_on_option():
    return click.option("--fail-on", type=click.Choice(SEVERITIES), default=DEFAULT_FAIL_ON, show_default=True,
                        help="lowest severity of a failing finding that makes the exit code 1")


def concurrency_option():
    return click.option("--concurrency", type=click.IntRange(1, 1024),
                        help="assets collected at once (default: the inventory's settings.concurrency, "
                             f"else {DEFAULT_CONCURRENCY})")


def trust_option():
    return click.option("--trust-on-first-use", is_flag=True, help="accept and record unknown SSH host keys")


def inventory_option():
    return click.option("-i", "--inventory", "inventory_path", required=True, type=click.Path(path_type=Path),
                        help="inventory YAML (docs/inventory.md)")


def policies_option():
    return click.option("--policies", "policy_paths", multiple=True, type=click.Path(path_type=Path),
                        help="policy file or directory (repeatable); default: the built-in library")


def waivers_option():
    return click.option("--waivers", "waivers_path", type=click.Path(path_type=Path), help="waivers YAML file")


def risks_option(help: str = "risk register YAML replacing the built-in one (or adding to it: 'extends: builtin')"):
    return click.option("--risks", "risks_path", type=click.Path(path_type=Path), help=help)


DEMO_DB = Path("controlcheck-demo") / "controlcheck.db"


def history_db(db: str | None) -> str | Path:
    """The ``--db`` to open: the one given; else ./controlcheck-out's (where ``audit`` writes by
    default) when it exists; else ./controlcheck-demo's after a ``controlcheck demo``, so the
    commands the demo suggests work without flags."""
    if db is not None:
        return db
    if not DEFAULT_DB.exists() and DEMO_DB.exists():
        return DEMO_DB
    return DEFAULT_DB


def db_option(help: str = f"run history: an SQLite file, sqlite:///path or postgresql://user@host/db (default: "
                          f"./{DEFAULT_DB}, else ./{DEMO_DB} after 'controlcheck demo'; 'controlcheck audit --out "
                          "DIR' writes DIR/controlcheck.db)"):
    return click.option("--db", "db", default=None, metavar="PATH|URL", help=help)


def text_or_json_option():
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


def output_option(help: str = "write here (default: stdout)"):
    return click.option("-o", "--output", help=help)
