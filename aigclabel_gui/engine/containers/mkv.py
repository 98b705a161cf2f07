"""MKV / WebM: the AIGC record as a global SimpleTag `AIGC` in the Segment's Tags.

Written in place (ebml.py): only the `Tags` element is rebuilt; it stays where it was (a Void
takes up any slack), or moves into a Void or to the end of the Segment with the SeekHead entry and
the Segment size fixed. Every other element — tracks with their languages, flags and
DefaultDuration, UIDs, clusters, cues, chapters, attachments — stays byte for byte, and no codec
needs to be known (AV1, encrypted tracks).

Layouts the patcher does not edit (elements of unknown size from live recordings, no SeekHead to
find moved Tags) fall back to a stream-copy remux with PyAV, which keeps packets, stream metadata,
dispositions, chapters and attachments but not nested SimpleTags, UIDs or the Cues layout.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import ClassVar

import av

from aigclabel_gui.engine.containers import ebml
from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord, looks_like_record

KEY = "AIGC"
_EBML_ID = 0x1A45DFA3
_SEGMENT_ID = 0x18538067
# Stream tags FFmpeg's demuxer makes up or its muxer writes itself: copying them would duplicate.
_GENERATED_STREAM_TAGS = {"DURATION"}
_DEMUXER = "matroska,webm"  # FFmpeg's log name for the demuxer (the muxers log as matroska/webm)


def _is_aigc_key(key: str) -> bool:
    # FFmpeg names a SimpleTag inside a typed Tag "TARGETTYPE/NAME" (e.g. "MOVIE/AIGC").
    return key.rsplit("/", 1)[-1].upper() == KEY


def _is_record_tag(key: str, value: str) -> bool:
    return _is_aigc_key(key) or looks_like_record(value)


def check_matroska(path: Path) -> None:
    """The EBML header and the Segment's declared size: a Segment longer than the file means a
    truncated download (FFmpeg would read what is there without complaint)."""
    size = path.stat().st_size
    if size == 0:
        raise UnsupportedFormat(f"{path.name} is empty")
    with open(path, "rb") as f:
        head = f.read(4096)
    try:  # the container's one EBML reader (ebml.read_vint: an unknown size comes back as -1)
        eid, pos, _ = ebml.read_vint(head, 0, marker=True)
        if eid != _EBML_ID:
            raise ebml.EbmlError("no EBML header")
        hsize, pos, _ = ebml.read_vint(head, pos, marker=False)
        if hsize < 0:
            raise ebml.EbmlError("EBML header of unknown size")
        pos += hsize
        sid, pos, _ = ebml.read_vint(head, pos, marker=True)
        if sid != _SEGMENT_ID:
            raise ebml.EbmlError("no Segment after the EBML header")
        ssize, pos, _ = ebml.read_vint(head, pos, marker=False)
    except ebml.EbmlError as exc:
        raise CorruptFile(f"{path.name}: not a readable Matroska file ({exc})") from exc
    if ssize >= 0 and pos + ssize > size:
        raise CorruptFile(
            f"{path.name}: the Segment is {pos + ssize - size} bytes longer than the file (truncated)"
        )


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), metadata_errors="replace")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise CorruptFile(f"{path.name}: FFmpeg cannot read it ({exc})") from exc


# Matroska element ids (RFC 9559): Tracks, TrackEntry, TrackType (1 video, 2 audio, 17 subtitle).
_TRACKS, _TRACK_ENTRY, _TRACK_TYPE = 0x1654AE6B, 0xAE, 0x83
VIDEO_TRACK, AUDIO_TRACK = 1, 2


def track_types(path: Path) -> list[int] | None:
    """The TrackType of every track, from the Tracks element (cover art is an attachment, not a
    track); PyAV's view for a live recording whose clusters have no size; None if unreadable."""
    try:
        with open(path, "rb") as f:
            try:
                seg = ebml.read_segment(f, f.seek(0, 2))
            except ebml.NeedsRemux:
                return _track_types_av(path)
            tracks = seg.first(_TRACKS)
            if tracks is None or tracks.size > 16 << 20:
                return None
            f.seek(tracks.data)
            types = []
            for eid, _whole, entry in ebml.children(f.read(tracks.size)):
                if eid == _TRACK_ENTRY:
                    types += [
                        ebml.uint_of(p) for cid, _w, p in ebml.children(entry) if cid == _TRACK_TYPE
                    ]
            return types
    except (OSError, ebml.EbmlError, OverflowError, ValueError):
        return None


def _track_types_av(path: Path) -> list[int] | None:
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            pictures = [
                s for s in c.streams.video if not s.disposition & av.stream.Disposition.attached_pic
            ]
            return [VIDEO_TRACK] * len(pictures) + [AUDIO_TRACK] * len(c.streams.audio)
    except (av.FFmpegError, OSError):
        return None


class _MatroskaContainer(Container):
    kind = "video"

    def kind_for(self, path: Path) -> str:
        """An .mka or a music .webm (audio, no picture track) is audio: it takes the audible
        prompt (GB 45438 §5.3) and the audio guardrails, in the GUI, the plan and the export."""
        types = track_types(path)
        if types and AUDIO_TRACK in types and VIDEO_TRACK not in types:
            return "audio"
        return self.kind

    carrier = "Matroska Tags: global SimpleTag AIGC"
    muxer: ClassVar[str]

    def scan(self, path: Path) -> MetadataScan:
        check_matroska(path)
        scan = MetadataScan()
        with _open(path) as c:
            for key, value in c.metadata.items():
                if not _is_record_tag(key, value):
                    continue
                exact = key.rsplit("/", 1)[-1] == KEY
                note = "" if exact else f"SimpleTag {key!r}: the guide uses the name 'AIGC'"
                scan.records.append(FoundRecord(f"Matroska SimpleTag {key}", value, exact, note))
            for s in c.streams:
                for key, value in s.metadata.items():
                    if _is_record_tag(key, value):
                        scan.records.append(
                            FoundRecord(
                                f"Matroska SimpleTag {key} (track {s.index})",
                                value,
                                False,
                                "the SimpleTag targets one track; the guide uses a global tag",
                            )
                        )
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        # Where the record goes: always the global SimpleTag AIGC. A record found in a track tag,
        # a typed tag or a case variant is moved there (GB 45438 §6.1 c: one record per file).
        check_matroska(src)
        try:
            _check_packets(src)
            _write_in_place(src, dst, record.to_json())
            return
        except ebml.NeedsRemux:
            pass
        except ebml.EbmlError as exc:
            raise CorruptFile(f"{src.name}: the Matroska structure is damaged ({exc})") from exc
        with _demuxer_errors() as logs:
            inp = _open(src)
            try:
                with inp, av.open(str(dst), "w", format=self.muxer) as out:
                    self._remux(inp, out, record.to_json(), src.name)
            except av.error.FFmpegError as exc:
                # Reading errors are caught in _remux: this is the muxer refusing a stream.
                raise UnsupportedFormat(
                    f"{src.name}: FFmpeg cannot stream-copy it into {self.muxer} ({exc})"
                ) from exc
        damage = [m.strip() for lvl, who, m in logs if who == _DEMUXER and lvl <= av.logging.ERROR]
        if damage:
            raise CorruptFile(f"{src.name}: damaged media data ({damage[0]})")

    @staticmethod
    def _remux(inp, out, value: str, name: str) -> None:
        meta = {k: v for k, v in inp.metadata.items() if not _is_record_tag(k, v)}
        meta[KEY] = value
        out.metadata.update(meta)
        streams = {}
        for s in inp.streams:
            if s.type == "attachment":  # fonts, cover art: written with the header
                out.add_attachment(s.name, s.mimetype, bytes(s.data))
                continue
            if s.type not in ("video", "audio", "subtitle"):
                raise UnsupportedFormat(f"{name}: stream {s.index} ({s.type}) cannot be copied")
            try:
                o = out.add_stream_from_template(s)
            except ValueError as exc:  # PyAV: no codec context, e.g. a damaged or unknown CodecID
                raise UnsupportedFormat(
                    f"{name}: stream {s.index} ({s.type}) has no codec FFmpeg knows; it cannot be copied"
                ) from exc
            o.metadata.update(
                {
                    k: v
                    for k, v in s.metadata.items()
                    if not _is_record_tag(k, v) and k.upper() not in _GENERATED_STREAM_TAGS
                }
            )
            o.disposition = s.disposition
            streams[s.index] = o
        chapters = inp.chapters()
        if chapters:
            out.set_chapters(chapters)
        packets = inp.demux(*[inp.streams[i] for i in streams])
        while True:
            try:
                pkt = next(packets)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:
                raise CorruptFile(f"{name}: damaged media data ({exc})") from exc
            if pkt.dts is None and pkt.size == 0:
                continue  # the demuxer's end-of-stream marker, not data
            pkt.stream = streams[pkt.stream.index]
            out.mux(pkt)


# --- in-place edit --------------------------------------------------------------------------


def _check_packets(src: Path) -> None:
    """Demux every packet (no decoding, no codec needed): FFmpeg's Matroska demuxer logs damaged
    clusters that the element walk cannot see inside a block. The bytes are copied as they are,
    but a damaged file is refused rather than labelled as if it were whole."""
    with _demuxer_errors() as logs:
        try:
            with _open(src) as inp:
                for _pkt in inp.demux():
                    pass
        except av.error.FFmpegError as exc:
            raise CorruptFile(f"{src.name}: damaged media data ({exc})") from exc
    damage = [m.strip() for lvl, who, m in logs if who == _DEMUXER and lvl <= av.logging.ERROR]
    if damage:
        raise CorruptFile(f"{src.name}: damaged media data ({damage[0]})")


def _fit(eid: int, payload: bytes, room: int) -> bytes | None:
    """The element padded to exactly `room` bytes (a Void after it, or one more byte in its size
    field when only one byte is left); None if it does not fit."""
    el = ebml.element(eid, payload)
    slack = room - len(el)
    if slack == 0:
        return el
    if slack == 1:
        n = len(ebml.encode_size(len(payload)))
        return ebml.element(eid, payload, n + 1) if n < 8 else None
    if slack >= 2:
        return el + ebml.void(slack)
    return None


def _slot_end(seg: ebml.Segment, el: ebml.Element) -> int:
    """The end of `el` with the Voids right after it (room it may grow into)."""
    i = seg.elements.index(el)
    end = el.end
    while i + 1 < len(seg.elements) and seg.elements[i + 1].id == ebml.VOID:
        i += 1
        end = seg.elements[i].end
    return end


def _runs(seg: ebml.Segment, old: ebml.Element | None) -> list[tuple[int, int, bool]]:
    """Free slots as (start, end, holds the old Tags): the old Tags with the Voids right after it,
    and every run of Voids, except the one right after a SeekHead (the SeekHead may need it)."""
    runs: list[tuple[int, int, bool]] = []
    els = seg.elements
    for i, e in enumerate(els):
        prev = els[i - 1] if i else None
        if e is old:
            runs.append((e.start, _slot_end(seg, e), True))
        elif e.id == ebml.VOID and prev is not old and (prev is None or prev.id != ebml.VOID):
            if prev is None or prev.id != ebml.SEEKHEAD:
                runs.append((e.start, _slot_end(seg, e), False))
    return runs


def _write_in_place(src: Path, dst: Path, value: str) -> None:
    size = src.stat().st_size
    with open(src, "rb") as f:
        seg = ebml.read_segment(f, size)
        all_tags = [e for e in seg.elements if e.id == ebml.TAGS]
        if len(all_tags) > 1:
            raise ebml.NeedsRemux("several Tags elements")
        old = all_tags[0] if all_tags else None
        if old is not None and old.size > ebml.MAX_TAGS_BYTES:
            raise ebml.NeedsRemux("a very large Tags element")
        payload = None
        if old is not None:
            f.seek(old.data)
            payload = f.read(old.size)
        new_payload = ebml.rebuild_tags(payload, value, _is_record_tag)
        patches = _plan(f, seg, old, new_payload)
    _apply_patches(src, dst, patches)


def _plan(f, seg: ebml.Segment, old: ebml.Element | None, payload: bytes) -> list:
    """Byte patches (offset, bytes replaced, new bytes) that store the new Tags.

    1. In the old Tags' place (with the Voids after it): nothing else moves.
    2. Into a Void before the first Cluster (the old Tags become a Void): nothing shifts.
    3. Else the Tags grow where they were, or are inserted before the first Cluster (where
       exiftool and FFmpeg read them without seeking), and every Segment position after that
       point moves: SeekHead entries, CueClusterPosition, Cluster Position, the Segment size.
    """
    runs = _runs(seg, old)
    for start, end, holds_old in runs:
        if holds_old and (fitted := _fit(ebml.TAGS, payload, end - start)) is not None:
            return [(start, end - start, fitted)]
    first_cluster = next((e.start for e in seg.elements if e.id == ebml.CLUSTER), seg.end)
    tags = ebml.element(ebml.TAGS, payload)
    patches: list[tuple[int, int, bytes]] = []
    growth = 0
    at = boundary = -1
    for start, end, holds_old in runs:  # 2. a Void run before the clusters: nothing shifts
        if not holds_old and end <= first_cluster:
            if (fitted := _fit(ebml.TAGS, payload, end - start)) is not None:
                at = start
                patches.append((start, end - start, fitted))
                if old is not None:  # the old Tags become a Void of the same size
                    patches.append((old.start, old.end - old.start, ebml.void(old.end - old.start)))
                break
    if at < 0 and old is not None:  # 3a. the Tags grow where they are
        at, end = next((s, e) for s, e, h in runs if h)
        patches.append((at, end - at, tags))
        growth, boundary = len(tags) - (end - at), end
    elif at < 0:  # 3b. inserted before the first Cluster
        at = boundary = first_cluster
        patches.append((at, 0, tags))
        growth = len(tags)
    rel_boundary = boundary - seg.data

    def shift(v: int) -> int:
        return v + growth if v >= rel_boundary else v

    if growth:
        if seg.size >= 0:
            size_at = seg.start + len(ebml.encode_id(ebml.SEGMENT))
            new_size = ebml.encode_size(seg.size + growth, seg.size_length)
            patches.append((size_at, seg.size_length, new_size))
        for e in seg.elements:
            if e.id == ebml.CUES:
                f.seek(e.data)
                cues = f.read(e.size)
                new = ebml.shift_positions(cues, ebml._CUE_MASTERS, ebml._CUE_POSITIONS, shift)
                if new != cues:
                    patches.append((e.data, e.size, new))
            elif e.id == ebml.CLUSTER and e.start - seg.data >= rel_boundary:
                f.seek(e.start)
                head = f.read(min(64, e.end - e.start))
                new = ebml.cluster_position_patch(head, shift)
                if new is not None:
                    patches.append((e.start, len(head), new))
    heads = [e for e in seg.elements if e.id == ebml.SEEKHEAD]
    if not heads:
        if at >= first_cluster:
            raise ebml.NeedsRemux("no SeekHead to find Tags after the clusters")
        return patches
    bodies = {}
    for h in heads:
        f.seek(h.data)
        bodies[h] = f.read(h.size)
    owner = next(
        (h for h in heads if any(i == ebml.TAGS for i, _ in ebml.seek_entries(bodies[h]))),
        heads[0],
    )
    for h in heads:
        body = bodies[h]
        if growth:
            body = ebml.shift_positions(body, {ebml.SEEK}, {ebml.SEEK_POSITION}, shift)
        if h is owner:
            body = ebml.set_seek(body, ebml.TAGS, at - seg.data)
        if body == bodies[h]:
            continue
        end = _slot_end(seg, h)
        fitted = _fit(ebml.SEEKHEAD, body, end - h.start)
        if fitted is None:
            raise ebml.NeedsRemux("no room for the SeekHead entry")
        patches.append((h.start, end - h.start, fitted))
    return patches


def _apply_patches(src: Path, dst: Path, patches: list) -> None:
    """Copy `src` to `dst` with the patches applied; all other bytes are copied as they are."""
    patches = sorted(patches, key=lambda p: (p[0], p[1]))
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        pos = 0
        for offset, length, data in patches:
            if offset < pos:
                raise ebml.EbmlError("overlapping edits")
            fin.seek(pos)
            _copy(fin, fout, offset - pos)
            fout.write(data)
            pos = offset + length
        fin.seek(pos)
        shutil.copyfileobj(fin, fout, 1 << 20)


def _copy(fin, fout, length: int) -> None:
    while length > 0:
        chunk = fin.read(min(length, 1 << 20))
        if not chunk:
            raise CorruptFile(f"{fin.name}: the file shrank while it was being copied")
        fout.write(chunk)
        length -= len(chunk)


@contextlib.contextmanager
def _demuxer_errors():
    """FFmpeg's Matroska demuxer skips a damaged cluster with only a log line (measured: 300 bad
    bytes mid-file lost 32 of 59 packets silently), so collect its error log for the caller."""
    old_level = av.logging.get_level()
    if old_level is None or old_level < av.logging.ERROR:
        av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture() as logs:  # this thread's messages only
            yield logs
    finally:
        av.logging.set_level(old_level)


class MkvContainer(_MatroskaContainer):
    name = "mkv"
    extensions = (".mkv", ".mka")
    muxer = "matroska"


class WebmContainer(_MatroskaContainer):
    name = "webm"
    extensions = (".webm",)
    title = "WebM"
    muxer = "webm"
