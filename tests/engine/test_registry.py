"""The container classes are the one source of truth for formats: the folder walk, the
"supported" advice and the README's carrier table are derived from them."""

from __future__ import annotations

import re
from pathlib import Path

from aigclabel_gui.engine import registry
from aigclabel_gui.engine.batch import walk_inputs
from aigclabel_gui.engine.errors import UnsupportedFormat

README = Path(__file__).resolve().parents[2] / "README.md"


def test_each_class_name_matches_its_registry_key():
    for key in registry.CONTAINERS:
        c = registry.container_for(key)
        assert c.name == key
        assert c.kind in ("image", "audio", "video", "text")
        assert c.extensions and all(e == "" or e.startswith(".") for e in c.extensions)


def test_folder_walk_takes_every_extension_a_container_accepts(tmp_path):
    accepted = {e for c in registry.all_containers() for e in c.extensions if e}
    # The classes of the issue: accepted by a container but skipped by the walk in wave 1.
    assert {
        ".jfif",
        ".jpe",
        ".hif",
        ".dib",
        ".mka",
        ".qt",
        ".m4b",
        ".wave",
        ".mdown",
        ".mkd",
        ".text",
        ".3gp",
        ".3g2",
        ".mpo",
        ".avifs",
        ".jps",
        ".avi",
    } <= accepted
    assert ".aac" not in accepted  # raw ADTS has no carrier: walking it only yields failures
    for ext in sorted(accepted):
        (tmp_path / f"f{ext}").write_bytes(b"x")
    (tmp_path / "notes.xyz").write_bytes(b"x")
    walked = {p.suffix for p, _rel in walk_inputs([tmp_path])}
    assert walked == accepted


def test_supported_advice_names_every_format():
    advice = UnsupportedFormat("x").advice
    for c in registry.all_containers():
        assert c.title in advice
    assert "XLSX" in advice and "PPTX" in advice and "AVI" in advice


def test_readme_carrier_table_is_the_registry():
    text = README.read_text(encoding="utf-8")
    m = re.search(r"<!-- registry:carriers -->\n(.*?)\n<!-- /registry:carriers -->", text, re.S)
    assert m, "README lost its generated carrier table markers"
    assert m.group(1) == registry.carrier_table(), (
        "README carrier table differs from the registry: run `python packaging/gen_docs.py`"
    )
