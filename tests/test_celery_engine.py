"""The celery engine with real parts: a redis-server, Celery site workers as separate processes
('controlcheck worker'), the demo fleet or the SSH device simulator, and the real audit."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
import yaml

from clihelp import run_cli
from helpers import FIXTURES, REPO, wait_until
from controlcheck.engines.payload import queue_for
from controlcheck.lab import fleet as lab_fleet
from controlcheck.lab.inventory import sim_assets, write_inventory
from controlcheck.lab.sshsim import SshSimulator
from controlcheck.store import RunStore
from servers import RABBITMQ_SERVER, RabbitMQServer, RedisServer, free_port

pytestmark = pytest.mark.slow
TIMEOUT = 180


class Worker:
    """``controlcheck worker`` in its own process; its log lines are kept for awaiting events."""

    count = 0

    def __init__(self, broker: str, sites: list[str], env: dict | None = None, concurrency: int = 4,
                 visibility_timeout: float | None = None):
        Worker.count += 1
        self.name = f"w{Worker.count}-{'-'.join(sites)}@test"
        args = [sys.executable, "-m", "controlcheck", "worker", "--broker", broker, "--concurrency", str(concurrency),
                "--name", self.name]
        for site in sites:
            args += ["--site", site]
        if visibility_timeout:
            args += ["--visibility-timeout", str(visibility_timeout)]
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO,
                                     env={**os.environ, **(env or {})})
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(r" ready\.")

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float = TIMEOUT) -> re.Match:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if m := re.search(pattern, line):
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"worker {self.name}: no line matching {pattern!r}:\n{''.join(self.lines)[-3000:]}")
                self._changed.wait(min(left, 1.0))

    def collected(self) -> list[str]:
        return [m.group(1) for line in self.lines if (m := re.search(r"collecting (\S+) ", line))]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)      # Celery's warm shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def broker():
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    with lab_fleet.Fleet(tmp_path_factory.mktemp("lab")) as f:
        yield f


class Monitor:
    """Everything the broker is sent (redis MONITOR), for the no-secret check."""

    def __init__(self, url: str):
        self.url = url
        self.client = redis.Redis.from_url(url)
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self) -> None:
        with self.client.monitor() as m:
            self.ready.set()
            for event in m.listen():
                self.lines.append(event["command"])
                if "controlcheck-monitor-stop" in event["command"]:
                    return

    def stop(self) -> str:
        redis.Redis.from_url(self.url).get("controlcheck-monitor-stop")     # the monitor's own end mark
        self.thread.join(30)
        return "\n".join(self.lines)


def _secrets(folder: Path) -> list[str]:
    """The passwords and enable secrets of the lab (SNMP communities are the asset ids there, so
    they are not markers)."""
    values = [p.read_text().strip() for p in (folder / "secrets").glob("*") if p.suffix in (".password", ".enable")]
    assert len(values) >= 5
    return values


def test_two_site_workers_give_the_findings_of_the_local_engine_and_no_secret_crosses_the_broker(
        tmp_path, fleet, broker, workers, postgres):
    # one credential by environment variable, set only in the HQ worker's environment
    inventory = yaml.safe_load(fleet.inventory.read_text())
    marker = "env-marker-" + (fleet.folder / "secrets" / "rtr-hq-01.password").read_text().strip()
    cred = inventory["credentials"]["rtr-hq-01-ssh"]
    cred.pop("password_file")
    cred["password_env"] = "CC_RTR_HQ_01_PASSWORD"
    inv = tmp_path / "inventory.yaml"
    inv.write_text(yaml.safe_dump(inventory, sort_keys=False))
    sites = {a.get("site") for a in inventory["assets"]}
    assert sites == {"HQ", "Branch-07"}
    real_password = (fleet.folder / "secrets" / "rtr-hq-01.password").read_text().strip()
    db = postgres.new_database()          # the central history

    # the local engine: the worker's env var is not set here, so give it to this process for this run
    os.environ["CC_RTR_HQ_01_PASSWORD"] = real_password
    try:
        code, _, err = run_cli("audit", "-i", str(inv), "--out", str(tmp_path / "local"), "--db", str(db))
    finally:
        del os.environ["CC_RTR_HQ_01_PASSWORD"]
    assert code in (1, 3), err

    workers.append(Worker(broker.url, ["HQ"], env={"CC_RTR_HQ_01_PASSWORD": real_password}))
    workers.append(Worker(broker.url, ["Branch-07"]))
    monitor = Monitor(broker.url)
    code, out, err = run_cli("audit", "-i", str(inv), "--out", str(tmp_path / "celery"), "--db", str(db),
                             "--engine", "celery", "--broker", broker.url)
    traffic = monitor.stop()
    assert code in (1, 3), err
    assert "controlcheck.collect_asset" in traffic and len(traffic) > 10_000   # the monitor saw the audit
    for secret in _secrets(fleet.folder) + [real_password, marker]:
        assert secret not in traffic
    leftover = redis.Redis.from_url(broker.url)
    for key in leftover.keys("*"):
        value = leftover.dump(key) or b""
        assert not any(s.encode() in value for s in _secrets(fleet.folder))
    assert not leftover.keys("celery-task-meta-*")     # results were fetched and forgotten

    # each worker collected its own site, every asset once
    by_site = {a["id"]: a["site"] for a in inventory["assets"]}
    assert sorted(workers[0].collected()) == sorted(a for a, s in by_site.items() if s == "HQ")
    assert sorted(workers[1].collected()) == sorted(a for a, s in by_site.items() if s == "Branch-07")
    # the same findings: diff shows nothing new, nothing fixed, no asset gained or lost
    code, out, _ = run_cli("diff", "1", "2", "--db", db, "--format", "json")
    d = json.loads(out)
    assert (d["newly_failing"], d["newly_passing"], d["new_assets"], d["vanished_assets"]) == ([], [], [], [])
    assert d["cai"]["change"] == 0.0
    with RunStore(db, create=False) as store:
        assert [r["engine"] for r in store.runs()] == ["local", "celery"]
    # the same files, raw evidence included, and a complete evidence bundle
    local_files = sorted(p.relative_to(tmp_path / "local" / "runs" / "1" / "facts").as_posix()
                         for p in (tmp_path / "local" / "runs" / "1" / "facts").rglob("*") if p.is_file())
    celery_files = sorted(p.relative_to(tmp_path / "celery" / "runs" / "2" / "facts").as_posix()
                          for p in (tmp_path / "celery" / "runs" / "2" / "facts").rglob("*") if p.is_file())
    assert celery_files == local_files and any(f.startswith("evidence/") for f in celery_files)
    code, _, err = run_cli("report", "--db", db, "--run", "2", "--format", "evidence",
                           "-o", str(tmp_path / "bundle.zip"))
    assert code == 0 and "not in the bundle" not in err, err


def _slow_sim(tmp_path: Path, names: dict[str, str], delay: float) -> list[Path]:
    """Copies of the IOS fixtures under new names (name -> site), each answer ``delay`` late."""
    folders = []
    for i, name in enumerate(names):
        src = FIXTURES / "devices" / "cisco_ios" / ("rtr-hq-01" if i % 2 == 0 else "rtr-branch-07")
        dst = tmp_path / "cisco_ios" / name
        shutil.copytree(src, dst)
        spec = yaml.safe_load((dst / "device.yaml").read_text())
        spec["hostname"] = name
        spec.setdefault("behaviour", {})["delay"] = delay
        (dst / "device.yaml").write_text(yaml.safe_dump(spec))
        folders.append(dst)
    return folders


def _sim_inventory(tmp_path: Path, sim: SshSimulator, sites: dict[str, str]) -> Path:
    known_hosts = sim.write_known_hosts(tmp_path / "known_hosts")
    return write_inventory(tmp_path / "inventory.yaml", sim_assets(sim, tmp_path, sites=sites), known_hosts=known_hosts)


def _audit_process(inv: Path, out: Path, broker_url: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "controlcheck", "audit", "-i", str(inv), "--out", str(out),
                             "--engine", "celery", "--broker", broker_url, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)


def test_a_worker_killed_mid_collection_loses_nothing(tmp_path, broker, workers):
    _a_worker_killed_mid_collection_loses_nothing(tmp_path, broker.url, workers, visibility_timeout=3)


def _a_worker_killed_mid_collection_loses_nothing(tmp_path, broker_url: str, workers: list, **worker_options) -> None:
    sites = {f"rtr-k{i}": "HQ" for i in range(3)}
    with SshSimulator(_slow_sim(tmp_path, sites, delay=0.4)) as sim:
        inv = _sim_inventory(tmp_path, sim, sites)
        first = Worker(broker_url, ["HQ"], concurrency=1, **worker_options)
        workers.append(first)
        audit = _audit_process(inv, tmp_path / "out", broker_url, "--site-timeout", "120")
        try:
            victim = first.wait_for(r"collecting (\S+) ").group(1)
            first.proc.send_signal(signal.SIGKILL)        # mid-collection: every answer is 0.4 s late
            first.proc.wait()
            second = Worker(broker_url, ["HQ"], concurrency=2, **worker_options)
            workers.append(second)
            out, err = audit.communicate(timeout=TIMEOUT)
        finally:
            if audit.poll() is None:
                audit.kill()
                audit.wait()
    assert audit.returncode in (0, 1), err
    assert victim in second.collected()               # delivered again after the worker was lost
    facts = tmp_path / "out" / "runs" / "1" / "facts"
    assert sorted(p.stem for p in facts.glob("*.json")) == sorted(sites)    # one facts document per asset
    for name in sites:
        doc = json.loads((facts / f"{name}.json").read_text())
        assert doc["errors"] == [] and doc["asset"]["id"] == name and doc["facts"]["system"]["vendor"] == "Cisco"
    with RunStore(tmp_path / "out" / "controlcheck.db", create=False) as store:
        assert store.get_run("latest")["status"] == "complete"


POLICY = """
controls:
  - id: TEST-HOST-001
    title: The router is a Cisco
    severity: low
    applies_to: {kinds: [router]}
    check: {fact: system.vendor, op: eq, value: Cisco}
"""


def test_a_site_without_a_live_worker_is_reported_not_collected(tmp_path, broker, workers):
    sites = {"rtr-hq-a": "HQ", "rtr-br-a": "Branch-99"}
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    with SshSimulator(_slow_sim(tmp_path, sites, delay=0)) as sim:
        inv = _sim_inventory(tmp_path, sim, sites)
        workers.append(Worker(broker.url, ["HQ"]))
        code, out, err = run_cli("audit", "-i", str(inv), "--out", str(tmp_path / "out"), "--policies", str(policy),
                                 "--engine", "celery", "--broker", broker.url, "--site-timeout", "3")
    assert code == 3, err
    assert "rtr-br-a: not collected: no worker for site Branch-99" in err
    facts = tmp_path / "out" / "runs" / "1" / "facts"
    assert json.loads((facts / "rtr-hq-a.json").read_text())["errors"] == []
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    status = {f["asset_id"]: f["status"] for f in results["findings"]}
    assert status == {"rtr-hq-a": "pass", "rtr-br-a": "error"}
    # the abandoned task does not wait on the broker for a worker that comes later
    assert redis.Redis.from_url(broker.url).llen(queue_for("Branch-99")) == 0


def test_an_unreachable_broker_stops_the_run_before_anything_is_written(tmp_path):
    inv = tmp_path / "inventory.yaml"
    inv.write_text(yaml.safe_dump({"credentials": {}, "assets": [
        {"id": "ups-1", "kind": "ups", "platform": "ups_rfc1628", "address": "127.0.0.1", "site": "HQ"}]}))
    url = f"redis://127.0.0.1:{free_port()}/0"
    code, out, err = run_cli("audit", "-i", str(inv), "--out", str(tmp_path / "out"), "--engine", "celery",
                             "--broker", url)
    lines = err.strip().splitlines()
    assert code == 4 and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(f"controlcheck: error: cannot reach the broker {url}")
    assert not (tmp_path / "out").exists()
    # the same from the inventory's settings
    data = yaml.safe_load(inv.read_text())
    data["settings"] = {"engine": "celery", "broker": url}
    inv.write_text(yaml.safe_dump(data))
    code, _, err = run_cli("audit", "-i", str(inv), "--out", str(tmp_path / "out"))
    assert code == 4 and "cannot reach the broker" in err


def test_an_interrupted_coordinator_marks_the_run_incomplete_and_revokes_its_tasks(tmp_path, broker):
    sites = {"rtr-int-a": "Nowhere", "rtr-int-b": "Nowhere"}
    with SshSimulator(_slow_sim(tmp_path, sites, delay=0)) as sim:
        inv = _sim_inventory(tmp_path, sim, sites)
        audit = _audit_process(inv, tmp_path / "out", broker.url, "--site-timeout", "600")
        client = redis.Redis.from_url(broker.url)
        # both tasks are on the broker
        wait_until(lambda: client.llen(queue_for("Nowhere")) >= 2 or audit.poll() is not None,
                   "two tasks queued", TIMEOUT)
        assert audit.poll() is None, audit.stderr.read()
        audit.send_signal(signal.SIGTERM)
        out, err = audit.communicate(timeout=TIMEOUT)
    assert audit.returncode == 130 and "Traceback" not in err, err
    assert client.llen(queue_for("Nowhere")) == 0
    with RunStore(tmp_path / "out" / "controlcheck.db", create=False) as store:
        run = store.runs()[-1]
        assert run["status"] == "incomplete" and run["reason"].startswith("interrupted")


def test_a_broker_lost_during_the_run_stops_it_with_one_line(tmp_path):
    own = RedisServer()            # this test stops its broker
    sites = {"rtr-lost-a": "Nowhere"}
    try:
        with SshSimulator(_slow_sim(tmp_path, sites, delay=0)) as sim:
            inv = _sim_inventory(tmp_path, sim, sites)
            audit = _audit_process(inv, tmp_path / "out", own.url, "--site-timeout", "600")
            client = redis.Redis.from_url(own.url)
            wait_until(lambda: client.llen(queue_for("Nowhere")) >= 1 or audit.poll() is not None,
                       "a task queued", TIMEOUT)
            assert audit.poll() is None, audit.stderr.read()
            own.stop()
            out, err = audit.communicate(timeout=TIMEOUT)
    finally:
        own.stop()
    lines = err.strip().splitlines()
    assert audit.returncode == 4 and len(lines) == 1 and "Traceback" not in err, err
    assert f"lost the broker {own.url}" in lines[0]
    with RunStore(tmp_path / "out" / "controlcheck.db", create=False) as store:
        run = store.runs()[-1]
        assert run["status"] == "failed" and "lost the broker" in run["reason"]


def test_an_unreachable_database_stops_the_audit_before_any_task_is_sent(tmp_path, broker):
    sites = {"rtr-nodb-a": "Nowhere-DB"}
    with SshSimulator(_slow_sim(tmp_path, sites, delay=0)) as sim:
        inv = _sim_inventory(tmp_path, sim, sites)
        url = f"postgresql://controlcheck@127.0.0.1:{free_port()}/controlcheck"
        code, _, err = run_cli("audit", "-i", str(inv), "--out", str(tmp_path / "out"), "--engine", "celery",
                               "--broker", broker.url, "--db", url)
    lines = err.strip().splitlines()
    assert code == 4 and len(lines) == 1 and "cannot reach the run history database" in lines[0], err
    assert not (tmp_path / "out").exists()
    assert redis.Redis.from_url(broker.url).llen(queue_for("Nowhere-DB")) == 0


def test_a_pickled_message_on_the_broker_is_refused_by_the_worker(tmp_path, broker, workers):
    """JSON only: a message another client pickles (which could run code when loaded) is not
    deserialised, let alone run."""
    from celery import Celery

    worker = Worker(broker.url, ["Pickle-Site"])
    workers.append(worker)
    marker = tmp_path / "ran"
    sender = Celery("attacker", broker=broker.url, set_as_current=False)
    sender.conf.update(task_serializer="pickle", accept_content=["pickle", "json"])
    sender.send_task("controlcheck.collect_asset", args=[{"asset": {"id": str(marker)}}],
                     queue=queue_for("Pickle-Site"), serializer="pickle")
    worker.wait_for(r"(?i)refus\w* .*content of type pickle|untrusted content of type pickle")
    assert worker.collected() == [] and not marker.exists()


@pytest.fixture(scope="module")
def rabbitmq():
    if not RABBITMQ_SERVER.exists():
        pytest.skip("rabbitmq-server is not installed (.ci/run installs it)")
    server = RabbitMQServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def results_in_redis(broker, monkeypatch):
    """RabbitMQ carries the tasks; results go to Redis (docs/scaling.md). Set for the coordinator
    (inherited by its process) and passed to each worker."""
    url = broker.url.rsplit("/", 1)[0] + "/1"
    monkeypatch.setenv("CONTROLCHECK_RESULT_BACKEND", url)
    return {"CONTROLCHECK_RESULT_BACKEND": url}


def test_rabbitmq_as_the_broker_gives_every_facts_document(tmp_path, rabbitmq, results_in_redis, workers):
    import kombu

    sites = {"rtr-mq-a": "HQ", "rtr-mq-b": "HQ", "rtr-mq-c": "Branch-07", "rtr-mq-x": "Branch-99"}
    with SshSimulator(_slow_sim(tmp_path, sites, delay=0)) as sim:
        inv = _sim_inventory(tmp_path, sim, sites)
        workers.append(Worker(rabbitmq.url, ["HQ"], env=results_in_redis))
        workers.append(Worker(rabbitmq.url, ["Branch-07"], env=results_in_redis))
        policy = tmp_path / "policy.yaml"
        policy.write_text(POLICY)                 # nothing fails: exit 3 says what was not collected
        audit = _audit_process(inv, tmp_path / "out", rabbitmq.url, "--site-timeout", "3",   # none for Branch-99
                               "--policies", str(policy))
        out, err = audit.communicate(timeout=TIMEOUT)
    assert audit.returncode == 3, err
    assert "rtr-mq-x: not collected: no worker for site Branch-99" in err
    assert sorted(workers[0].collected()) == ["rtr-mq-a", "rtr-mq-b"]
    assert workers[1].collected() == ["rtr-mq-c"]
    facts = tmp_path / "out" / "runs" / "1" / "facts"
    for name in ("rtr-mq-a", "rtr-mq-b", "rtr-mq-c"):
        doc = json.loads((facts / f"{name}.json").read_text())
        assert doc["errors"] == [] and doc["facts"]["system"]["vendor"] == "Cisco"
    with RunStore(tmp_path / "out" / "controlcheck.db", create=False) as store:
        run = store.get_run("latest")
        assert run["status"] == "complete" and run["engine"] == "celery"
    # the abandoned task was purged from its RabbitMQ queue: no later worker collects for nobody
    with kombu.Connection(rabbitmq.url) as conn:
        _, messages, _ = conn.default_channel.queue_declare(queue_for("Branch-99"), passive=True)
    assert messages == 0


def test_rabbitmq_redelivers_the_asset_of_a_killed_worker(tmp_path, rabbitmq, results_in_redis, workers):
    """On RabbitMQ an unacknowledged message comes back when the worker's connection drops
    (no visibility timeout to wait for)."""
    _a_worker_killed_mid_collection_loses_nothing(tmp_path, rabbitmq.url, workers, env=results_in_redis)
