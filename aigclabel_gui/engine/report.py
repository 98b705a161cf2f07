"""The run report: every file and its result, as JSON or CSV (chosen by the file's extension)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import json
import os
from pathlib import Path

from aigclabel_gui import __version__

COLUMNS = (
    "src",
    "dst",
    "status",
    "reason",
    "kind",
    "format",
    "labels",
    "warnings",
    "seconds",
    "bytes",
)


def write_report(results: list, path: Path) -> None:
    """Write atomically (temp + rename) so an interrupted run never leaves half a report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    rows = [dataclasses.asdict(r) for r in results]
    if path.suffix.lower() == ".csv":
        with open(
            tmp, "w", newline="", encoding="utf-8-sig"
        ) as f:  # BOM: Excel opens UTF-8 CSV right
            w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                r = dict(
                    r,
                    labels=" | ".join(r["labels"]),
                    warnings=" | ".join(r["warnings"]),
                    seconds=f"{r['seconds']:.3f}",
                )
                w.writerow(r)
    else:
        summary = {
            s: sum(1 for r in rows if r["status"] == s)
            for s in ("ok", "skipped", "failed", "cancelled")
        }
        doc = {
            "tool": f"aigclabel {__version__}",
            "finished": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "summary": summary,
            "files": rows,
        }
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), "utf-8")
    os.replace(tmp, path)
