"""Seeds and structure-aware mutators for the readers and writers added in wave 3 (issue 14):
the PDF text prompt, audio-only Matroska, Opus/FLAC in MP4, Dolby Vision records, unci and
motion-photo HEIF, PNG chunks over bytes, animated WebP, EXIF thumbnails (IFD1), ISO BMFF sniffing.

Every seed is generated (pikepdf, Pillow, pillow-heif, the ffmpeg CLI, bytes by hand); every
mutant comes from a seeded random.Random, so a run is the same each time."""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
from pathlib import Path

from PIL import Image


def _box(typ: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), typ) + body


def _full(typ: bytes, version: int, body: bytes) -> bytes:
    return _box(typ, struct.pack(">I", version << 24) + body)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True,
                   timeout=120)  # fmt: skip


# --- PDF ------------------------------------------------------------------------------------------


def pdf_seeds(folder: Path, only: tuple[str, ...] = ()) -> dict[str, Path]:
    """Word-processor-like PDFs: plain, tagged, rotated and cropped, PDF/A-1, inherited
    resources, encrypted, and one with many pages."""
    import pikepdf

    N, A, D = pikepdf.Name, pikepdf.Array, pikepdf.Dictionary
    out: dict[str, Path] = {}

    def text_pdf(pages=((300, 400), (400, 300)), *, inherit=False) -> pikepdf.Pdf:
        pdf = pikepdf.new()
        helv = pdf.make_indirect(D(Type=N.Font, Subtype=N.Type1, BaseFont=N.Helvetica))
        for i, (w, h) in enumerate(pages):
            page = pdf.add_blank_page(page_size=(w, h))
            if not inherit:
                page.obj.Resources = D(Font=D(F1=helv))
            body = f"BT /F1 12 Tf 20 {h / 2:.0f} Td (Report page {i + 1}) Tj ET\n"
            page.obj.Contents = pdf.make_stream(body.encode())
        if inherit:  # resources inherited from the page tree node (ISO 32000-1 §7.7.3.4)
            pdf.Root.Pages.Resources = D(Font=D(F1=helv))
            for page in pdf.pages:
                if "/Resources" in page.obj:
                    del page.obj["/Resources"]
        return pdf

    def save(name: str, pdf, **kw) -> None:
        if only and name[:-4] not in only:
            return
        path = folder / name
        pdf.save(path, **kw)
        out[name[:-4]] = path

    save("plain.pdf", text_pdf())
    pdf = text_pdf()
    root = pdf.make_indirect(D(Type=N.StructTreeRoot))
    doc = pdf.make_indirect(D(Type=N.StructElem, S=N.Document, P=root, K=A()))
    nums = A()
    for i, page in enumerate(pdf.pages):
        body = page.obj.Contents.read_bytes()
        page.obj.Contents = pdf.make_stream(b"/P <</MCID 0>> BDC\n" + body + b"EMC\n")
        para = pdf.make_indirect(D(Type=N.StructElem, S=N.P, P=doc, Pg=page.obj, K=0))
        doc.K.append(para)
        page.obj.StructParents = i
        nums.extend([i, pdf.make_indirect(A([para]))])
    root.K = doc
    root.ParentTree = pdf.make_indirect(D(Nums=nums))
    root.ParentTreeNextKey = len(pdf.pages)
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = D(Marked=True)
    save("tagged.pdf", pdf)
    pdf = text_pdf()
    pdf.pages[0].obj.Rotate = 90
    pdf.pages[0].obj.CropBox = A([20, 30, 250, 380])
    pdf.pages[1].obj.Rotate = -270
    save("rotated.pdf", pdf)
    pdf = text_pdf()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "1"
        meta["pdfaid:conformance"] = "B"
    save("pdfa1.pdf", pdf)
    save("inherited.pdf", text_pdf(inherit=True))
    save("encrypted.pdf", text_pdf(), encryption=pikepdf.Encryption(owner="o", user=""))
    if not only or "many-pages" in only:
        save("many-pages.pdf", text_pdf(pages=[(200, 200)] * 3000, inherit=True))
    return out


def hostile_pdfs(folder: Path) -> dict[str, Path]:
    """Page and structure-tree values a damaged or odd writer leaves: each must be labelled or
    refused with one line, never crash the PDF prompt."""
    import pikepdf

    N, A, D = pikepdf.Name, pikepdf.Array, pikepdf.Dictionary
    out: dict[str, Path] = {}

    def base(tagged: bool = False) -> pikepdf.Pdf:
        pdf = pikepdf.new()
        helv = pdf.make_indirect(D(Type=N.Font, Subtype=N.Type1, BaseFont=N.Helvetica))
        for w, h in ((300, 400), (300, 400)):
            page = pdf.add_blank_page(page_size=(w, h))
            page.obj.Resources = D(Font=D(F1=helv))
            page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 20 200 Td (x) Tj ET\n")
        if tagged:
            root = pdf.make_indirect(D(Type=N.StructTreeRoot))
            doc = pdf.make_indirect(D(Type=N.StructElem, S=N.Document, P=root, K=A()))
            root.K = doc
            root.ParentTree = pdf.make_indirect(D(Nums=A([0, pdf.make_indirect(A())])))
            pdf.pages[0].obj.StructParents = 0
            root.ParentTreeNextKey = 1
            pdf.Root.StructTreeRoot = root
        return pdf

    def case(name: str, edit) -> None:
        pdf = base(tagged=name.startswith("tag-"))
        edit(pdf)
        path = folder / f"{name}.pdf"
        pdf.save(path, fix_metadata_version=False)
        out[name] = path

    def setp(key, value, page=0):
        def edit(pdf):
            pdf.pages[page].obj[key] = value(pdf) if callable(value) else value

        return edit

    case("rotate-45", setp("/Rotate", 45))
    case("rotate-name", setp("/Rotate", N.Ninety))
    case("rotate-real", setp("/Rotate", pikepdf.Object.parse(b"90.5")))
    case("rotate-huge", setp("/Rotate", 2**62))
    case("cropbox-zero", setp("/CropBox", A([0, 0, 0, 0])))
    case("cropbox-inverted", setp("/CropBox", A([300, 400, 0, 0])))
    case("cropbox-short", setp("/CropBox", A([0, 0, 300])))
    case("cropbox-names", setp("/CropBox", A([N.a, N.b, N.c, N.d])))
    case("mediabox-tiny", setp("/MediaBox", A([0, 0, 1, 1])))
    case("mediabox-huge", setp("/MediaBox", A([0, 0, 1e9, 1e9])))
    case("resources-array", setp("/Resources", A([1, 2])))
    case("resources-missing", lambda pdf: pdf.pages[0].obj.__delitem__("/Resources"))
    case("fonts-array", setp("/Resources", D(Font=A([1]))))
    case("extgstate-array", setp("/Resources", lambda pdf: D(Font=D(), ExtGState=A([1]))))
    case("resources-int-entries", setp("/Resources", D(Font=D(F1=3, F2=pikepdf.Name.x))))
    case("fonts-int", setp("/Resources", D(Font=7)))
    case("contents-int", setp("/Contents", 5))
    case("contents-array-mixed", setp("/Contents", lambda pdf: A([5, pdf.make_stream(b"")])))
    case("last-page-contents-missing", lambda pdf: pdf.pages[1].obj.__delitem__("/Contents"))

    def tree(key, value):
        def edit(pdf):
            st = pdf.Root.StructTreeRoot
            st[key] = value(pdf) if callable(value) else value

        return edit

    case("tag-nums-odd", tree("/ParentTree", lambda pdf: D(Nums=A([0]))))
    case("tag-nums-names", tree("/ParentTree", lambda pdf: D(Nums=A([N.a, A()]))))
    case("tag-nums-not-array", tree("/ParentTree", lambda pdf: D(Nums=5)))
    case("tag-parenttree-array", tree("/ParentTree", lambda pdf: A([0, 1])))
    case("tag-parenttree-int", tree("/ParentTree", 3))
    case("tag-nextkey-name", tree("/ParentTreeNextKey", N.x))
    case("tag-nextkey-huge", tree("/ParentTreeNextKey", 2**63 - 1))
    case("tag-k-string", tree("/K", pikepdf.String("x")))
    case("tag-k-int", tree("/K", 4))
    case("tag-k-array-int", tree("/K", A([1, 2])))
    case("tag-k-dict-k-int", tree("/K", lambda pdf: D(Type=N.StructElem, S=N.Document, K=3)))
    case("tag-k-dict-k-dict", tree("/K", lambda pdf: D(S=N.Document, K=D(S=N.P))))
    case("tag-structparents-name", setp("/StructParents", N.x))
    case("tag-structparents-neg", setp("/StructParents", -5))
    case("tag-structparents-real", setp("/StructParents", pikepdf.Object.parse(b"1.5")))
    case("tag-root-array", lambda pdf: pdf.Root.__setitem__("/StructTreeRoot", A([1])))

    def bad_xmp(pdf):  # /Metadata whose filter cannot decode it
        pdf.Root.Metadata = pdf.make_stream(b"not zlib data", Filter=N.FlateDecode)

    case("metadata-bad-filter", bad_xmp)
    case("metadata-dict", lambda pdf: pdf.Root.__setitem__("/Metadata", D(Type=N.Metadata)))
    case(
        "contents-bad-filter",
        setp("/Contents", lambda pdf: pdf.make_stream(b"x", Filter=N.FlateDecode)),
    )
    # A content stream's /Length that is not a number (qpdf recovers the stream, keeps the key)
    base().save(folder / "plain-streams.pdf", compress_streams=False,
                object_stream_mode=pikepdf.ObjectStreamMode.disable)  # fmt: skip
    data = (folder / "plain-streams.pdf").read_bytes()
    for name, value in (("name", b"/Foo"), ("negative", b"-999"), ("ref", b"99 0 R")):
        path = folder / f"length-{name}.pdf"
        path.write_bytes(re.sub(rb"/Length \d+", b"/Length " + value, data))
        out[f"length-{name}"] = path
    return out


def pdf_byte_mutants(seed: Path, folder: Path, rng: random.Random, n: int) -> list[Path]:
    """Cuts at object and xref boundaries, damaged xref offsets, bit flips."""

    data = seed.read_bytes()
    marks = sorted(
        {m.start() for m in re.finditer(rb"\d+ 0 obj|endobj|xref|trailer|startxref|stream", data)}
    )
    files = []
    for k in range(n):
        buf = bytearray(data)
        how = k % 4
        if how == 0 and marks:  # cut at a structure boundary
            buf = buf[: rng.choice(marks) + rng.choice((0, 3))]
        elif how == 1:  # the xref table's offsets wrong
            at = data.rfind(b"xref")
            for _ in range(4):
                pos = rng.randrange(at, len(data))
                if chr(buf[pos]).isdigit():
                    buf[pos] = ord(str(rng.randrange(10)))
        elif how == 2:  # startxref past the end
            at = data.rfind(b"startxref")
            buf = buf[:at] + b"startxref\n99999999\n%%EOF\n"
        else:
            for _ in range(rng.randint(1, 6)):
                buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        path = folder / f"{seed.stem}-m{k:02d}.pdf"
        path.write_bytes(bytes(buf))
        files.append(path)
    return files


# --- audio-only Matroska, MP4 audio, Dolby Vision ---------------------------------------------------


def av_seeds(folder: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    if not shutil.which("ffmpeg"):
        return out
    tone = ["-f", "lavfi", "-i", "sine=f=440:d=1"]
    _ffmpeg(*tone, "-c:a", "libopus", "-b:a", "24k", str(folder / "opus.webm"))
    out["opus.webm"] = folder / "opus.webm"
    Image.new("RGB", (16, 16), (200, 10, 10)).save(folder / "cover.jpg")
    meta = folder / "chapters.txt"
    meta.write_text(";FFMETADATA1\ntitle=Album\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\n"
                    "title=One\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=Two\n")  # fmt: skip
    _ffmpeg(*tone, "-i", str(meta), "-map", "0", "-map_metadata", "1", "-map_chapters", "1",
            "-c:a", "flac", "-attach", str(folder / "cover.jpg"),
            "-metadata:s:t:0", "mimetype=image/jpeg", str(folder / "flac.mka"))  # fmt: skip
    out["flac.mka"] = folder / "flac.mka"
    _ffmpeg(*tone, "-c:a", "libopus", "-b:a", "24k", "-strict", "-2", str(folder / "opus.mp4"))
    out["opus.mp4"] = folder / "opus.mp4"
    _ffmpeg(*tone, "-c:a", "aac", "-b:a", "32k", str(folder / "aac.m4a"))
    out["aac.m4a"] = folder / "aac.m4a"
    try:
        out.update(dolby_vision_seeds(folder))
    except subprocess.CalledProcessError:
        pass  # no libx265 here
    return out


def _insert_in_sample_entry(data: bytes, entry: bytes, after: bytes, new_box: bytes) -> bytes:
    starts, lo, hi = [], 0, len(data)
    for want in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", entry):
        pos = lo
        while struct.unpack_from(">4s", data, pos + 4)[0] != want:
            pos += struct.unpack_from(">I", data, pos)[0]
        starts.append(pos)
        hi = pos + struct.unpack_from(">I", data, pos)[0]
        lo = pos + 8 + (8 if want == b"stsd" else 78 if want == entry else 0)
    pos = lo
    while pos < hi:
        size, typ = struct.unpack_from(">I4s", data, pos)
        pos += size
        if typ == after:
            break
    out = bytearray(data[:pos] + new_box + data[pos:])
    for s in starts:
        struct.pack_into(">I", out, s, struct.unpack_from(">I", out, s)[0] + len(new_box))
    return bytes(out)


def dolby_vision_seeds(folder: Path) -> dict[str, Path]:
    """HEVC with a dvcC record (profile 8.1) in MP4, and the same remuxed into Matroska."""
    base = folder / "hdr10.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:d=0.5:r=10", "-c:v", "libx265",
            "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le",
            "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
            "-tag:v", "hvc1", str(base))  # fmt: skip
    bits = (8 << 9) | (1 << 3) | 0b101
    box = _box(b"dvcC", bytes([1, 0]) + struct.pack(">H", bits) + bytes([1 << 4]) + bytes(19))
    mp4 = folder / "dv.mp4"
    mp4.write_bytes(_insert_in_sample_entry(base.read_bytes(), b"hvc1", b"hvcC", box))
    mkv = folder / "dv.mkv"
    _ffmpeg("-i", str(mp4), "-c", "copy", str(mkv))
    return {"dv.mp4": mp4, "dv.mkv": mkv}


# --- HEIF: unci, motion photos --------------------------------------------------------------------


def unci_heif(w: int = 8, h: int = 8) -> bytes:
    px = b"".join(bytes((x * 32, y * 32, 128)) for y in range(h) for x in range(w))
    ftyp = _box(b"ftyp", b"mif1" + bytes(4) + b"mif1")
    hdlr = _full(b"hdlr", 0, bytes(4) + b"pict" + bytes(12) + b"\0")
    pitm = _full(b"pitm", 0, struct.pack(">H", 1))
    iinf = _full(b"iinf", 0, struct.pack(">H", 1) + _full(b"infe", 2, b"\0\1\0\0unci\0"))
    ispe = _full(b"ispe", 0, struct.pack(">II", w, h))
    cmpd = _box(b"cmpd", struct.pack(">IHHH", 3, 4, 5, 6))
    comps = b"".join(struct.pack(">HBBB", i, 7, 0, 0) for i in range(3))
    uncc = _full(
        b"uncC", 0, bytes(4) + struct.pack(">I", 3) + comps + bytes([0, 1, 0, 0]) + bytes(20)
    )
    ipco = _box(b"ipco", ispe + cmpd + uncc)
    ipma = _full(b"ipma", 0, struct.pack(">IHB", 1, 1, 3) + bytes([0x01, 0x82, 0x83]))

    def meta(offset: int) -> bytes:
        iloc = _full(b"iloc", 0, b"\x44\x00" + struct.pack(">HHHHII", 1, 1, 0, 1, offset, len(px)))
        return _full(b"meta", 0, hdlr + pitm + iloc + iinf + _box(b"iprp", ipco + ipma))

    head = len(ftyp) + len(meta(0)) + 8
    return ftyp + meta(head) + _box(b"mdat", px)


_MOTION_XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
 xmlns:Container="http://ns.google.com/photos/1.0/container/"
 xmlns:Item="http://ns.google.com/photos/1.0/container/item/"
 GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" GCamera:MotionPhotoPresentationTimestampUs="0">
<Container:Directory><rdf:Seq>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/heic" Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="{length}" Item:Padding="8"/></rdf:li>
</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"""


def heif_seeds(folder: Path) -> dict[str, Path]:
    out = {"unci.heif": folder / "unci.heif"}
    out["unci.heif"].write_bytes(unci_heif())
    try:
        import pillow_heif
    except ImportError:
        return out
    pillow_heif.register_heif_opener()
    if not shutil.which("ffmpeg"):
        return out
    mp4 = folder / "clip.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=s=32x24:d=0.3:r=10", "-c:v", "libx264",
            "-pix_fmt", "yuv420p", str(mp4))  # fmt: skip
    video = mp4.read_bytes()
    for boxed in (True, False):
        src = folder / f"motion-{'boxed' if boxed else 'appended'}.heic"
        packet = _MOTION_XMP.replace("{length}", str(len(video) + 8 * boxed))
        packet = packet.replace('Item:Padding="8"', f'Item:Padding="{8 * boxed}"')
        Image.new("RGB", (64, 48), (40, 120, 200)).save(
            src, "HEIF", quality=30, xmp=packet.encode()
        )
        with open(src, "ab") as f:
            f.write((struct.pack(">I4s", len(video) + 8, b"mpvd") if boxed else b"") + video)
        out[src.name] = src
    return out


def hostile_heifs(folder: Path) -> dict[str, Path]:
    """Item tables that point past the end, into meta, at themselves, or explode."""
    out = {}

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        out[name] = folder / name

    px = bytes(8 * 8 * 3)
    ftyp = _box(b"ftyp", b"mif1" + bytes(4) + b"mif1")
    hdlr = _full(b"hdlr", 0, bytes(4) + b"pict" + bytes(12) + b"\0")
    pitm = _full(b"pitm", 0, struct.pack(">H", 1))
    infe = _full(b"infe", 2, b"\0\1\0\0unci\0")
    xmp_infe = _full(b"infe", 2, b"\0\2\0\0mime\0application/rdf+xml\0")

    # The unci image's properties (libheif opens the file first: it must pass its checks)
    ispe = _full(b"ispe", 0, struct.pack(">II", 8, 8))
    cmpd = _box(b"cmpd", struct.pack(">IHHH", 3, 4, 5, 6))
    comps = b"".join(struct.pack(">HBBB", i, 7, 0, 0) for i in range(3))
    uncc = _full(
        b"uncC", 0, bytes(4) + struct.pack(">I", 3) + comps + bytes([0, 1, 0, 0]) + bytes(20)
    )
    iprp = _box(b"iprp", _box(b"ipco", ispe + cmpd + uncc)
                + _full(b"ipma", 0, struct.pack(">IHB", 1, 1, 3) + bytes([0x01, 0x82, 0x83])))  # fmt: skip

    def heif(iloc_body: bytes, extra_meta: bytes = b"", two=False, iref=b"") -> bytes:
        iinf = _full(
            b"iinf", 0, struct.pack(">H", 2 if two else 1) + infe + (xmp_infe if two else b"")
        )
        meta = _full(
            b"meta", 0, hdlr + pitm + _full(b"iloc", 1, iloc_body) + iinf + iref + iprp + extra_meta
        )
        return ftyp + meta + _box(b"mdat", px)

    def iloc_v1(items: list[tuple[int, int, list[tuple[int, int]]]], sizes=b"\x44\x00") -> bytes:
        body = sizes + struct.pack(">H", len(items))
        for item_id, method, extents in items:
            body += struct.pack(">HHHH", item_id, method, 0, len(extents))
            body += b"".join(struct.pack(">II", o, n) for o, n in extents)
        return body

    cdsc = _full(b"iref", 0, _box(b"cdsc", struct.pack(">HHH", 2, 1, 1)))
    put("iloc-past-eof.heif", heif(iloc_v1([(1, 0, [(10**9, 192)])])))
    put(
        "xmp-past-eof.heif",
        heif(iloc_v1([(1, 0, [(0, 192)]), (2, 0, [(2**31, 100)])]), two=True, iref=cdsc),
    )
    put(
        "xmp-length-huge.heif",
        heif(iloc_v1([(1, 0, [(0, 192)]), (2, 0, [(0, 2**32 - 1)])]), two=True, iref=cdsc),
    )
    put(
        "xmp-in-meta.heif",
        heif(iloc_v1([(1, 0, [(0, 192)]), (2, 0, [(40, 40)])]), two=True, iref=cdsc),
    )
    put(
        "xmp-idat-missing.heif",
        heif(iloc_v1([(1, 0, [(0, 192)]), (2, 1, [(0, 10)])]), two=True, iref=cdsc),
    )
    idat = _box(b"idat", b"<x:xmpmeta/>")
    put(
        "xmp-idat-past.heif",
        heif(iloc_v1([(1, 0, [(0, 192)]), (2, 1, [(100, 0)])]), idat, two=True, iref=cdsc),
    )
    put(
        "xmp-method-2.heif",
        heif(iloc_v1([(1, 0, [(0, 192)]), (2, 2, [(0, 10)])]), two=True, iref=cdsc),
    )
    loop = _full(
        b"iref",
        0,
        _box(b"cdsc", struct.pack(">HHH", 2, 1, 2)) + _box(b"dimg", struct.pack(">HHH", 1, 1, 1)),
    )
    put(
        "iref-loop.heif",
        heif(iloc_v1([(1, 0, [(0, 192)]), (2, 0, [(60, 10)])]), two=True, iref=loop),
    )
    # 900 items (libheif's limit is 1000), each 65535 zero-width extents (all iloc field sizes
    # 0): 59 M extents in 7 kB
    many = (
        b"\x00\x00"
        + struct.pack(">H", 900)
        + b"".join(struct.pack(">HHHH", i + 1, 0, 0, 0xFFFF) for i in range(900))
    )
    put("iloc-extent-bomb.heif", heif(many))
    deep = b""
    for _ in range(2000):
        deep = _box(b"meta", bytes(4) + deep)
    put("meta-deep.heif", heif(iloc_v1([(1, 0, [(0, 192)])]), extra_meta=_box(b"udta", deep)))
    put("iinf-count-wrong.heif", ftyp + _full(b"meta", 0, hdlr + pitm + _full(b"iloc", 1, iloc_v1([(1, 0, [(0, 192)])]))
        + _full(b"iinf", 0, struct.pack(">H", 9) + infe)) + _box(b"mdat", px))  # fmt: skip
    # 120 XMP items, each the same 1 MiB packet: 120 MiB read and parsed from a 1 MiB file
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + b" " * (1 << 20) + b"</x:xmpmeta>"
    n = 120
    infes = infe + b"".join(
        _full(b"infe", 2, struct.pack(">HH", i, 0) + b"mime\0application/rdf+xml\0")
        for i in range(2, n + 2)
    )
    refs = _full(
        b"iref", 0, b"".join(_box(b"cdsc", struct.pack(">HHH", i, 1, 1)) for i in range(2, n + 2))
    )

    def many_xmp(at: int) -> bytes:
        items = [(1, 0, [(0, 192)])] + [(i, 0, [(at, len(xmp))]) for i in range(2, n + 2)]
        iinf = _full(b"iinf", 0, struct.pack(">H", n + 1) + infes)
        meta = _full(
            b"meta", 0, hdlr + pitm + _full(b"iloc", 1, iloc_v1(items)) + iinf + refs + iprp
        )
        return ftyp + meta + _box(b"mdat", xmp)

    put("xmp-items-120.heif", many_xmp(len(many_xmp(0)) - len(xmp)))
    put("mpvd-past-eof.heic", unci_heif() + struct.pack(">I4s", 10**6, b"mpvd") + bytes(64))
    put("mpvd-size-zero.heic", unci_heif() + struct.pack(">I4s", 0, b"mpvd") + bytes(64))
    put("two-ftyp-only.heic", unci_heif() + _box(b"ftyp", b"isom" + bytes(4) + b"isom"))
    return out


# --- still images: PNG chunks, animated WebP, EXIF thumbnails -------------------------------------


def exif_with_thumbnail(ifd1_at_ifd0: bool = False, thumb=(None, None)) -> bytes:
    """A little-endian EXIF block: IFD0 (Orientation), IFD1 with JPEGInterchangeFormat/Length
    and a tiny JPEG thumbnail. `ifd1_at_ifd0`: IFD1's link points back at IFD0 (a loop)."""
    import io

    jpg = io.BytesIO()
    Image.new("RGB", (8, 8), (9, 9, 9)).save(jpg, "JPEG")
    t = jpg.getvalue()
    ifd0 = 8
    ifd1 = ifd0 + 2 + 12 + 4
    thumb_at = ifd1 + 2 + 2 * 12 + 4
    at, n = thumb
    at, n = (thumb_at if at is None else at), (len(t) if n is None else n)
    out = b"II*\x00" + struct.pack("<I", ifd0)
    out += struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, 1)
    out += struct.pack("<I", ifd0 if ifd1_at_ifd0 else ifd1)
    if not ifd1_at_ifd0:
        out += struct.pack("<H", 2) + struct.pack("<HHII", 0x0201, 4, 1, at)
        out += struct.pack("<HHII", 0x0202, 4, 1, n) + struct.pack("<I", 0) + t
    return b"Exif\x00\x00" + out


def image_seeds(folder: Path) -> dict[str, Path]:
    from PIL import PngImagePlugin

    out = {}
    img = Image.new("RGB", (64, 48), (30, 90, 160))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "hello")
    info.add_itxt("Description", "生成", lang="zh")
    img.save(folder / "text.png", pnginfo=info)
    out["text.png"] = folder / "text.png"
    frames = [Image.new("RGBA", (64, 64), (i * 60, 80, 200, 255)) for i in range(3)]
    frames[0].save(folder / "anim.webp", save_all=True, append_images=frames[1:], lossless=True,
                   duration=100)  # fmt: skip
    out["anim.webp"] = folder / "anim.webp"
    frames[0].save(folder / "anim-lossy.webp", save_all=True, append_images=frames[1:], quality=30)
    out["anim-lossy.webp"] = folder / "anim-lossy.webp"
    img.save(folder / "thumb.jpg", exif=exif_with_thumbnail())
    out["thumb.jpg"] = folder / "thumb.jpg"
    return out


def hostile_images(folder: Path) -> dict[str, Path]:
    out = {}
    img = Image.new("RGB", (64, 48), (30, 90, 160))
    for name, exif in (
        ("thumb-ifd1-loop.jpg", exif_with_thumbnail(ifd1_at_ifd0=True)),
        ("thumb-past-end.jpg", exif_with_thumbnail(thumb=(10**6, 500))),
        ("thumb-over-ifd0.jpg", exif_with_thumbnail(thumb=(8, 30))),
        ("thumb-len-huge.jpg", exif_with_thumbnail(thumb=(None, 2**32 - 1))),
    ):
        img.save(folder / name, exif=exif)
        out[name] = folder / name
    return out


# --- generic structure-aware mutation ---------------------------------------------------------------

_BMFF_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"meta", b"iprp",
                    b"ipco", b"dinf", b"edts", b"mvex", b"moof", b"traf", b"mpvd"}  # fmt: skip


def bmff_boxes(data: bytes, start: int = 0, end: int | None = None, depth: int = 0) -> list[int]:
    """Offsets of every box header we can find (containers, stsd entries and their children)."""
    end = len(data) if end is None else end
    found, pos = [], start
    while pos + 8 <= end and depth < 12:
        size, typ = struct.unpack_from(">I4s", data, pos)
        if size == 0:
            size = end - pos
        if size < 8 or pos + size > end:
            break
        found.append(pos)
        if typ in _BMFF_CONTAINERS:
            skip = 4 if typ == b"meta" and data[pos + 12 : pos + 16] != b"hdlr" else 0
            found += bmff_boxes(data, pos + 8 + skip, pos + size, depth + 1)
        elif typ == b"stsd":
            found += bmff_boxes(data, pos + 16, pos + size, depth + 1)
        elif typ in (b"hvc1", b"avc1", b"hev1"):
            found += bmff_boxes(data, pos + 8 + 78, pos + size, depth + 1)
        elif typ in (b"mp4a", b"Opus", b"fLaC"):
            found += bmff_boxes(data, pos + 8 + 28, pos + size, depth + 1)
        pos += size
    return found


def ebml_elements(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, size-field offset, size-field length) of the master elements and their children
    down to the track entries (Segment, Tracks, TrackEntry, Attachments, Chapters, Cluster...)."""
    masters = {0x18538067, 0x1654AE6B, 0xAE, 0x1941A469, 0x1043A770, 0x1F43B675, 0x45B9,
               0x1254C367, 0x61A7, 0x41E4, 0xE1, 0x114D9B74, 0x1549A966, 0x1A45DFA3, 0xA0}  # fmt: skip
    found = []

    def vint(pos: int) -> tuple[int, int]:
        first = data[pos]
        n = 1
        while n <= 8 and not first & (0x80 >> (n - 1)):
            n += 1
        return n, int.from_bytes(data[pos : pos + n], "big") & ((1 << (7 * n)) - 1)

    def walk(pos: int, end: int, depth: int) -> None:
        while pos < end and pos + 2 <= len(data) and depth < 8 and len(found) < 400:
            idlen, _ = vint(pos)
            if idlen > 4:
                return
            eid = int.from_bytes(data[pos : pos + idlen], "big")
            szlen, size = vint(pos + idlen)
            if szlen > 8:
                return
            body = pos + idlen + szlen
            if size == (1 << (7 * szlen)) - 1:
                size = end - body  # unknown size: to the parent's end
            found.append((pos, pos + idlen, szlen))
            if eid in masters:
                walk(body, min(body + size, end), depth + 1)
            pos = body + size

    walk(0, len(data), 0)
    return found


def structural_mutants(seed: Path, folder: Path, rng: random.Random, n: int) -> list[Path]:
    """`n` mutants of `seed`: a box/element size set to 0, 1, 7, past the file, 0xFFFFFFFF or
    unknown; cuts at box/element boundaries; bit flips in the headers."""
    data = seed.read_bytes()
    ebml = data.startswith(b"\x1a\x45\xdf\xa3")
    marks = ebml_elements(data) if ebml else [(p, p, 4) for p in bmff_boxes(data)]
    files = []
    for k in range(n):
        buf = bytearray(data)
        how = k % 3
        at, size_at, size_len = rng.choice(marks) if marks else (0, 0, 4)
        if how == 0:  # a size field
            if ebml:
                choice = rng.choice(("unknown", "zero", "huge", "plus"))
                mask = 0x80 >> (size_len - 1)
                if choice == "unknown":
                    val = (1 << (7 * size_len)) - 1
                elif choice == "zero":
                    val = 0
                elif choice == "huge":
                    val = (1 << (7 * size_len)) - 2
                else:
                    val = (int.from_bytes(buf[size_at : size_at + size_len], "big") & (mask - 1 if size_len == 1 else (1 << (7 * size_len)) - 1)) + rng.randint(1, 64)  # fmt: skip
                    val = min(val, (1 << (7 * size_len)) - 2)
                buf[size_at : size_at + size_len] = ((mask << (8 * (size_len - 1))) | val).to_bytes(
                    size_len, "big"
                )
            else:
                old = struct.unpack_from(">I", buf, at)[0]
                new = rng.choice(
                    (0, 1, 7, 8, 0xFFFFFFFF, old + 1, max(old - 1, 0), len(data) + 100, old * 2)
                )
                struct.pack_into(">I", buf, at, new & 0xFFFFFFFF)
        elif how == 1:  # a cut at or just inside a boundary
            buf = buf[: max(1, at + rng.choice((0, 1, 4, 8, 12)))]
        else:
            for _ in range(rng.randint(1, 4)):
                pos = min(len(buf) - 1, at + rng.randrange(16))
                buf[pos] ^= 1 << rng.randrange(8)
        path = folder / f"{seed.stem}-s{k:02d}{seed.suffix}"
        path.write_bytes(bytes(buf))
        files.append(path)
    return files


def chunk_mutants(seed: Path, folder: Path, rng: random.Random, n: int) -> list[Path]:
    """PNG (big-endian length first) or RIFF/WebP (little-endian size after the id) chunks:
    lengths set to 0 / 0xFFFFFFFF / past the end / odd; cuts at chunk boundaries; ANMF frames."""
    data = seed.read_bytes()
    png = data.startswith(b"\x89PNG")
    marks, pos = [], 8 if png else 12
    while pos + 8 <= len(data):
        marks.append(pos)
        if png:
            pos += 12 + struct.unpack_from(">I", data, pos)[0]
        else:
            size = struct.unpack_from("<I", data, pos + 4)[0]
            if data[pos : pos + 4] == b"ANMF":  # the frame's own chunks too
                inner = pos + 8 + 16
                while inner + 8 <= pos + 8 + size:
                    marks.append(inner)
                    inner += 8 + struct.unpack_from("<I", data, inner + 4)[0]
                    inner += inner & 1
            pos += 8 + size + (size & 1)
    files = []
    for k in range(n):
        buf = bytearray(data)
        at = rng.choice(marks)
        how = k % 3
        if how == 0:
            new = rng.choice((0, 1, 0xFFFFFFFF, len(data), 0x7FFFFFFF, 3))
            struct.pack_into(">I" if png else "<I", buf, at if png else at + 4, new)
        elif how == 1:
            buf = buf[: at + rng.choice((0, 4, 8, 9))]
        else:
            for _ in range(rng.randint(1, 4)):
                buf[min(len(buf) - 1, at + rng.randrange(24))] ^= 1 << rng.randrange(8)
        path = folder / f"{seed.stem}-c{k:02d}{seed.suffix}"
        path.write_bytes(bytes(buf))
        files.append(path)
    return files


def hostile_matroska(folder: Path) -> dict[str, Path]:
    """Audio-only Matroska/WebM a real tool can write but the audible prompt must handle: a
    second (subtitle/audio) track, no audio packets, unknown-size clusters (written to a pipe),
    chapters past the end or reversed, two attachments with one name."""
    out: dict[str, Path] = {}
    if not shutil.which("ffmpeg"):
        return out
    tone = ["-f", "lavfi", "-i", "sine=f=440:d=1"]

    def make(name: str, *args: str) -> None:
        try:
            _ffmpeg(*args, str(folder / name))
            out[name] = folder / name
        except subprocess.CalledProcessError:
            pass

    srt = folder / "s.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,500\nhello\n")
    make("with-subtitle.mka", *tone, "-i", str(srt), "-map", "0", "-map", "1", "-c:a", "flac",
         "-c:s", "srt")  # fmt: skip
    make("no-packets.mka", *tone, "-c:a", "flac", "-frames:a", "0")
    meta = folder / "bad-chapters.txt"
    meta.write_text(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=900\nEND=100\ntitle=Rev\n"
                    "[CHAPTER]\nTIMEBASE=1/1000\nSTART=5000\nEND=9000\ntitle=Past\n")  # fmt: skip
    make("bad-chapters.mka", *tone, "-i", str(meta), "-map", "0", "-map_chapters", "1",
         "-c:a", "flac")  # fmt: skip
    Image.new("RGB", (8, 8)).save(folder / "a.png")
    make("same-name-attachments.mka", *tone, "-c:a", "libopus", "-attach", str(folder / "a.png"),
         "-attach", str(folder / "a.png"), "-metadata:s:t", "mimetype=image/png")  # fmt: skip
    make("pcm-u8.mka", *tone, "-c:a", "pcm_u8", "-ar", "8000")
    make("mono-8k.webm", *tone, "-c:a", "libvorbis", "-ar", "8000", "-ac", "1")
    # Unknown-size segment and clusters: what a live recorder writes to a pipe.
    live = folder / "live.mka"
    with open(live, "wb") as f:
        subprocess.run(["ffmpeg", "-v", "error", *tone, "-c:a", "libopus", "-f", "matroska", "-"],
                       stdout=f, check=True, timeout=120)  # fmt: skip
    out["live.mka"] = live
    return out
