"""`aigclabel` command: label, check (and presets). Thin: parses, calls the engine, prints."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from aigclabel_gui import __version__
from aigclabel_gui.engine.batch import plan_jobs, run_batch
from aigclabel_gui.engine.errors import AigcError, ExitCode
from aigclabel_gui.engine.inspect import VERDICT_WORDS, inspect_file
from aigclabel_gui.engine.settings import (
    ANCHORS,
    AudioSettings,
    ImplicitSettings,
    LabelSettings,
    TextSettings,
    VideoSettings,
    VisibleSettings,
)


def _add_label_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "label", help="write labelled copies of files (originals are never modified)"
    )
    p.add_argument("inputs", nargs="+", type=Path, help="files or folders (walked recursively)")
    p.add_argument("-o", "--output", required=True, type=Path, help="output folder")
    p.add_argument("--implicit-only", action="store_true", help="write the metadata label only")

    m = p.add_argument_group("implicit label (AIGC metadata, GB 45438 §6.1)")
    m.add_argument("--label-value", choices=["1", "2", "3"], default="1")
    m.add_argument(
        "--producer",
        default="",
        help="ContentProducer: the provider code of the generating service",
    )
    m.add_argument(
        "--produce-id", default="", help="ProduceID (default: generated, unique per file)"
    )
    m.add_argument("--reserved1", default="", help="ReservedCode1")
    m.add_argument("--propagator", default="", help="ContentPropagator (default: the producer)")
    m.add_argument("--propagate-id", default="", help="PropagateID (default: the ProduceID)")
    m.add_argument("--reserved2", default="", help="ReservedCode2")
    m.add_argument("--no-iptc", action="store_true", help="do not write IPTC DigitalSourceType")
    m.add_argument(
        "--composite", action="store_true", help="IPTC: edited with AI, not fully generated"
    )

    v = p.add_argument_group("visible label (images and video)")
    v.add_argument("--text", default="", help="label text (default: AI生成)")
    v.add_argument("--language", choices=["zh", "en"], default="zh")
    v.add_argument(
        "--position",
        default="bottom-right",
        help=f"{', '.join(ANCHORS)}, auto, or X,Y as fractions of width,height",
    )
    v.add_argument(
        "--size-pct",
        type=float,
        default=VisibleSettings.size_pct,
        help="text height as %% of the shorter side (minimum 5)",
    )
    v.add_argument("--margin-pct", type=float, default=VisibleSettings.margin_pct)
    v.add_argument("--color", default=VisibleSettings.color)
    v.add_argument("--plate-color", default=VisibleSettings.plate_color)
    v.add_argument("--plate-opacity", type=float, default=VisibleSettings.plate_opacity)
    v.add_argument("--outline", action="store_true")
    v.add_argument("--font", default="", help="a TTF/OTF font file (default: bundled Noto Sans SC)")
    v.add_argument("--jpeg-quality", type=int, default=0, help="0 keeps the source's quantisation")

    a = p.add_argument_group("audible label (audio)")
    a.add_argument(
        "--audio-prompt", default="voice", help="voice, rhythm, or a path to your own clip"
    )
    a.add_argument("--audio-position", default="start", help="start, end, start+end, or SECONDS")

    vid = p.add_argument_group("video")
    vid.add_argument("--video-card", choices=["none", "start", "end", "start+end"], default="start")
    vid.add_argument("--card-seconds", type=float, default=VideoSettings.card_seconds)
    vid.add_argument(
        "--video-overlay", action="store_true", help="persistent corner label for the whole video"
    )
    vid.add_argument("--video-insert-card", action="store_true", help="insert separate title cards")
    vid.add_argument("--fade", action="store_true")
    vid.add_argument("--crf", type=int, default=0)

    t = p.add_argument_group("text documents")
    t.add_argument("--text-position", choices=["start", "end", "start+end"], default="start")
    t.add_argument("--text-prompt", default="", help="default: 本内容由人工智能生成")

    b = p.add_argument_group("batch")
    b.add_argument("--jobs", type=int, default=0, help="parallel workers (default: CPU count)")
    b.add_argument("--preset", default="", help="preset name or file")
    b.add_argument("--name-template", default="{stem}{ext}")
    b.add_argument("--on-exist", choices=["skip", "overwrite", "rename"], default="overwrite")
    b.add_argument("--report", type=Path, default=None, help="write a JSON or CSV run report")
    p.set_defaults(func=cmd_label)


def settings_from_args(args: argparse.Namespace) -> LabelSettings:
    base = LabelSettings()
    return dataclasses.replace(
        base,
        implicit_only=args.implicit_only,
        implicit=ImplicitSettings(
            label_value=args.label_value,
            producer=args.producer,
            produce_id=args.produce_id,
            reserved1=args.reserved1,
            propagator=args.propagator,
            propagate_id=args.propagate_id,
            reserved2=args.reserved2,
            iptc=not args.no_iptc,
            digital_source_type="compositeWithTrainedAlgorithmicMedia"
            if args.composite
            else "trainedAlgorithmicMedia",
        ),
        visible=VisibleSettings(
            text=args.text,
            language=args.language,
            position=args.position,
            size_pct=args.size_pct,
            margin_pct=args.margin_pct,
            color=args.color,
            plate_color=args.plate_color,
            plate_opacity=args.plate_opacity,
            outline=args.outline,
            font_path=args.font,
            jpeg_quality=args.jpeg_quality,
        ),
        audio=AudioSettings(
            prompt=args.audio_prompt, language=args.language, position=args.audio_position
        ),
        video=VideoSettings(
            cards=args.video_card,
            card_seconds=args.card_seconds,
            persistent=args.video_overlay,
            insert_card=args.video_insert_card,
            fade=args.fade,
            crf=args.crf,
        ),
        text=TextSettings(
            text=args.text_prompt, language=args.language, position=args.text_position
        ),
    )


def cmd_label(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    settings.validate()
    missing = [str(p) for p in args.inputs if not p.exists()]
    for m in missing:
        print(f"error: {m}: no such file or folder", file=sys.stderr)
    inputs = [p for p in args.inputs if p.exists()]
    args.output.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(inputs, args.output, settings)
    failed = len(missing)
    for res in run_batch(jobs):
        if res.status == "ok":
            extra = f" ({'; '.join(res.warnings)})" if res.warnings else ""
            print(f"ok: {res.src} -> {res.dst} [{', '.join(res.labels)}]{extra}")
        elif res.status == "skipped":
            print(f"skipped: {res.src}: {res.reason}")
        else:
            failed += 1
            print(f"{res.status}: {res.src}: {res.reason}", file=sys.stderr)
    return ExitCode.SOME_FAILED if failed else ExitCode.OK


def cmd_check(args: argparse.Namespace) -> int:
    reports = [inspect_file(p) for p in args.files]
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            print(f"{r.path}: {r.verdict} — {VERDICT_WORDS[r.verdict]}")
            if r.error:
                print(f"  error: {r.error}")
            for rf in r.records:
                print(f"  record in {rf.carrier}: {rf.raw}")
            for prob in r.problems:
                print(f"  problem: {prob}")
            for w in r.warnings:
                print(f"  note: {w}")
            if r.digital_source_type:
                print(f"  IPTC DigitalSourceType: {r.digital_source_type}")
    return ExitCode.OK if all(r.complete for r in reports) else ExitCode.NOT_COMPLIANT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aigclabel", description="Label AI-generated media (GB 45438-2025)."
    )
    parser.add_argument("--version", action="version", version=f"aigclabel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_label_parser(sub)
    c = sub.add_parser("check", help="show the labels a file carries and whether they comply")
    c.add_argument("files", nargs="+", type=Path)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AigcError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(ExitCode.USAGE if exc.exit_code == ExitCode.SOME_FAILED else exc.exit_code)
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return int(ExitCode.CANCELLED)


if __name__ == "__main__":
    raise SystemExit(main())
