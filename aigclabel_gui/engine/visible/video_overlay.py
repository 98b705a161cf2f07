"""The full re-encode: demux → decode → blend the label into the YUV planes of the frames that
show it → encode with the source's codec → mux; audio, subtitle and data packets are copied as
they are. Memory stays flat with the length: frames go straight from decoder to encoder.
"""

from __future__ import annotations

from aigclabel_gui.engine.visible.video_blend import blend_into
from aigclabel_gui.engine.visible.video_encode import (
    add_copied_streams,
    add_video_output,
    close_quietly,
    copy_container_metadata,
    open_output,
    prepare_frame,
)
from aigclabel_gui.engine.visible.video_job import RunStats, VideoJob


def overlay_run(job: VideoJob) -> RunStats:
    pr, enc, schedule, cancel = job.probe, job.encoder, job.schedule, job.cancel
    tick = job.start(pr.duration)
    stats = job.stats
    with job.open_input() as inp:
        vin = inp.streams[pr.stream_index]
        vin.thread_type = "AUTO"
        out = open_output(job.dst, job.out_format)
        try:
            copy_container_metadata(inp, out)
            vout = add_video_output(out, vin, pr, enc)
            copies = add_copied_streams(inp, out, vin, job.warnings)
            streams = [vin, *(inp.streams[i] for i in copies)]
            last_pts = None
            step = int(1 / (pr.rate * pr.time_base)) if pr.rate else 1
            for packet in inp.demux(streams):
                if packet.stream.index != vin.index:
                    if packet.size == 0:  # the demuxer's flush packet: nothing to copy
                        continue
                    packet.stream = copies[packet.stream.index]
                    out.mux(packet)
                    continue
                # The final flush packet (dts None) must be decoded too, or the last frames
                # stay in the decoder (FIELD-NOTES: 296 of 300).
                for frame in vin.decode(packet):
                    cancel.raise_if_cancelled()
                    if frame.pts is None:  # rare: a frame without a timestamp follows the last
                        frame.pts = last_pts + step if last_pts is not None else 0
                    last_pts = frame.pts
                    t = float(frame.pts * pr.time_base) - pr.start
                    frame = prepare_frame(frame, enc.pix_fmt)
                    opacity = schedule.opacity(t)
                    if opacity > 0:
                        frame.make_writable()
                        blend_into(frame, job.label.yuv(frame), opacity)
                        stats.labelled += 1
                    out.mux(vout.encode(frame))
                    stats.frames += 1
                    stats.last_time = t
                    tick(t, stats.frames)
            out.mux(vout.encode(None))
        except BaseException:
            close_quietly(out)  # the original error matters, not the muxer's
            raise
        out.close()
    return stats
