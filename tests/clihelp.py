"""Run the real click command in-process and return (exit code, stdout, stderr)."""

from __future__ import annotations

from click.testing import CliRunner

from controlcheck.cli.main import cli


def run_cli(*args: str, env: dict | None = None):
    result = CliRunner().invoke(cli, list(args), obj={}, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr
