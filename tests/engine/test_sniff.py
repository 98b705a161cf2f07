"""Sniffing decides by bytes; the extension only separates Markdown from plain text."""

from PIL import Image

from aigclabel_gui.engine.registry import identify
from aigclabel_gui.engine.sniff import sniff_format


def test_bytes_decide_not_the_extension(tmp_path):
    png = tmp_path / "really-a-png.jpg"
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    info = identify(png)
    assert info.name == "png" and not info.extension_matches


def test_text_files(tmp_path):
    (tmp_path / "a.txt").write_text("---\nnot front matter, just a rule\n", "utf-8")
    (tmp_path / "b.md").write_text("# title\n", "utf-8")
    (tmp_path / "c").write_text("---\ntitle: x\n---\nbody\n", "utf-8")
    assert sniff_format(tmp_path / "a.txt") == "txt"
    assert sniff_format(tmp_path / "b.md") == "markdown"
    assert sniff_format(tmp_path / "c") == "markdown"
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    assert sniff_format(tmp_path / "bin.txt") is None


def test_empty_file_is_unsupported_with_a_reason(tmp_path):
    import pytest

    from aigclabel_gui.engine.errors import UnsupportedFormat

    (tmp_path / "e.png").write_bytes(b"")
    with pytest.raises(UnsupportedFormat, match="empty"):
        identify(tmp_path / "e.png")


def test_truncated_id3_header_is_a_clean_error(tmp_path):
    # A file cut inside its 10-byte ID3 header once raised IndexError out of sniffing, which
    # stopped `aigclabel label` while planning the batch.
    import pytest

    from aigclabel_gui.engine.errors import AigcError
    from aigclabel_gui.engine.inspect import CANNOT_TELL, UNSUPPORTED, inspect_file

    bad = tmp_path / "cut.mp3"
    bad.write_bytes(b"ID3\x03\x00")
    assert sniff_format(bad) == "mp3"
    with pytest.raises(AigcError, match="cut.mp3"):
        identify(bad).container.scan(bad)
    assert inspect_file(bad).verdict in (CANNOT_TELL, UNSUPPORTED)


def test_text_inside_a_media_extension_is_not_text(tmp_path):
    (tmp_path / "photo.jpg").write_text("just some words", "utf-8")
    assert sniff_format(tmp_path / "photo.jpg") is None


def test_bmp_has_no_carrier_verdict(tmp_path):
    from aigclabel_gui.engine.inspect import NO_CARRIER, inspect_file

    Image.new("RGB", (8, 8)).save(tmp_path / "a.bmp")
    assert inspect_file(tmp_path / "a.bmp").verdict == NO_CARRIER


def test_preset_name_with_trailing_newline_is_refused(tmp_path, monkeypatch):
    import pytest

    from aigclabel_gui.engine.errors import InvalidSettings
    from aigclabel_gui.engine.presets import save_preset
    from aigclabel_gui.engine.settings import LabelSettings

    monkeypatch.setenv("AIGCLABEL_CONFIG", str(tmp_path))
    with pytest.raises(InvalidSettings):
        save_preset("studio\n", LabelSettings())


def test_iso_bmff_video_or_audio_from_the_track_handlers(tmp_path):
    """An `isom` file is video or audio by its tracks' handlers (read with the MP4 container's
    own box parser); a file cut inside `mdat` after a leading `moov` is still told apart."""
    import subprocess

    def ffmpeg(*args: str) -> None:
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)

    audio, video = tmp_path / "a.mp4", tmp_path / "v.mp4"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", "-movflags", "+faststart", str(audio))
    ffmpeg("-f", "lavfi", "-i", "testsrc=d=1:s=64x48", "-c:v", "libx264", "-movflags",
           "+faststart", str(video))  # fmt: skip
    assert sniff_format(audio) == "m4a" and sniff_format(video) == "mp4"
    for src in (audio, video):
        cut = tmp_path / f"cut-{src.name}"
        cut.write_bytes(src.read_bytes()[: src.stat().st_size - 200])
        assert sniff_format(cut) == sniff_format(src)
    junk = tmp_path / "junk.mp4"  # ftyp, then a box claiming more bytes than the file has
    junk.write_bytes(b"\x00\x00\x00\x14ftypisom\x00\x00\x02\x00isom" + b"\xff\xff\xff\xf0moov")
    assert sniff_format(junk) == "mp4"  # no readable moov: decided by the brands, no error
