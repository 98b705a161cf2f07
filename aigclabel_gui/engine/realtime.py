"""Keep this process off real-time scheduling.

SVT-AV1 (FFmpeg's libsvtav1, our AV1 encoder), when it runs as root, switches the thread that opens
the encoder and its own worker threads to SCHED_FIFO priority 99. A real-time thread that keeps
the CPU never yields to normal ones: on a 2-core machine two such workers starved the batch
parent, so its per-file time limit never fired and the batch hung; a GUI would freeze the
desktop. Root is common in containers and CI. Every thread found real-time is put back to the
normal policy; the encoder works the same, only without priority over everything else.
"""

from __future__ import annotations

import os

_REALTIME = {getattr(os, "SCHED_FIFO", -1), getattr(os, "SCHED_RR", -1)}


def demote_realtime_threads() -> int:
    """Put every real-time thread of this process back to SCHED_OTHER; how many were changed."""
    if not hasattr(os, "sched_setscheduler"):  # not Linux: nothing to do
        return 0
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        tids = [0]
    changed = 0
    for tid in tids:
        try:
            if os.sched_getscheduler(tid) in _REALTIME:
                os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
                changed += 1
        except OSError:  # the thread ended meanwhile, or we may not change it
            continue
    return changed
