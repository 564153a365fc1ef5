"""The Kazakh and Russian catalogues are complete: no English left on kk and ru pages."""

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "tereze" / "locale"


def entries(po: Path) -> list[dict[str, str]]:
    """(msgid, msgstr...) of every entry, with multi-line strings joined; flags kept."""
    found, current, key = [], {}, None
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current:
                found.append(current)
            current, key = {}, None
        elif line.startswith("#,"):
            current["flags"] = line
        elif line.startswith("#"):
            continue
        elif match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line):
            key = match.group(1)
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
    return [e for e in found if e.get("msgid")]  # the header has an empty msgid


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_string_is_translated(language: str) -> None:
    catalogue = entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(catalogue) > 500
    missing = [e["msgid"] for e in catalogue
               if any(v == "" for k, v in e.items() if k.startswith("msgstr")) or "fuzzy" in e.get("flags", "")]
    assert missing == [], f"{len(missing)} untranslated in {language}: {missing[:10]}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_placeholders_survive_translation(language: str) -> None:
    for entry in entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
        wanted = sorted(set(re.findall(r"%\(\w+\)", entry["msgid"])))
        for key, value in entry.items():
            if key.startswith("msgstr") and value:
                got = sorted(set(re.findall(r"%\(\w+\)", value)))
                assert got == wanted or not wanted, (entry["msgid"], value)
