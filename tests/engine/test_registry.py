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


def test_static_extension_table_equals_the_classes():
    """registry.EXTENSIONS lets the folder walk run without importing every container module;
    it must say exactly what the classes declare."""
    from_classes = {}
    for key in registry.CONTAINERS:
        c = registry.container_for(key)
        from_classes[key] = (c.kind, tuple(c.extensions))
    lines = "\n".join(f"    {k!r}: {v!r}," for k, v in from_classes.items())
    assert registry.EXTENSIONS == from_classes, f"paste into registry.EXTENSIONS:\n{lines}"
    assert registry.supported_extensions() == {
        e for c in registry.all_containers() for e in c.extensions if e
    }


def test_the_folder_walk_imports_no_container_module():
    import subprocess
    import sys

    code = (
        "import sys, pathlib, tempfile\n"
        "from aigclabel_gui.engine.batch import walk_inputs\n"
        "d = pathlib.Path(tempfile.mkdtemp()); (d / 'a.jpg').write_bytes(b'x')\n"
        "assert [p.name for p, _ in walk_inputs([d])] == ['a.jpg']\n"
        "print(sorted(m for m in sys.modules if m.startswith('aigclabel_gui.engine.containers.')"
        " and not m.endswith('.base')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out
