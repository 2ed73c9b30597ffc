"""``controlcheck worker``: a Celery site worker (Celery's own worker, our task registered)."""

from __future__ import annotations

import socket

import click

from .common import handle_errors


@click.command("worker")
@click.option("--site", "sites", multiple=True, metavar="SITE",
              help="collect the assets of this site (repeatable); none: the assets without a site")
@click.option("--default-queue", "with_default", is_flag=True, help="also collect the assets without a site")
@click.option("--broker", required=True, metavar="URL", envvar="CONTROLCHECK_BROKER",
              help="redis://host:6379/0 (or amqp://…; env CONTROLCHECK_BROKER)")
@click.option("--concurrency", type=click.IntRange(1, 1024), default=8, show_default=True,
              help="assets collected at once by this worker")
@click.option("--base-dir", type=click.Path(file_okay=False), default=None,
              help="folder that relative credential paths (password_file: secrets/x) resolve against on this "
                   "host (default: the coordinator's inventory folder)")
@click.option("--visibility-timeout", type=click.FloatRange(1), default=None,
              help="seconds before the task of a lost worker is delivered again (default 1800; longer than "
                   "the slowest asset)")
@click.option("--name", "node_name", default=None, help="Celery node name (default: controlcheck-SITES@host)")
@click.option("--loglevel", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"]))
@handle_errors
def worker_command(sites, with_default, broker, concurrency, base_dir, visibility_timeout, node_name, loglevel) -> None:
    """Run a site worker: collect the assets of --site SITE queued by 'controlcheck audit
    --engine celery'. Secrets are read here, from this host's environment and files; the
    broker carries only their references."""
    from ..engines.celery_app import make_app
    from ..engines.payload import DEFAULT_QUEUE, queue_for

    queues = [queue_for(s) for s in sites]
    if with_default or not sites:
        queues.append(DEFAULT_QUEUE)
    app = make_app(broker, visibility_timeout=visibility_timeout, base_dir=base_dir)
    name = node_name or f"controlcheck-{'-'.join(sites) or 'default'}@{socket.gethostname()}"
    # threads: collection is network I/O (SSH, SNMP), as in the local engine
    app.worker_main(["worker", "--queues", ",".join(queues), "--concurrency", str(concurrency), "--pool", "threads",
                     "--loglevel", loglevel.upper(), "--hostname", name, "--without-gossip"])


def register(cli: click.Group) -> None:
    cli.add_command(worker_command)
