"""The run's known_hosts: read once, looked up per host, still strict. Offline (no server):
paramiko clients get exactly the keys paramiko's own loader would give them."""

from __future__ import annotations

import threading

import paramiko
import pytest

from controlcheck.collectors.base import CollectionContext
from controlcheck.collectors.hostkeys import KnownHosts, known_hosts_for
from controlcheck.errors import CollectionError
from controlcheck.inventory import Inventory


@pytest.fixture(scope="module")
def keys():
    return [paramiko.ECDSAKey.generate() for _ in range(3)]


def _line(name, key):
    return f"{name} {key.get_name()} {key.get_base64()}"


def _client_keys(store: KnownHosts, name: str) -> dict:
    client = paramiko.SSHClient()
    store.install(client, name)
    found = client.get_host_keys().lookup(name)
    return {t: found[t].get_base64() for t in found.keys()} if found else {}


def test_same_keys_as_paramikos_loader_for_plain_hashed_and_ported_names(tmp_path, keys):
    hashed = paramiko.HostKeys.hash_host("10.0.0.9")
    path = tmp_path / "known_hosts"
    path.write_text("\n".join([
        "# comment", "",
        _line("router1,10.0.0.1", keys[0]),
        _line("[10.0.0.2]:2222", keys[1]),
        _line(hashed, keys[2]),
        "10.0.0.3 ssh-unknown-type AAAA",
    ]) + "\n")
    store = KnownHosts(path)
    reference = paramiko.HostKeys(str(path))
    for name in ("router1", "10.0.0.1", "[10.0.0.2]:2222", "10.0.0.2", "10.0.0.9", "10.0.0.3", "elsewhere"):
        expected = reference.lookup(name)
        expected = {t: expected[t].get_base64() for t in expected.keys()} if expected else {}
        assert _client_keys(store, name) == expected, name
    assert _client_keys(store, "10.0.0.9") == {keys[2].get_name(): keys[2].get_base64()}


def test_first_key_of_a_type_counts_as_with_paramiko(tmp_path, keys):
    path = tmp_path / "known_hosts"
    path.write_text(_line("h", keys[0]) + "\n" + _line("h", keys[1]) + "\n")
    assert _client_keys(KnownHosts(path), "h") == {keys[0].get_name(): keys[0].get_base64()}


def test_a_key_that_is_not_base64_is_refused_with_file_and_line(tmp_path, keys):
    path = tmp_path / "known_hosts"
    path.write_text(_line("good", keys[0]) + "\nbad ecdsa-sha2-nistp256 not*base64!\n")
    store = KnownHosts(path)
    assert _client_keys(store, "good")
    with pytest.raises(CollectionError, match=r"known_hosts .* line 2: the key is not valid base64"):
        _client_keys(store, "bad")


def test_read_once_per_run_and_shared(tmp_path, keys):
    path = tmp_path / "known_hosts"
    path.write_text(_line("h", keys[0]) + "\n")
    ctx = CollectionContext(inventory=Inventory.__new__(Inventory))
    first = known_hosts_for(ctx, path)
    path.write_text(_line("h", keys[1]) + "\n")          # a later change is not re-read mid-run
    assert known_hosts_for(ctx, path) is first
    assert _client_keys(first, "h") == {keys[0].get_name(): keys[0].get_base64()}
    other_run = CollectionContext(inventory=Inventory.__new__(Inventory))
    assert _client_keys(known_hosts_for(other_run, path), "h") == {keys[1].get_name(): keys[1].get_base64()}


def test_trust_on_first_use_records_once_under_concurrency_and_refuses_a_different_key(tmp_path, keys):
    path = tmp_path / "known_hosts"
    store = KnownHosts(path)
    results, barrier = [], threading.Barrier(8)

    def record():
        barrier.wait()
        results.append(store.record("[127.0.0.1]:2201", keys[0]))

    threads = [threading.Thread(target=record) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert path.read_text() == _line("[127.0.0.1]:2201", keys[0]) + "\n"
    assert _client_keys(store, "[127.0.0.1]:2201") == {keys[0].get_name(): keys[0].get_base64()}
    with pytest.raises(paramiko.BadHostKeyException):
        store.record("[127.0.0.1]:2201", keys[1])
    assert KnownHosts(path)._entries("[127.0.0.1]:2201") == [(keys[0].get_name(), keys[0].get_base64(), 1)]


def test_revoked_keys_are_refused_and_ca_lines_give_no_trust(tmp_path, keys):
    path = tmp_path / "known_hosts"
    path.write_text("\n".join([
        f"@revoked * {keys[1].get_name()} {keys[1].get_base64()}",
        f"@cert-authority *.example.com {keys[0].get_name()} {keys[0].get_base64()}",
        _line("h", keys[1]),
    ]) + "\n")
    store = KnownHosts(path)
    assert _client_keys(store, "rtr.example.com") == {}       # unknown: refused by the missing-key policy
    store.refuse_revoked("other", keys[0])
    with pytest.raises(CollectionError, match="@revoked"):
        store.refuse_revoked("h", keys[1])
