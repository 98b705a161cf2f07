"""The run report as a page a person reads: the counts on top, then one row per file (status, the
reason in the reader's language, where the labelled copy went). Written next to the JSON report.

English by default; the GUI passes its translated headings and a function that turns a result into
a one-line reason in the user's language (the technical reason stays in the row's tooltip and in
the JSON report)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from aigclabel_gui import __version__
from aigclabel_gui.engine.kinds import JobStatus
from aigclabel_gui.engine.report import BatchSummary

TEXTS_EN = {
    "title": "aigclabel report",
    "ok": "labelled",
    "skipped": "skipped",
    "failed": "failed",
    "cancelled": "not started",
    "file": "File",
    "status": "Status",
    "reason": "Reason",
    "output": "Labelled copy",
    "finished": "Finished {0} · aigclabel {1}",
    "unsupported": "Not exported (file type not supported): {0}",
}

_STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; }
h1 { font-size: 1.4em; }
.counts span { display: inline-block; margin-right: 1.5em; font-size: 1.1em; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
tr.failed td.status { color: #b00020; font-weight: bold; }
tr.ok td.status { color: #1b5e20; }
tr.skipped td.status, tr.cancelled td.status { color: #8a6d00; }
td.path { font-family: monospace; font-size: .9em; word-break: break-all; }
"""


def _row(r) -> dict:
    return r if isinstance(r, dict) else dataclasses.asdict(r)


def render_report_html(
    results: Iterable,
    texts: dict[str, str] | None = None,
    reason_for: Callable[[dict], str] | None = None,
    unsupported: Iterable[str | Path] = (),
    lang: str = "en",
    summary: BatchSummary | None = None,
) -> str:
    """`results`: the batch's JobResults; `summary`: their BatchSummary (the one the GUI and the
    JSON report show), computed here when not given."""
    results = list(results)
    t = {**TEXTS_EN, **(texts or {})}
    counts = (summary or BatchSummary.of(results)).counts
    rows = [_row(r) for r in results]
    esc = html.escape
    finished = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(lang)}"><head><meta charset="utf-8">',
        f"<title>{esc(t['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(t['title'])}</h1>",
        f"<p>{esc(t['finished'].format(finished, __version__))}</p>",
        '<p class="counts">',
    ]
    for s in JobStatus.final():
        if counts[s] or s != JobStatus.CANCELLED:
            out.append(f'<span class="count {s}">{esc(t[s])}: <b>{counts[s]}</b></span>')
    out.append("</p>")
    names = [Path(p).name for p in unsupported]
    if names:
        out.append(f'<p class="unsupported">{esc(t["unsupported"].format(", ".join(names)))}</p>')
    out.append(
        f"<table><thead><tr><th>{esc(t['file'])}</th><th>{esc(t['status'])}</th>"
        f"<th>{esc(t['reason'])}</th><th>{esc(t['output'])}</th></tr></thead><tbody>"
    )
    for r in rows:
        status = r["status"]
        reason = reason_for(r) if reason_for else r.get("reason", "")
        dst = r.get("dst", "") if status == "ok" else ""
        out.append(
            f'<tr class="{esc(status)}">'
            f'<td class="path" title="{esc(r["src"])}">{esc(Path(r["src"]).name)}</td>'
            f'<td class="status">{esc(t.get(status, status))}</td>'
            f'<td class="reason" title="{esc(r.get("reason", ""))}">{esc(reason)}</td>'
            f'<td class="path">{esc(dst)}</td></tr>'
        )
    out.append("</tbody></table></body></html>")
    return "\n".join(out)


def write_report_html(results: Iterable, path: Path, **kwargs) -> Path:
    """Write atomically (temp + rename), like the JSON report; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        # backslashreplace: a file name that is not UTF-8 on disk shows as \udcXX, not a crash
        tmp.write_text(render_report_html(results, **kwargs), "utf-8", errors="backslashreplace")
        os.replace(tmp, path)
    except BaseException:  # disk full, cancelled: no half-written temp file left behind
        tmp.unlink(missing_ok=True)
        raise
    return path
