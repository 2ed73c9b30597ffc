"""Inventories: validated, credentials by reference only, errors with file and line."""

from __future__ import annotations

import textwrap

import pytest

from helpers import REPO
from controlcheck.errors import InputError
from controlcheck.inventory import load_inventory, resolve_secret

GOOD = """\
credentials:
  netops:
    username: audit
    password_env: CC_TEST_NETOPS_PASSWORD
  snmp-ro:
    community_file: secrets/community.txt
assets:
  - id: rtr-01
    kind: router
    platform: cisco_ios
    address: 127.0.0.1
    ssh: {port: 2201, credential: netops}
    snmp: {port: 1161, version: "2c", credential: snmp-ro}
    site: HQ
    owner: IT
    tags: [edge]
"""


def write(tmp_path, text):
    p = tmp_path / "inventory.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def test_loads_assets_and_resolves_secrets_by_reference(tmp_path, monkeypatch):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "community.txt").write_text("s3cret-community\n")
    monkeypatch.setenv("CC_TEST_NETOPS_PASSWORD", "pw-from-env")
    inv = load_inventory(write(tmp_path, GOOD))
    asset = inv.assets[0]
    assert (asset.id, asset.kind, asset.platform, asset.site, asset.tags) == ("rtr-01", "router", "cisco_ios", "HQ", ("edge",))
    assert resolve_secret(inv, "netops", "password") == "pw-from-env"
    assert resolve_secret(inv, "snmp-ro", "community") == "s3cret-community"
    assert "credential" not in asset.describe() and "ssh" not in asset.describe()


def test_missing_env_var_names_the_reference_not_a_value(tmp_path, monkeypatch):
    monkeypatch.delenv("CC_TEST_NETOPS_PASSWORD", raising=False)
    inv = load_inventory(write(tmp_path, GOOD))
    with pytest.raises(InputError, match="environment variable CC_TEST_NETOPS_PASSWORD is not set"):
        resolve_secret(inv, "netops", "password")


@pytest.mark.parametrize("change,needle,line", [
    (("password_env: CC_TEST_NETOPS_PASSWORD", "password: hunter2"), "must not contain; use password_env or password_file", 4),
    (("kind: router", "kind: toaster"), "'toaster' is not one of", 9),
    (("credential: netops}", "credential: nobody}"), "'nobody' is not defined", 12),
    (("    tags: [edge]", "    tags: [edge]\n    colour: red"), "unknown key 'colour'", 8),
])
def test_invalid_inventory(tmp_path, change, needle, line):
    p = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(InputError) as exc:
        load_inventory(p)
    assert needle in str(exc.value)
    assert "hunter2" not in str(exc.value)
    assert exc.value.file == str(p)
    assert exc.value.line == line


def test_duplicate_asset_id(tmp_path):
    text = GOOD + textwrap.indent(textwrap.dedent("""\
        - id: rtr-01
          kind: switch
          platform: cisco_ios
          address: 127.0.0.2
        """), "  ")
    with pytest.raises(InputError, match="duplicate asset id 'rtr-01'"):
        load_inventory(write(tmp_path, text))


def test_the_readme_inventory_example_loads(tmp_path):
    """The example a newcomer copies from README.md is a valid inventory."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "inventory.yaml"
    path.write_text(block)
    inventory = load_inventory(path)
    assert [a.platform for a in inventory.assets] == ["cisco_ios", "linux", "ups_rfc1628"]


def test_a_misspelt_platform_is_refused_at_load_with_its_line(tmp_path):
    path = tmp_path / "inventory.yaml"
    path.write_text("assets:\n  - id: rtr-1\n    kind: router\n    platform: cisco_iso\n    address: 10.0.0.1\n")
    with pytest.raises(InputError) as info:
        load_inventory(path)
    assert str(info.value).startswith(f"{path}:4: asset 'rtr-1': unknown platform 'cisco_iso'")
    assert "cisco_ios" in str(info.value)


def test_yaml_python_tags_are_refused_not_run(tmp_path):
    """The shared YAML loader is a SafeLoader: a python tag is an error with its line, never code."""
    marker = tmp_path / "ran"
    path = tmp_path / "inventory.yaml"
    path.write_text(f"assets:\n  - !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(InputError) as info:
        load_inventory(path)
    assert f"{path}:2:" in str(info.value)
    assert not marker.exists()


def test_an_asset_read_from_a_saved_config_needs_no_address(tmp_path):
    """Issue 13: 'file:' without ssh:/snmp: is collected from the file; an address would be made up."""
    path = tmp_path / "inventory.yaml"
    path.write_text("assets:\n  - {id: r1, kind: router, platform: cisco_ios, file: r1.conf}\n")
    (asset,) = load_inventory(path).assets
    assert asset.file == "r1.conf" and asset.address == ""


def test_an_asset_reached_over_the_network_still_needs_an_address(tmp_path):
    path = tmp_path / "inventory.yaml"
    path.write_text("credentials:\n  c: {username: u, password_env: X}\n"
                    "assets:\n  - {id: r1, kind: router, platform: cisco_ios, file: r1.conf, ssh: {credential: c}}\n")
    with pytest.raises(InputError) as info:
        load_inventory(path)
    assert str(info.value).startswith(f"{path}:4: asset 'r1': 'address' is required")


def test_snmp_agents_collected_at_once_follow_the_setting_else_a_bounded_default(tmp_path):
    from controlcheck.collect import snmp_concurrency
    path = tmp_path / "inv.yaml"
    path.write_text("assets: [{id: ups-1, kind: ups, platform: ups_rfc1628, address: 127.0.0.1}]\n")
    inventory = load_inventory(path)
    # 8 agents per unit of concurrency, never more than 64 at once: 48 x 8 = 384 flooded the agents' host
    assert [snmp_concurrency(inventory, c) for c in (1, 4, 16, 48)] == [8, 32, 64, 64]
    path.write_text("settings: {snmp_concurrency: 200}\n" + path.read_text())
    assert snmp_concurrency(load_inventory(path), 48) == 200
    path.write_text(path.read_text().replace("snmp_concurrency: 200", "snmp_concurrency: 0"))
    with pytest.raises(InputError, match="snmp_concurrency"):
        load_inventory(path)
