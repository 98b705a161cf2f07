"""Text documents: Markdown front matter, OOXML custom property, PDF Info (implicit), and the explicit
prompt (GB 45438 §5.1) on txt, Markdown, DOCX and PDF. Checked with exiftool, PyYAML, zipfile,
python-docx, pikepdf, poppler (pdftoppm) and our own inspect_file."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import zipfile
from pathlib import Path

import docx
import pikepdf
import pytest
import yaml
from pikepdf.models.metadata import PdfMetadata
from PIL import Image

from aigclabel_gui import cli
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.inspect import (
    CANNOT_TELL,
    COMPLIANT,
    NO_CARRIER,
    NO_LABEL,
    NOT_COMPLIANT,
    inspect_file,
)
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings, TextSettings
from tests.conftest import PRODUCER, exiftool_json

PROMPT = "本内容由人工智能生成"
OTHER = "001191440300708461136T2ABCD"  # a second provider code (propagator)
UPSTREAM = AigcRecord(
    Label="1",
    ContentProducer="001191440300708461136T1XGW3",
    ProduceID="up-stream_id'1",
    ReservedCode1="c2lnbmF0dXJl",
    ContentPropagator="001191440300708461136T1XGW3",
    PropagateID="up-stream_id'1",
    ReservedCode2="",
)


def implicit_only(**imp) -> LabelSettings:
    return LabelSettings(implicit=ImplicitSettings(producer=PRODUCER, **imp), implicit_only=True)


def full(position: str = "start+end", **imp) -> LabelSettings:
    return LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER, **imp),
        text=TextSettings(position=position),
    )


def only_file(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- Markdown -----------------------------------------------------------------------------------


def test_markdown_without_front_matter_gets_one_at_the_top(tmp_path):
    body = "# 标题\n\nSome *text*.\n\n---\n\nMore.\n".encode()
    src = tmp_path / "a.md"
    src.write_bytes(body)
    res = label_file(src, tmp_path / "out.md", implicit_only())
    out = (tmp_path / "out.md").read_bytes()
    assert out.startswith(b"---\nAIGC:\n  Label: '1'\n  ContentProducer: '")
    head, _, rest = out.partition(b"\n---\n")
    assert rest == body  # the body is byte for byte what it was
    fm = yaml.safe_load(head[4:])
    assert fm == {"AIGC": res.record.as_dict()}
    assert list(fm["AIGC"]) == list(AigcRecord().as_dict())  # Annex E order
    rep = inspect_file(tmp_path / "out.md")
    assert rep.verdict == COMPLIANT, rep.problems
    assert rep.records[0].raw == res.record.to_json()


def test_markdown_front_matter_kept_line_for_line_crlf_bom(tmp_path):
    fm_lines = [
        "---",
        'title: "Hello: world"   # a comment',
        "tags: [a, b]",
        "aigc:",  # the producer's record, misspelt key and an unquoted Label
        "  Label: 1",
        f"  ContentProducer: {UPSTREAM.ContentProducer}",
        f'  ProduceID: "{UPSTREAM.ProduceID}"',
        f"  ReservedCode1: {UPSTREAM.ReservedCode1}",
        f"  ContentPropagator: {UPSTREAM.ContentPropagator}",
        f'  PropagateID: "{UPSTREAM.PropagateID}"',
        "  ReservedCode2: ''",
        "",
        "author:",
        "    name:   Someone",
        "---",
        "Body line one",
        "",
        "Body line two",
    ]
    src = tmp_path / "a.md"
    src.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(fm_lines).encode())
    rep = inspect_file(src)
    assert rep.verdict == NOT_COMPLIANT
    assert any("Label must be a string" in p for p in rep.problems), rep.problems

    res = label_file(src, tmp_path / "out.md", implicit_only(propagator=OTHER))
    out = (tmp_path / "out.md").read_bytes()
    assert out.startswith(b"\xef\xbb\xbf---\r\n")
    assert b"\n" not in out.replace(b"\r\n", b"")  # every line ending is still CRLF
    lines = out[3:].decode().split("\r\n")
    kept = [ln for ln in fm_lines if not ln.startswith(("aigc:", "  "))]
    assert [ln for ln in lines if not ln.startswith(("AIGC:", "  "))] == kept
    assert lines[-3:] == ["Body line one", "", "Body line two"]  # no newline added at the end
    fm = yaml.safe_load(out[3:].decode().split("\r\n---\r\n")[0][5:])
    assert set(fm) == {"title", "tags", "author", "AIGC"}
    rec = fm["AIGC"]
    # The producer's values are kept byte for byte (Label read as the string "1").
    assert (rec["ContentProducer"], rec["ProduceID"], rec["ReservedCode1"]) == (
        UPSTREAM.ContentProducer,
        UPSTREAM.ProduceID,
        UPSTREAM.ReservedCode1,
    )
    assert rec["ContentPropagator"] == OTHER and rec["PropagateID"] != UPSTREAM.PropagateID
    assert res.kept_producer_record
    assert inspect_file(tmp_path / "out.md").verdict == COMPLIANT


def test_markdown_json_string_variant_is_recognised_and_normalised(tmp_path):
    raw = UPSTREAM.to_json().replace("'", "''")
    src = tmp_path / "a.md"
    src.write_text(f"---\nAIGC: '{raw}'\nlayout: post\n---\nText\n")
    rep = inspect_file(src)
    assert rep.verdict == NOT_COMPLIANT
    assert rep.records[0].values == UPSTREAM.as_dict()
    assert any("JSON string" in w for w in rep.problems)
    label_file(src, tmp_path / "out.md", implicit_only())
    text = (tmp_path / "out.md").read_text()
    assert text.endswith("layout: post\n---\nText\n") and text.count("AIGC") == 1
    rep = inspect_file(tmp_path / "out.md")
    assert rep.verdict == COMPLIANT
    assert rep.records[0].values["ProduceID"] == UPSTREAM.ProduceID


def test_markdown_prompt_after_front_matter_and_idempotent(tmp_path):
    src = tmp_path / "a.md"
    src.write_text("---\ntitle: x\n---\n# Heading\n\nText without final newline")
    first = label_file(src, tmp_path / "b.md", full())
    out = (tmp_path / "b.md").read_text()
    assert out.startswith("---\ntitle: x\nAIGC:\n")
    body = out.split("\n---\n", 1)[1]
    assert body == f"> {PROMPT}\n\n# Heading\n\nText without final newline\n\n> {PROMPT}\n"
    assert first.explicit.measurements["added"] == "start+end"
    assert inspect_file(tmp_path / "b.md").verdict == COMPLIANT
    assert "人工智能" in inspect_file(tmp_path / "b.md").explicit

    again = label_file(tmp_path / "b.md", tmp_path / "c.md", full())
    assert (tmp_path / "c.md").read_text().count(PROMPT) == 2  # not added a second time
    assert any("already" in w for w in again.warnings)


def test_markdown_broken_front_matter_is_corrupt_and_leaves_nothing(tmp_path):
    src = tmp_path / "a.md"
    src.write_text("---\ntitle: [unclosed\n---\nText\n")
    out = tmp_path / "out"
    out.mkdir()
    assert inspect_file(src).verdict == CANNOT_TELL
    with pytest.raises(CorruptFile, match="a.md: the front matter is not valid YAML"):
        label_file(src, out / "a.md", implicit_only())
    assert only_file(out) == []


def test_markdown_flow_style_front_matter_is_refused_not_broken(tmp_path):
    src = tmp_path / "a.md"
    src.write_text("---\n{title: x,\n tags: [a]}\n---\nText\n")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnsupportedFormat, match="a.md: cannot add an AIGC block"):
        label_file(src, out / "a.md", implicit_only())
    assert only_file(out) == []


# --- plain text ---------------------------------------------------------------------------------


def test_txt_implicit_only_is_skipped_and_writes_nothing(tmp_path, capsys):
    src = tmp_path / "note.txt"
    src.write_text("hello\n")
    out = tmp_path / "out"
    code = cli.main(
        [
            "label", "--implicit-only", "--producer", PRODUCER, "--jobs", "1",
            "--report", str(tmp_path / "report.json"), "-o", str(out), str(src),
        ]
    )  # fmt: skip
    err = capsys.readouterr()
    assert "has no implicit-label carrier" in err.out + err.err
    assert "0 labelled" in err.err
    assert code == 0
    # Only the batch's resume manifest: no labelled copy, no temp file.
    assert [n for n in only_file(out) if n != ".aigclabel-manifest.json"] == []
    assert inspect_file(src).verdict == NO_CARRIER


def test_txt_prompt_keeps_bom_and_crlf_and_is_not_repeated(tmp_path):
    src = tmp_path / "a.txt"
    src.write_bytes(b"\xef\xbb\xbfline 1\r\nline 2\r\n")
    res = label_file(src, tmp_path / "b.txt", full())
    assert res.record is None and any("only the explicit label" in w for w in res.warnings)
    out = (tmp_path / "b.txt").read_bytes()
    want = f"\ufeff{PROMPT}\r\n\r\nline 1\r\nline 2\r\n\r\n{PROMPT}\r\n".encode()
    assert out == want
    rep = inspect_file(tmp_path / "b.txt")
    assert rep.verdict == NO_CARRIER and PROMPT in rep.explicit
    label_file(tmp_path / "b.txt", tmp_path / "c.txt", full())
    assert (tmp_path / "c.txt").read_bytes() == want
    assert "cannot be verified" in inspect_file(src).explicit  # the unlabelled original


# What text editors on Chinese (and Western) desktops save: Notepad "ANSI" = GBK/GB18030,
# Notepad "Unicode" = UTF-16LE with a BOM, Big5, Latin-1. Each keeps its encoding, BOM and endings.
BODY = "第一行：记事本保存的文本。\r\n第二行，宋体 résumé 𠀀\r\n"


@pytest.mark.parametrize(
    "codec, bom, body",
    [
        ("gb18030", b"", BODY),
        ("gbk", b"", BODY.replace(" résumé 𠀀", "")),
        ("utf-16-le", b"\xff\xfe", BODY),
        ("utf-16-be", b"\xfe\xff", BODY.replace("\r\n", "\n")),
    ],
)
def test_txt_in_desktop_encodings_keeps_its_encoding(tmp_path, codec, bom, body):
    src = tmp_path / "a.txt"
    src.write_bytes(bom + body.encode(codec))
    res = label_file(src, tmp_path / "b.txt", full())
    assert res.format == "txt"
    out = (tmp_path / "b.txt").read_bytes()
    assert out.startswith(bom)
    nl = "\r\n" if "\r\n" in body else "\n"
    text = out[len(bom) :].decode(codec.replace("gbk", "gb18030"))  # decodes strictly
    assert text == f"{PROMPT}{nl}{nl}{body}{nl}{PROMPT}{nl}"
    assert res.explicit.measurements.get("encoding", "").startswith(
        codec.replace("gbk", "gb18030").upper()
    )
    assert f"first line: {PROMPT}" in inspect_file(tmp_path / "b.txt").explicit
    label_file(tmp_path / "b.txt", tmp_path / "c.txt", full())
    assert (tmp_path / "c.txt").read_bytes() == out  # not added twice


def test_txt_big5_takes_a_traditional_prompt_and_refuses_simplified(tmp_path):
    src = tmp_path / "a.txt"
    body = "這是一個繁體中文的文字檔案。\r\n第二行。\r\n"
    src.write_bytes(body.encode("big5"))
    with pytest.raises(UnsupportedFormat, match="BIG5 text, which cannot hold .*内"):
        label_file(src, tmp_path / "b.txt", full())
    assert not (tmp_path / "b.txt").exists()
    traditional = LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER),
        text=TextSettings(position="start", text="本內容由AI生成"),
    )
    label_file(src, tmp_path / "c.txt", traditional)
    assert (tmp_path / "c.txt").read_bytes().decode("big5") == f"本內容由AI生成\r\n\r\n{body}"


def test_txt_latin1_takes_an_english_prompt_and_refuses_chinese(tmp_path):
    src = tmp_path / "a.txt"
    body = "Le café est très bon.\nNaïve résumé à la crème.\n"
    src.write_bytes(body.encode("latin-1"))
    with pytest.raises(UnsupportedFormat, match="cannot hold the prompt characters"):
        label_file(src, tmp_path / "b.txt", full())
    assert not (tmp_path / "b.txt").exists()
    en = LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER),
        text=TextSettings(position="end", language="en"),
    )
    res = label_file(src, tmp_path / "c.txt", en)
    out = (tmp_path / "c.txt").read_bytes().decode("cp1252")
    assert out.startswith(body) and "AI" in out.splitlines()[-1]
    assert res.explicit.measurements["encoding"] == "Windows-1252"


# --- OOXML --------------------------------------------------------------------------------------

CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Client">'
    "<vt:lpwstr>ACME 客户</vt:lpwstr></property>"
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="Revision">'
    "<vt:i4>7</vt:i4></property>{extra}</Properties>"
)
CT_OVERRIDE = (
    '<Override PartName="/docProps/custom.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
)
REL = (
    '<Relationship Id="rId99" Target="docProps/custom.xml" Type="http://schemas.openxmlformats.org'
    '/officeDocument/2006/relationships/custom-properties"/>'
)


def make_docx(path: Path, *, custom_extra: str | None = None) -> None:
    """A real Word document (python-docx), optionally with custom properties added by hand."""
    d = docx.Document()
    d.add_heading("Title", 1)
    d.add_paragraph("First paragraph 第一段.")
    d.add_table(rows=1, cols=2).cell(0, 0).text = "cell"
    d.add_paragraph("Last paragraph.", style="Quote")
    if custom_extra is None:
        d.save(str(path))
        return
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", CT_OVERRIDE.encode() + b"</Types>")
            elif info.filename == "_rels/.rels":
                data = data.replace(b"</Relationships>", REL.encode() + b"</Relationships>")
            zout.writestr(info, data)
        zout.writestr("docProps/custom.xml", CUSTOM_XML.replace("{extra}", custom_extra))


def raw_members(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each member's (method, CRC, compressed bytes), read straight from the file."""
    out = {}
    blob = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every member's CRC checks out
        for i in zf.infolist():
            n, m = struct.unpack_from("<HH", blob, i.header_offset + 26)
            start = i.header_offset + 30 + n + m
            out[i.filename] = (i.compress_type, i.CRC, blob[start : start + i.compress_size])
    return out


def test_docx_custom_property_written_others_untouched(tmp_path):
    src = tmp_path / "a.docx"
    make_docx(src)
    res = label_file(src, tmp_path / "b.docx", implicit_only())
    out = tmp_path / "b.docx"
    before, after = raw_members(src), raw_members(out)
    changed = {n for n in after if before.get(n) != after[n]}
    assert changed == {"[Content_Types].xml", "_rels/.rels", "docProps/custom.xml"}
    assert set(after) - set(before) == {"docProps/custom.xml"}
    assert exiftool_json(out)["XML:AIGC"] == res.record.to_json()
    d = docx.Document(str(out))  # python-docx still opens it; content as before
    assert [p.text for p in d.paragraphs] == ["Title", "First paragraph 第一段.", "Last paragraph."]
    assert inspect_file(out).verdict == COMPLIANT
    assert inspect_file(src).verdict == NO_LABEL


def test_docx_existing_custom_properties_and_producer_record_kept(tmp_path):
    upstream = (
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="AIGC">'
        f"<vt:lpwstr>{UPSTREAM.to_json().replace('&', '&amp;')}</vt:lpwstr></property>"
    )
    src = tmp_path / "a.docx"
    make_docx(src, custom_extra=upstream)
    assert inspect_file(src).verdict == COMPLIANT
    res = label_file(src, tmp_path / "b.docx", implicit_only(propagator=OTHER))
    out = tmp_path / "b.docx"
    before, after = raw_members(src), raw_members(out)
    assert {n for n in after if before.get(n) != after[n]} == {"docProps/custom.xml"}
    meta = exiftool_json(out)
    assert meta["XML:Client"] == "ACME 客户" and meta["XML:Revision"] == 7
    rec = json.loads(meta["XML:AIGC"])
    assert rec["ContentProducer"] == UPSTREAM.ContentProducer
    assert (rec["ProduceID"], rec["ReservedCode1"]) == (UPSTREAM.ProduceID, UPSTREAM.ReservedCode1)
    assert rec["ContentPropagator"] == OTHER and res.kept_producer_record
    custom = zipfile.ZipFile(out).read("docProps/custom.xml").decode()
    assert custom.count('name="AIGC"') == 1 and 'pid="3" name="AIGC"' in custom
    # Full mode: python-docx rewrites the document part; the custom properties survive it.
    label_file(src, tmp_path / "c.docx", full(propagator=OTHER))
    meta = exiftool_json(tmp_path / "c.docx")
    assert meta["XML:Client"] == "ACME 客户"
    assert json.loads(meta["XML:AIGC"])["ProduceID"] == UPSTREAM.ProduceID


def test_docx_prompt_paragraphs_keep_styles_and_are_not_repeated(tmp_path):
    src = tmp_path / "a.docx"
    make_docx(src)
    res = label_file(src, tmp_path / "b.docx", full())
    d = docx.Document(str(tmp_path / "b.docx"))
    texts = [p.text for p in d.paragraphs]
    assert texts == [PROMPT, "Title", "First paragraph 第一段.", "Last paragraph.", PROMPT]
    styles = [p.style.name for p in d.paragraphs]
    assert styles[1:4] == ["Heading 1", "Normal", "Quote"]
    assert len(d.tables) == 1 and d.tables[0].cell(0, 0).text == "cell"
    assert exiftool_json(tmp_path / "b.docx")["XML:AIGC"] == res.record.to_json()

    label_file(tmp_path / "b.docx", tmp_path / "c.docx", full())
    again = [p.text for p in docx.Document(str(tmp_path / "c.docx")).paragraphs]
    assert again == texts


def test_truncated_docx_is_corrupt_and_leaves_nothing(tmp_path):
    good = tmp_path / "good.docx"
    make_docx(good)
    src = tmp_path / "a.docx"
    src.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    out = tmp_path / "out"
    out.mkdir()
    for settings in (implicit_only(), full()):
        with pytest.raises(CorruptFile, match="a.docx: the document's zip structure is damaged"):
            label_file(src, out / "a.docx", settings)
    assert only_file(out) == []
    assert inspect_file(src).verdict == CANNOT_TELL


def _minimal_package(path: Path, kind: str) -> None:
    """A small but valid SpreadsheetML workbook, or a PresentationML package (OPC level)."""
    ct = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>{over}</Types>'
    rel = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{main}"/></Relationships>'
    if kind == "xlsx":
        main = "xl/workbook.xml"
        parts = {
            "[Content_Types].xml": ct.format(
                over='<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            ),
            "_rels/.rels": rel.format(main=main),
            main: '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S1" sheetId="1" r:id="rId1"/></sheets></workbook>',
            "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
            "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>42</t></is></c></row></sheetData></worksheet>',
        }
    else:
        main = "ppt/presentation.xml"
        parts = {
            "[Content_Types].xml": ct.format(
                over='<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
            ),
            "_rels/.rels": rel.format(main=main),
            main: '<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
        }
    # The pptx is written as a streaming writer does (data descriptors after each member, flag
    # bit 3), which the raw copy must turn into plain local headers.
    sink = io.BytesIO()
    target = _Unseekable(sink) if kind == "pptx" else sink
    with zipfile.ZipFile(target, "w") as zf:
        for name, text in parts.items():
            # Stored and deflated members both: the raw copy must keep each as it was.
            method = zipfile.ZIP_STORED if name.endswith("rels") else zipfile.ZIP_DEFLATED
            zf.writestr(name, text, compress_type=method)
    path.write_bytes(sink.getvalue())
    with zipfile.ZipFile(path) as zf:
        assert all(bool(i.flag_bits & 0x08) == (kind == "pptx") for i in zf.infolist())


class _Unseekable(io.RawIOBase):
    def __init__(self, sink: io.BytesIO):
        self.sink = sink

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        return self.sink.write(b)


@pytest.mark.parametrize("kind", ["xlsx", "pptx"])
def test_xlsx_pptx_implicit_record_with_minimal_packages(tmp_path, kind):
    src = tmp_path / f"a.{kind}"
    _minimal_package(src, kind)
    out = tmp_path / f"b.{kind}"
    if kind == "pptx":  # no slide at all: nothing can carry the prompt, said in one line
        with pytest.raises(UnsupportedFormat, match="no slide to carry the prompt"):
            label_file(src, out, full())
        assert not out.exists()
        res = label_file(src, out, implicit_only())
    else:
        res = label_file(src, out, full())
    assert res.format == kind
    assert exiftool_json(out)["XML:AIGC"] == res.record.to_json()
    before, after = raw_members(src), raw_members(out)
    untouched = set(before) - {"[Content_Types].xml", "_rels/.rels", "xl/worksheets/sheet1.xml"}
    assert all(after[n] == before[n] for n in untouched)
    assert after["_rels/.rels"][0] == zipfile.ZIP_DEFLATED  # rewritten parts are deflated
    assert inspect_file(out).verdict == COMPLIANT


def test_xlsx_prompt_in_first_sheet_header_and_footer(tmp_path):
    import openpyxl

    src = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["A1"], ws["B1"], ws["A2"] = "名称", 3, "=B1*2"
    ws.oddFooter.right.text = "Page &P"  # an existing footer section is kept
    wb.create_sheet("Other")["A1"] = "x"
    wb.save(src)
    dst = tmp_path / "out.xlsx"
    res = label_file(src, dst, full())
    assert "header of the first worksheet" in res.explicit.measurements["placed"]
    out = openpyxl.load_workbook(dst)
    first = out.worksheets[0]
    assert first.oddHeader.left.text == PROMPT
    assert first.oddFooter.left.text == PROMPT and first.oddFooter.right.text == "Page &P"
    assert (first["A1"].value, first["B1"].value, first["A2"].value) == ("名称", 3, "=B1*2")
    assert out.worksheets[1].oddHeader.left.text is None  # only the first sheet
    before, after = raw_members(src), raw_members(dst)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed <= {"xl/worksheets/sheet1.xml", "[Content_Types].xml", "_rels/.rels"}
    label_file(dst, tmp_path / "again.xlsx", full())
    again = openpyxl.load_workbook(tmp_path / "again.xlsx").worksheets[0]
    assert again.oddHeader.left.text == PROMPT  # not added twice


def test_pptx_prompt_text_box_on_first_and_last_slide(tmp_path):
    import pptx
    from pptx.util import Inches

    src = tmp_path / "deck.pptx"
    deck = pptx.Presentation()
    for title in ("第一页", "Middle", "Last"):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = title
        slide.shapes.add_textbox(Inches(1), Inches(3), Inches(3), Inches(1)).text_frame.text = title
    deck.save(src)
    dst = tmp_path / "out.pptx"
    res = label_file(src, dst, full())
    assert res.explicit.measurements["placed"] == (
        "text box on the first slide and text box on the last slide"
    )
    out = pptx.Presentation(dst)
    texts = [[sh.text_frame.text for sh in s.shapes if sh.has_text_frame] for s in out.slides]
    assert texts[0][-1] == PROMPT and texts[2][-1] == PROMPT and PROMPT not in texts[1]
    assert texts[0][:2] == ["第一页", "第一页"]  # the slide's own shapes are kept
    box = [sh for sh in out.slides[0].shapes if sh.has_text_frame][-1]
    assert box.top < out.slide_height // 4 and box.width > out.slide_width // 2
    ids = [sh.shape_id for sh in out.slides[0].shapes]
    assert len(ids) == len(set(ids))
    label_file(dst, tmp_path / "again.pptx", full())
    again = pptx.Presentation(tmp_path / "again.pptx")
    assert (
        sum(PROMPT in sh.text_frame.text for sh in again.slides[0].shapes if sh.has_text_frame) == 1
    )


# --- PDF ----------------------------------------------------------------------------------------


def make_pdf(path: Path, sizes=((400, 300), (300, 400)), **info) -> None:
    frames = [Image.new("RGB", s, (255, 255, 255)) for s in sizes]
    buf = io.BytesIO()
    frames[0].save(buf, "PDF", save_all=True, append_images=frames[1:])
    # pikepdf (not our XMP code) writes the packet; give the TC260 namespace its usual prefix.
    PdfMetadata.register_xml_namespace("http://www.tc260.org.cn/ns/AIGC/1.0/", "TC260")
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = "Report"
            for k, v in info.pop("xmp", {}).items():
                meta[k] = v
        for k, v in info.items():
            pdf.docinfo[f"/{k}"] = v
        pdf.save(path)


def page_streams(path: Path) -> list[bytes]:
    with pikepdf.open(path) as pdf:
        out = []
        for page in pdf.pages:
            c = page.obj.Contents
            out.append([s.read_raw_bytes() for s in (c if isinstance(c, pikepdf.Array) else [c])])
        return out


def test_pdf_info_record_written_content_unchanged(tmp_path):
    src = tmp_path / "a.pdf"
    make_pdf(src, Author="Someone")
    res = label_file(src, tmp_path / "b.pdf", implicit_only())
    out = tmp_path / "b.pdf"
    meta = exiftool_json(out)
    assert meta["PDF:AIGC"] == res.record.to_json()
    assert meta["PDF:Author"] == "Someone" and meta["PDF:PageCount"] == 2
    assert meta["XMP-dc:Title"] == "Report"
    assert meta["XMP-iptcExt:DigitalSourceType"].endswith("trainedAlgorithmicMedia")
    assert page_streams(out) == page_streams(src)
    rep = inspect_file(out)
    assert rep.verdict == COMPLIANT and rep.records[0].carrier == "PDF Info /AIGC"


def test_pdf_xmp_record_is_recognised_and_moved_to_info(tmp_path):
    src = tmp_path / "a.pdf"
    make_pdf(src, xmp={"{http://www.tc260.org.cn/ns/AIGC/1.0/}AIGC": UPSTREAM.to_json()})
    assert exiftool_json(src)["XMP-TC260:Aigc"] == UPSTREAM.to_json()
    rep = inspect_file(src)
    assert rep.verdict == NOT_COMPLIANT
    assert any("wrong carrier" in p for p in rep.problems)

    label_file(src, tmp_path / "b.pdf", implicit_only(propagator=OTHER))
    meta = exiftool_json(tmp_path / "b.pdf")
    assert "XMP-TC260:Aigc" not in meta  # one record per file (§6.1 c)
    assert meta["XMP-dc:Title"] == "Report"
    rec = json.loads(meta["PDF:AIGC"])
    assert [rec[k] for k in ("Label", "ContentProducer", "ProduceID", "ReservedCode1")] == list(
        UPSTREAM.producer_part()
    )
    assert rec["ContentPropagator"] == OTHER
    assert inspect_file(tmp_path / "b.pdf").verdict == COMPLIANT


def _dark_box(png: Path) -> tuple[int, int, int, int, int, int]:
    im = Image.open(png).convert("L")
    box = im.point(lambda v: 255 if v < 60 else 0).getbbox()
    return (*box, *im.size)


def test_pdf_prompt_stamped_upright_on_rotated_pages_and_once(tmp_path):
    src = tmp_path / "a.pdf"
    make_pdf(src, sizes=((300, 500), (300, 500)))
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        pdf.pages[1].obj.Rotate = 90  # the last page is shown landscape
        pdf.save(src)
    res = label_file(src, tmp_path / "b.pdf", full())
    out = tmp_path / "b.pdf"
    assert res.explicit.measurements["start_ink_pt"] >= 9.0
    # The original content streams are still there, byte for byte, between our q/Q wrappers.
    for before, after in zip(page_streams(src), page_streams(out), strict=True):
        assert after[1:-1] == before and after[0] == b"q\n" and after[-1].startswith(b"Q\n")
    # Render with poppler (an independent reader): the dark pill sits top-left on page 1 and
    # bottom-right of the page as viewed (landscape) on page 2.
    subprocess.run(["pdftoppm", "-r", "36", "-png", str(out), str(tmp_path / "pg")], check=True)
    x0, y0, x1, y1, w, h = _dark_box(tmp_path / "pg-1.png")
    assert (w, h) == (150, 250) and x1 < w / 2 and y1 < h / 4
    x0, y0, x1, y1, w, h = _dark_box(tmp_path / "pg-2.png")
    assert (w, h) == (250, 150) and x0 > w / 2 and y0 > h * 3 / 4
    assert x1 - x0 > 3 * (y1 - y0)  # a horizontal pill: the text reads upright
    assert inspect_file(out).verdict == COMPLIANT

    label_file(out, tmp_path / "c.pdf", full())
    assert page_streams(tmp_path / "c.pdf") == page_streams(out)  # no second stamp


@pytest.mark.ocr
def test_pdf_prompt_is_legible_to_ocr(tmp_path):
    src = tmp_path / "a.pdf"
    make_pdf(src, sizes=((595, 842),))
    label_file(src, tmp_path / "b.pdf", full(position="start"))
    png = tmp_path / "pg"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-x", "0", "-y", "0", "-W", "600", "-H", "120",
         str(tmp_path / "b.pdf"), str(png)],
        check=True,
    )  # fmt: skip
    ocr = subprocess.run(
        ["tesseract", str(tmp_path / "pg-1.png"), "-", "-l", "chi_sim", "--psm", "7"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace(" ", "")
    assert "人工智能" in ocr, ocr


def test_encrypted_pdf_is_refused_with_a_clear_message(tmp_path):
    plain = tmp_path / "plain.pdf"
    make_pdf(plain)
    out = tmp_path / "out"
    out.mkdir()
    with pikepdf.open(plain) as pdf:
        pdf.save(tmp_path / "pw.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
        pdf.save(tmp_path / "owner.pdf", encryption=pikepdf.Encryption(owner="o", user=""))
    with pytest.raises(UnsupportedFormat, match="pw.pdf: the PDF is encrypted with a password"):
        label_file(tmp_path / "pw.pdf", out / "pw.pdf", implicit_only())
    for settings in (implicit_only(), full()):
        with pytest.raises(UnsupportedFormat, match="owner.pdf: the PDF is encrypted"):
            label_file(tmp_path / "owner.pdf", out / "owner.pdf", settings)
    assert only_file(out) == []


def test_truncated_pdf_is_corrupt_and_leaves_nothing(tmp_path):
    good = tmp_path / "good.pdf"
    make_pdf(good)
    src = tmp_path / "a.pdf"
    src.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    out = tmp_path / "out"
    out.mkdir()
    for settings in (implicit_only(), full()):
        with pytest.raises(CorruptFile, match="a.pdf: the PDF has no %%EOF"):
            label_file(src, out / "a.pdf", settings)
    assert only_file(out) == []
    assert inspect_file(src).verdict == CANNOT_TELL


def test_pdf_c2pa_manifest_attachment_is_detected(tmp_path):
    src = tmp_path / "a.pdf"
    make_pdf(src)
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        spec = pikepdf.AttachedFileSpec(pdf, b"not a real manifest", mime_type="application/c2pa")
        pdf.attachments["manifest.c2pa"] = spec
        pdf.save(src)
    rep = inspect_file(src)
    assert rep.c2pa and any("C2PA" in w for w in rep.notes)
    assert not inspect_file(tmp_path / "a.pdf").records


def test_docx_with_xml_comments_gets_its_prompt(tmp_path):
    """Some generators leave XML comments in word/document.xml; they are not paragraphs."""
    plain = tmp_path / "plain.docx"
    make_docx(plain)
    src = tmp_path / "c.docx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body><!-- made by a generator -->", 1)
            zout.writestr(info, data)
    dst = tmp_path / "out.docx"
    label_file(src, dst, full())
    paras = [p.text for p in docx.Document(str(dst)).paragraphs]
    assert paras[0] == PROMPT and paras[-1] == PROMPT and "First paragraph 第一段." in paras
