"""Detect a C2PA manifest store (a JUMBF superbox labelled `c2pa`) in image metadata.

We only detect it (spec: report it, and warn that edits invalidate its signature); signing and
validating are out of scope. Carriers: JPEG APP11 (`JP` + JUMBF), PNG `caBX`, WebP `C2PA`.
"""

from __future__ import annotations

# C2PA 2.x §11: the manifest store's JUMBF description box has type UUID 63327061-0011-0010-8000-
# 00AA00389B71 ("c2pa" + the ISO suffix) and label "c2pa".
C2PA_UUID_HEAD = b"c2pa\x00\x11\x00\x10"


def is_c2pa_jumbf(data: bytes) -> bool:
    """True for a JUMBF box (or its start) that describes a C2PA manifest store."""
    at = data.find(b"jumd", 0, 4096)
    if at < 0:
        return False
    desc = data[at + 4 : at + 4 + 64]
    return desc.startswith(C2PA_UUID_HEAD) or b"c2pa\x00" in desc


def is_c2pa_jpeg_app11(payload: bytes) -> bool:
    """JPEG APP11: `JP`, 2-byte instance, 4-byte sequence number, then the JUMBF box (ISO 19566-5)."""
    return payload[:2] == b"JP" and is_c2pa_jumbf(payload[:4096])
