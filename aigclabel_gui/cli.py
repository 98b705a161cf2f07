"""`aigclabel` command: label, check (and presets). Thin: parses, calls the engine, prints.

Import cost: `aigclabel --help` loads argparse and this module only; a subcommand builds only
its own options, and the batch runner, inspection, presets and settings are imported inside the
handler that needs them, so the command starts about as fast as bare Python
(bench/bench_fixed_costs.py; tests/cli/test_cli_startup.py checks what `--help` loads).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from aigclabel_gui import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (startup time)
if TYPE_CHECKING:
    from collections.abc import Sequence

    from aigclabel_gui.engine.inspect import InspectReport
    from aigclabel_gui.engine.settings import LabelSettings


# Option values are checked once, here, as usage errors (exit 2), not per file.
def _number(kind=float, lo: float | None = None, hi: float | None = None):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(
                f"{text} is outside {lo:g}..{hi:g}" if hi is not None else f"{text} is below {lo:g}"
            )
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def _one_line(text: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise argparse.ArgumentTypeError(
            f"{text!r} contains a line break or control character; use one line"
        )
    return text


def _audio_position(text: str) -> str:
    if text in ("start", "end", "start+end"):
        return text
    _number(float, 0)(text)
    return text


def _add_label_parser(sub: argparse._SubParsersAction, full: bool = True) -> None:
    # Option defaults are None: only options given on the command line override the preset.
    p = sub.add_parser(
        "label",
        help="write labelled copies of files (originals are never modified)",
        formatter_class=_HelpFormatter,
    )
    if not full:
        return
    from aigclabel_gui.engine.kinds import ON_EXIST

    p.add_argument("inputs", nargs="+", type=Path, help="files or folders (walked recursively)")
    p.add_argument("-o", "--output", required=True, type=Path, help="output folder")
    add_settings_options(p)

    b = p.add_argument_group("batch")
    b.add_argument(
        "--jobs", type=_number(int, 0, 256), default=0, help="parallel workers (default: CPU count)"
    )
    b.add_argument(
        "--time-limit",
        type=_number(float, 0, 7 * 24 * 3600),
        default=None,
        help="seconds per file before it is stopped as stuck (default: by size and kind; 0: none)",
    )
    b.add_argument(
        "--memory-limit",
        type=_number(int, 0, 1 << 20),
        default=None,
        help="MiB of memory per worker before a file is stopped (default: a share of RAM; 0: none)",
    )
    b.add_argument("--preset", default="", help="preset name (see `presets list`) or preset file")
    b.add_argument(
        "--name-template", default="{stem}{ext}", help="fields: {stem} {ext} {kind} {date} {name}"
    )
    b.add_argument("--on-exist", choices=list(ON_EXIST), default="overwrite")
    b.add_argument(
        "--report",
        type=Path,
        default=None,
        help="run report, .json or .csv (default: both in OUTDIR)",
    )
    b.add_argument("--quiet", action="store_true", help="print failures and the summary only")
    b.add_argument(
        "--executor",
        default="local",
        metavar="local|ray[=HOST:PORT]",
        help="local process pool (default), or Ray: `ray` starts a local Ray, `ray=HOST:PORT` "
        "joins a cluster (inputs and outputs must be on a file system every node sees)",
    )
    p.set_defaults(func=cmd_label)


def add_settings_options(p: argparse.ArgumentParser) -> None:
    from aigclabel_gui.engine.kinds import ANCHORS

    p.add_argument(
        "--implicit-only", action="store_true", default=None, help="write the metadata label only"
    )
    p.add_argument(
        "--no-explicit",
        action="store_true",
        default=None,
        help="export without the explicit label GB 45438 §5 asks for (your recorded choice, "
        "Measures Art. 9); otherwise such an export is refused",
    )
    p.add_argument(
        "--force-text",
        action="store_true",
        default=None,
        help='draw label text without "AI" + "generated" (§5.2/§5.4); reported as forced',
    )

    m = p.add_argument_group("implicit label (AIGC metadata, GB 45438 §6.1)")
    m.add_argument("--label-value", choices=["1", "2", "3"])
    m.add_argument(
        "--producer",
        type=_one_line,
        help="ContentProducer: the provider code of the generating service",
    )
    m.add_argument(
        "--produce-id",
        type=_one_line,
        help="ProduceID (default: generated, unique per file); with several files it is a "
        "prefix: PREFIX-<12 hex per file>",
    )
    m.add_argument("--reserved1", type=_one_line, help="ReservedCode1")
    m.add_argument("--propagator", type=_one_line, help="ContentPropagator (default: the producer)")
    m.add_argument(
        "--propagate-id",
        type=_one_line,
        help="PropagateID (default: the ProduceID); with several files a prefix, like --produce-id",
    )
    m.add_argument("--reserved2", type=_one_line, help="ReservedCode2")
    m.add_argument(
        "--no-iptc",
        dest="iptc",
        action="store_false",
        default=None,
        help="do not write IPTC DigitalSourceType",
    )
    m.add_argument(
        "--keep-source-type",
        action="store_true",
        default=None,
        help="keep a contradicting IPTC DigitalSourceType (e.g. digitalCapture) instead of updating it",
    )
    m.add_argument(
        "--composite",
        action="store_true",
        default=None,
        help="IPTC: edited with AI, not fully generated",
    )

    v = p.add_argument_group("visible label (images and video)")
    v.add_argument("--text", type=_one_line, help="label text (default: AI生成)")
    v.add_argument("--language", choices=["zh", "en"])
    v.add_argument(
        "--position", help=f"{', '.join(ANCHORS)}, auto, or X,Y as fractions of width,height"
    )
    v.add_argument(
        "--size-pct",
        type=_number(float, 0, 100),
        help="text height as %% of the shorter side (minimum 5, default 6)",
    )
    v.add_argument("--margin-pct", type=_number(float, 0, 50))
    v.add_argument("--color", type=_one_line)
    v.add_argument("--plate-color", type=_one_line)
    v.add_argument("--plate-opacity", type=_number(float, 0, 1))
    v.add_argument("--outline", action="store_true", default=None)
    v.add_argument("--font", help="a TTF/OTF font file (default: bundled Noto Sans SC)")
    v.add_argument(
        "--jpeg-quality", type=_number(int, 0, 100), help="0 keeps the source's quantisation"
    )

    a = p.add_argument_group("audible label (audio)")
    a.add_argument("--audio-prompt", help="voice, rhythm, or a path to your own clip")
    a.add_argument(
        "--audio-position", type=_audio_position, help="start, end, start+end, or SECONDS"
    )

    vid = p.add_argument_group("video")
    vid.add_argument("--video-card", choices=["none", "start", "end", "start+end"])
    vid.add_argument("--card-seconds", type=_number(float, 0, 3600), help="at least 2 (default 3)")
    vid.add_argument(
        "--video-overlay",
        action="store_true",
        default=None,
        help="persistent corner label for the whole video",
    )
    vid.add_argument(
        "--video-insert-card", action="store_true", default=None, help="insert separate title cards"
    )
    vid.add_argument("--fade", action="store_true", default=None)
    vid.add_argument("--crf", type=_number(int, 0, 63))

    t = p.add_argument_group("text documents")
    t.add_argument("--text-position", choices=["start", "end", "start+end"])
    t.add_argument("--text-prompt", type=_one_line, help="default: 本内容由人工智能生成")


# argparse dest -> (settings section, field); None section = top level
_OPTION_FIELDS = {
    "implicit_only": (None, "implicit_only"),
    "no_explicit": (None, "no_explicit"),
    "force_text": (None, "force_text"),
    "keep_source_type": ("implicit", "keep_source_type"),
    "label_value": ("implicit", "label_value"),
    "producer": ("implicit", "producer"),
    "produce_id": ("implicit", "produce_id"),
    "reserved1": ("implicit", "reserved1"),
    "propagator": ("implicit", "propagator"),
    "propagate_id": ("implicit", "propagate_id"),
    "reserved2": ("implicit", "reserved2"),
    "iptc": ("implicit", "iptc"),
    "text": ("visible", "text"),
    "position": ("visible", "position"),
    "size_pct": ("visible", "size_pct"),
    "margin_pct": ("visible", "margin_pct"),
    "color": ("visible", "color"),
    "plate_color": ("visible", "plate_color"),
    "plate_opacity": ("visible", "plate_opacity"),
    "outline": ("visible", "outline"),
    "font": ("visible", "font_path"),
    "jpeg_quality": ("visible", "jpeg_quality"),
    "audio_prompt": ("audio", "prompt"),
    "audio_position": ("audio", "position"),
    "video_card": ("video", "cards"),
    "card_seconds": ("video", "card_seconds"),
    "video_overlay": ("video", "persistent"),
    "video_insert_card": ("video", "insert_card"),
    "fade": ("video", "fade"),
    "crf": ("video", "crf"),
    "text_position": ("text", "position"),
    "text_prompt": ("text", "text"),
}


def settings_from_args(
    args: argparse.Namespace, base: LabelSettings | None = None
) -> LabelSettings:
    """`base` (a preset or the defaults) with every option given on the command line applied."""
    import dataclasses

    from aigclabel_gui.engine.settings import LabelSettings

    settings = base or LabelSettings()
    changes: dict[str | None, dict] = {}
    for dest, (section, name) in _OPTION_FIELDS.items():
        value = getattr(args, dest, None)
        if value is not None:
            changes.setdefault(section, {})[name] = value
    if getattr(args, "composite", None):
        changes.setdefault("implicit", {})["digital_source_type"] = (
            "compositeWithTrainedAlgorithmicMedia"
        )
    if getattr(args, "language", None):
        for section in ("visible", "audio", "text"):
            changes.setdefault(section, {})["language"] = args.language
    top = changes.pop(None, {})
    sections = {
        sec: dataclasses.replace(getattr(settings, sec), **vals) for sec, vals in changes.items()
    }
    settings = dataclasses.replace(settings, **sections, **top)
    settings.validate()
    return settings


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    m, s = divmod(int(seconds + 0.5), 60)
    return f"{m:02d}:{s:02d}"


def _reason(res) -> str:
    """The reason without the file name the engine's message already starts with (we print the path)."""
    name = Path(res.src).name
    reason = res.reason
    while reason.startswith(f"{name}: "):
        reason = reason[len(name) + 2 :]
    return reason


def cmd_label(args: argparse.Namespace) -> int:
    import dataclasses
    import signal

    from aigclabel_gui.engine.batch import (
        BatchFinished,
        BatchProgress,
        FileFinished,
        FileProgressed,
        FileStarted,
        Limits,
        plan_jobs,
        run_batch,
    )
    from aigclabel_gui.engine.errors import ExitCode, OutputError
    from aigclabel_gui.engine.events import CancelToken
    from aigclabel_gui.engine.kinds import JobStatus
    from aigclabel_gui.engine.presets import load_preset

    base = load_preset(args.preset).settings if args.preset else None
    settings = settings_from_args(args, base)
    missing = [p for p in args.inputs if not p.exists()]
    for m in missing:
        print(f"error: {m}: no such file or folder", file=sys.stderr)
    inputs = [p for p in args.inputs if p.exists()]
    try:
        args.output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {args.output}: {exc.strerror}") from None
    jobs = plan_jobs(inputs, args.output, settings, name_template=args.name_template)
    imp = settings.implicit
    if len(jobs) > 1 and (imp.produce_id or imp.propagate_id) and not imp.ids_as_prefix:
        # Annex E: one ID per piece of content. A fixed ID for several files becomes a prefix.
        per_file = dataclasses.replace(
            settings, implicit=dataclasses.replace(imp, ids_as_prefix=True)
        )
        jobs = [dataclasses.replace(j, settings=per_file) for j in jobs]
        print(
            f"note: {len(jobs)} files: the fixed ID(s) are used as a prefix + '-' + a per-file "
            "suffix (Annex E: one ID per piece of content)",
            file=sys.stderr,
        )
    reports = (
        [args.report]
        if args.report
        else [args.output / "aigclabel-report.json", args.output / "aigclabel-report.csv"]
    )
    limits = Limits(seconds=args.time_limit, memory_mb=args.memory_limit)

    cancel = CancelToken()
    interactive = sys.stderr.isatty()
    shown = _ProgressLines(interactive, quiet=args.quiet)

    def on_sigint(signum, frame):  # first Ctrl-C: stop cleanly; second: abort
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print(
            "\ncancelling: finishing running files, starting no new ones (Ctrl-C again to abort)",
            file=sys.stderr,
        )

    executor = _connected_executor(args, time_limit=args.time_limit)
    old = signal.signal(signal.SIGINT, on_sigint)
    final = None
    try:
        # run_batch refuses a report path that would overwrite an input or an output before
        # anything runs (InvalidSettings: exit 2), and writes every report in `reports`.
        for ev in run_batch(
            jobs,
            workers=args.jobs,
            cancel=cancel,
            report_paths=reports,
            on_exist=args.on_exist,
            outdir=args.output,
            limits=limits,
            executor=executor,
        ):
            if isinstance(ev, FileStarted):
                shown.started(ev.index, ev.src)
            elif isinstance(ev, FileProgressed):
                shown.file_progress(ev.index, ev.fraction)
            elif isinstance(ev, FileFinished):
                res = ev.result
                shown.finished(ev.index)
                if interactive:
                    print("\r\033[K", end="", file=sys.stderr)
                if res.status == JobStatus.OK and not args.quiet:
                    extra = f" ({'; '.join(res.warnings)})" if res.warnings else ""
                    print(f"ok: {res.src} -> {res.dst}{extra}")
                elif res.status == JobStatus.SKIPPED and not args.quiet:
                    print(f"skipped: {res.src}: {_reason(res)}")
                elif res.status in (JobStatus.FAILED, JobStatus.CANCELLED):
                    print(f"{res.status}: {res.src}: {_reason(res)}", file=sys.stderr)
            elif isinstance(ev, BatchProgress):
                shown.batch(ev.done, ev.total, ev.eta_s)
            elif isinstance(ev, BatchFinished):
                final = ev
    finally:
        signal.signal(signal.SIGINT, old)
        if executor is not None:
            executor.close()
    if final is None:
        return ExitCode.SOME_FAILED
    # One summary (engine/report.py BatchSummary): the counts, the reports and the exit code.
    summary = final.summary.with_errors([f"{m}: no such file or folder" for m in missing])
    for error in final.summary.errors:
        print(f"error: {error}", file=sys.stderr)
    print(summary.line(), file=sys.stderr)
    return summary.exit_code


class _ProgressLines:
    """Progress on stderr: on a terminal one bar line (files done, and the running file's own
    percentage, so a long video visibly moves); otherwise plain lines, one per 10 % of a file
    that reports progress (long audio and video), so logs of scripted runs show it too."""

    def __init__(self, interactive: bool, quiet: bool = False):
        self.interactive, self.quiet = interactive, quiet
        self.names: dict[int, str] = {}
        self.steps: dict[int, int] = {}
        self.done, self.total, self.eta = 0, 0, None
        self.running: tuple[int, float] | None = None

    def started(self, index: int, src: str) -> None:
        self.names[index] = Path(src).name

    def file_progress(self, index: int, fraction: float) -> None:
        self.running = (index, fraction)
        if self.interactive:
            self._draw()
        elif not self.quiet:
            step = min(9, int(fraction * 10))
            if step > self.steps.get(index, 0):
                self.steps[index] = step
                print(f"progress: {self.names.get(index, index)} {step * 10}%", file=sys.stderr)

    def finished(self, index: int) -> None:
        self.names.pop(index, None)
        self.steps.pop(index, None)
        if self.running and self.running[0] == index:
            self.running = None

    def batch(self, done: int, total: int, eta: float | None) -> None:
        self.done, self.total, self.eta = done, total, eta
        if self.interactive:
            self._draw()

    def _draw(self) -> None:
        bar = "#" * int(30 * self.done / max(self.total, 1))
        line = f"\r\033[K[{bar:<30}] {self.done}/{self.total}"
        if self.running is not None:
            index, fraction = self.running
            line += f" · {self.names.get(index, '')} {fraction:.0%}"
        line += f" ETA {_fmt_eta(self.eta)}"
        print(line, end="", file=sys.stderr, flush=True)


def cmd_presets(args: argparse.Namespace) -> int:
    import json

    from aigclabel_gui.engine.errors import ExitCode
    from aigclabel_gui.engine.presets import delete_preset, list_presets, load_preset, save_preset

    if args.action == "list":
        for p in list_presets():
            origin = "built-in" if p.builtin else "user"
            print(f"{p.name}\t{p.title_zh} / {p.title_en}\t({origin})")
    elif args.action == "show":
        print(json.dumps(load_preset(args.name).to_dict(), ensure_ascii=False, indent=2))
    elif args.action == "save":
        base = load_preset(args.preset).settings if args.preset else None
        path = save_preset(args.name, settings_from_args(args, base))
        print(f"saved {path}")
    elif args.action == "delete":
        delete_preset(args.name)
        print(f"deleted {args.name}")
    return ExitCode.OK


def _print_report(r: InspectReport, quiet: bool = False) -> None:
    from aigclabel_gui.engine.inspect import VERDICT_WORDS

    info = r.info
    print(f"{r.path}: {r.verdict} — {VERDICT_WORDS[r.verdict]}")
    if quiet and r.complete and not r.warnings:
        return
    if r.error:
        print(f"  error: {r.error}")
    for rf in r.records:
        print(f"  record in {rf.carrier}: {rf.raw}")
    for prob in r.problems:
        print(f"  problem: {prob}")
    for w in r.warnings:
        print(f"  warning: {w}")
    for h in r.hints:
        print(f"  hint: {h}")
    if not quiet:
        for n in r.notes:
            print(f"  note: {n}")
    if r.digital_source_type:
        print(f"  IPTC DigitalSourceType: {r.digital_source_type}")
    if info.clause != "—":
        print(f"  rule: {info.clause}")
    if r.verdict != "compliant":
        print(f"  advice: {info.advice}")


def _connected_executor(args: argparse.Namespace, time_limit: float | None = None):
    """None for the local pool; else the Ray executor, connected before any file so that a
    missing Ray or an unreachable cluster fails at once. Ray is imported only when asked."""
    if args.executor == "local":
        return None
    from aigclabel_gui.engine.cluster import parse_executor

    executor = parse_executor(args.executor, num_cpus=args.jobs or None, time_limit=time_limit)
    if executor is not None:
        executor.connect()
    return executor


def cmd_check(args: argparse.Namespace) -> int:
    import json

    from aigclabel_gui.engine.audit import (
        check_paths,
        check_targets,
        compare,
        exit_ok,
        pair_folders,
        summary_line,
        verdict_counts,
        write_check_report,
    )
    from aigclabel_gui.engine.errors import ExitCode

    if args.against is not None or args.before is not None:
        return _cmd_compare(args, compare, pair_folders)
    if not args.files:
        print("error: give files or folders to check", file=sys.stderr)
        return ExitCode.USAGE
    missing = [p for p in args.files if not p.exists()]
    for m in missing:
        print(f"error: {m}: no such file or folder", file=sys.stderr)
    targets = check_targets([p for p in args.files if p.exists()])
    reports: list[InspectReport] = []
    executor = _connected_executor(args)
    try:
        for r in check_paths(targets, jobs=args.jobs, executor=executor):
            reports.append(r)
            if not args.json:
                _print_report(r, quiet=args.quiet)
    finally:
        if executor is not None:
            executor.close()
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    counts = verdict_counts(reports)
    if args.report:
        try:
            write_check_report(reports, args.report)
        except OSError as exc:
            print(
                f"error: cannot write the report {args.report}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return ExitCode.USAGE
    if len(reports) > 1 or args.report:
        line = summary_line(counts) + (f"; report: {args.report}" if args.report else "")
        print(line, file=sys.stderr if args.json else sys.stdout)
    if missing or not reports:
        return ExitCode.USAGE if not reports else ExitCode.NOT_COMPLIANT
    return ExitCode.OK if exit_ok(reports, strict=args.strict) else ExitCode.NOT_COMPLIANT


def _cmd_compare(args: argparse.Namespace, compare, pair_folders) -> int:
    import json

    from aigclabel_gui.engine.errors import ExitCode
    from aigclabel_gui.engine.inspect import inspect_file

    if args.against is not None:
        if len(args.files) != 1:
            print("error: --against ORIGINAL takes exactly one FILE to compare", file=sys.stderr)
            return ExitCode.USAGE
        pairs = [(args.against, args.files[0])]
    else:
        if args.after is None or args.files:
            print("error: use --before DIR --after DIR (and no FILE arguments)", file=sys.stderr)
            return ExitCode.USAGE
        pairs = pair_folders(args.before, args.after)
        from aigclabel_gui.engine.audit import missing_after

        for gone in missing_after(args.before, args.after):
            print(f"{gone}: no counterpart in {args.after}")
    for a, b in pairs:
        if not a.is_file() or not b.is_file():
            print(f"error: {a if not a.is_file() else b}: no such file", file=sys.stderr)
            return ExitCode.USAGE
    results = [compare(inspect_file(a), inspect_file(b)) for a, b in pairs]
    if args.json:
        print(json.dumps([c.to_dict() for c in results], ensure_ascii=False, indent=2))
    else:
        for (a, b), c in zip(pairs, results, strict=True):
            print(f"{b}: record {c.status} (against {a})")
            for d in c.details:
                print(f"  {d}")
    bad = [c for c in results if not c.ok]
    if len(results) > 1:
        statuses: dict[str, int] = {}
        for c in results:
            statuses[c.status] = statuses.get(c.status, 0) + 1
        print(f"{len(results)} pairs: " + ", ".join(f"{n} {s}" for s, n in statuses.items()))
    return ExitCode.NOT_COMPLIANT if bad else ExitCode.OK


EXIT_CODES_HELP = """exit codes:
  0    everything labelled (label) / every file compliant (check)
  1    check: some file is not compliant, has no label, or cannot be judged
  2    usage: bad options or paths, nothing was done
  3    label: files failed for different reasons (each file's reason is printed)
  4    label: every failure was a missing library or tool for that format
  5    label: every failure was an input that could not be read
  6    label: every failure was the output folder (full, read-only, not writable)
  7    label: every failure was a damaged, truncated or oversized input
  8    label: every failure was a file type aigclabel does not label
  130  cancelled (Ctrl-C)"""


COMMANDS = ("label", "check", "presets")


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own, with the terminal width found without importing shutil (and with it
    bz2, lzma, zlib: 10 % of `aigclabel --help`'s start-up). Same rule: $COLUMNS, else the
    terminal, else 80 columns."""

    def __init__(self, prog: str, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            import os

            try:
                width = int(os.environ["COLUMNS"])
            except (KeyError, ValueError):
                try:
                    width = os.get_terminal_size(sys.__stdout__.fileno()).columns
                except (AttributeError, ValueError, OSError):
                    width = 0
            width = (width or 80) - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _RawDescriptionHelpFormatter(_HelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def build_parser(command: str | None = "") -> argparse.ArgumentParser:
    """The whole parser (`command` ""), or one whose subcommands other than `command` carry only
    their one-line help: `aigclabel --help` then needs none of their options (which took most of
    its start-up time), and `aigclabel label ...` builds the label options only."""
    full = {c: command in ("", c) for c in COMMANDS}
    parser = argparse.ArgumentParser(
        prog="aigclabel",
        description="Label AI-generated media (GB 45438-2025).",
        epilog=EXIT_CODES_HELP,
        formatter_class=_RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"aigclabel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_label_parser(sub, full["label"])
    _add_check_parser(sub, full["check"])
    _add_presets_parser(sub, full["presets"])
    return parser


def _add_check_parser(sub: argparse._SubParsersAction, full: bool = True) -> None:
    c = sub.add_parser(
        "check",
        help="show the labels files carry and whether they comply (folders walked recursively)",
        description="Verdicts: compliant, compliant-with-warnings (exit 0; --strict fails), "
        "not-compliant, no-label, cannot-tell, no-carrier, unsupported (exit 1).",
        formatter_class=_HelpFormatter,
    )
    if not full:
        return
    c.add_argument("files", nargs="*", type=Path, help="files or folders (walked recursively)")
    c.add_argument("--json", action="store_true")
    c.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="worker processes (default 1: in-process is faster for metadata reads; more helps with large PDFs/MP4s)",
    )
    c.add_argument("--report", type=Path, default=None, help="write a report, .json or .csv")
    c.add_argument(
        "--executor",
        default="local",
        metavar="local|ray[=HOST:PORT]",
        help="check in this process / the local pool (default), or on Ray: `ray` starts a local "
        "Ray, `ray=HOST:PORT` joins a cluster (files on a file system every node sees)",
    )
    c.add_argument("--strict", action="store_true", help="compliant-with-warnings fails too")
    c.add_argument("--quiet", action="store_true", help="one line per passing file")
    c.add_argument(
        "--against",
        type=Path,
        metavar="ORIGINAL",
        help="compare FILE with ORIGINAL: record added, kept, completed, lost, altered",
    )
    c.add_argument("--before", type=Path, metavar="DIR", help="compare folders: originals")
    c.add_argument("--after", type=Path, metavar="DIR", help="compare folders: edited copies")
    c.set_defaults(func=cmd_check)


def _add_presets_parser(sub: argparse._SubParsersAction, full: bool = True) -> None:
    pr = sub.add_parser(
        "presets", help="list, show, save or delete named settings", formatter_class=_HelpFormatter
    )
    if not full:
        return
    prs = pr.add_subparsers(dest="action", required=True)
    prs.add_parser("list")
    show = prs.add_parser("show")
    show.add_argument("name")
    save = prs.add_parser("save", help="save the given options (on top of --preset) as NAME")
    save.add_argument("name")
    save.add_argument("--preset", default="")
    add_settings_options(save)
    delete = prs.add_parser("delete")
    delete.add_argument("name")
    pr.set_defaults(func=cmd_presets)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # The top-level options take no value: the first word is the subcommand (or none: --help).
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    from aigclabel_gui.engine.errors import AigcError, ExitCode

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
