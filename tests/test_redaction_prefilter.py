"""The redaction tables' literal prefilter (parsers/redaction.py ``_needles``) only skips a
regex that cannot match: on every fixture and corpus configuration, for every platform's
table, the secrets found with it are exactly those a full scan finds."""

from __future__ import annotations

from helpers import CORPUS, FIXTURES

from controlcheck.parsers import redaction


def _full_scan(platform: str, text: str) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(span for form in redaction.TABLES[platform] for span in form.spans(text)):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def test_prefilter_finds_exactly_what_a_full_scan_finds():
    files = [p for p in (FIXTURES / "devices").rglob("*") if p.is_file() and p.suffix in (".txt", ".xml", ".set")]
    files += [p for p in (CORPUS / "network" / "configs").rglob("*") if p.is_file()]
    assert len(files) > 40
    for path in files:
        text = path.read_text(errors="replace")
        for platform in ("cisco_ios", "cisco_asa", "arista_eos", "juniper_junos", "fortios", "paloalto_panos"):
            assert redaction.secret_spans(platform, text) == _full_scan(platform, text), (path, platform)


def test_needles_are_literal_words_every_match_needs():
    form = next(f for f in redaction.TABLES["juniper_junos"] if "simple-password" in f.example)
    assert "simple-password" in " ".join(redaction._needles(form.pattern))
    # a Unicode text is scanned in full (case-insensitive pairs lower() does not know)
    text = "set protocols ospf area 0 interface ge-0/0/0 authentication simple-password \"ſecret\"\n"
    assert redaction.secret_spans("juniper_junos", text) == _full_scan("juniper_junos", text)
