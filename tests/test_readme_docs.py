"""What a new user follows in README: every docs/ page is in its index and exists, and every
command and option its shell examples name is one the CLI offers."""

from __future__ import annotations

import re

import click
from helpers import REPO

from controlcheck.cli.main import cli

README = (REPO / "README.md").read_text()


def test_readme_indexes_every_docs_page_and_names_none_that_is_missing():
    named = set(re.findall(r"`docs/([a-z0-9-]+\.md)`", README))
    pages = {p.name for p in (REPO / "docs").glob("*.md")}
    assert pages - named == set(), "docs pages missing from README's Documentation list"
    assert named - pages == set(), "README names docs pages that do not exist"


def _command(words: list[str]) -> click.Command | None:
    cmd: click.Command = cli
    for word in words:
        if not isinstance(cmd, click.Group) or word not in cmd.commands:
            break
        cmd = cmd.commands[word]
    return None if cmd is cli else cmd


def test_every_command_and_option_in_readmes_shell_examples_exists():
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    checked = 0
    for line in (ln for block in blocks for ln in block.replace("\\\n", " ").splitlines()):
        group = ""
        for part in re.split(r"\||&&", line.split("#")[0]):
            words = part.split()
            if words[:1] == ["controlcheck"]:
                words = words[1:]
                group = words[0] if words else ""
            elif words[:1] != [group] and _command([group, *words[:1]]):   # 'lab start | status | stop'
                words = [group, *words]
            if not _command([w for w in words if not w.startswith("-")][:2]):
                continue            # not a controlcheck command line ('pip install ...')
            cmd = _command([w for w in words if not w.startswith("-")][:2])
            options = {o for p in cmd.params for o in [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])]}
            for option in re.findall(r"(?<![\w/.-])(--?[a-zA-Z][\w-]*)", " ".join(words)):
                assert option in options, f"{part.strip()}: {cmd.name} has no {option}"
            checked += 1
    assert checked >= 15
