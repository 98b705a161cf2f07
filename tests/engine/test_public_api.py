"""The engine's public API (issue #16): every exported name resolves and is documented, and
importing the engine loads no media library, Qt or Ray until a file needs them."""

from __future__ import annotations

import subprocess
import sys

import pytest

import aigclabel_gui.engine as engine

HEAVY = ("av", "cv2", "PySide6", "pikepdf", "lxml", "numpy", "PIL", "ray")


def _loaded_after(stmt: str) -> set[str]:
    probe = f"{stmt}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_the_engine_loads_no_heavy_library():
    assert _loaded_after("import aigclabel_gui.engine") == set()


def test_the_public_names_load_no_media_codec_qt_or_ray():
    loaded = _loaded_after(
        "from aigclabel_gui.engine import label_file, inspect_file, LabelSettings, run_batch, "
        "RayExecutor, AigcError"
    )
    # lxml parses XMP in the record scanner; the decoders come only with a file of their kind.
    assert loaded <= {"lxml"}, loaded


def test_every_public_name_resolves_and_is_documented():
    assert engine.__all__ == sorted(engine._EXPORTS)  # one list, kept in sync
    for name in engine.__all__:
        obj = getattr(engine, name)
        if callable(obj) and not name.isupper() and name != "ProgressCallback":
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    with pytest.raises(AttributeError):
        engine.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        ("CorruptFile", "corrupt-file"),
        ("UnsupportedFormat", "unsupported-format"),
        ("NoCarrier", "no-carrier"),
        ("OutputError", "output-error"),
        ("Cancelled", "cancelled"),
    ],
)
def test_errors_carry_a_stable_code(cls, code):
    exc = getattr(engine, cls)("message")
    assert isinstance(exc, engine.AigcError)
    assert exc.code == code and exc.exit_code in set(engine.ExitCode)


def test_label_and_inspect_through_the_public_api(tmp_path, producer):
    from PIL import Image

    Image.new("RGB", (80, 60), (20, 90, 160)).save(tmp_path / "a.png")
    settings = engine.LabelSettings(implicit=engine.ImplicitSettings(producer=producer))
    res = engine.label_file(tmp_path / "a.png", tmp_path / "b.png", settings)
    assert isinstance(res, engine.LabelResult) and res.record.ContentProducer == producer
    rep = engine.inspect_file(tmp_path / "b.png")
    assert isinstance(rep, engine.InspectReport) and rep.verdict == "compliant"
    with pytest.raises(engine.AigcError) as err:
        engine.label_file(tmp_path / "missing.png", tmp_path / "c.png", settings)
    assert err.value.code == "corrupt-file" and not (tmp_path / "c.png").exists()
