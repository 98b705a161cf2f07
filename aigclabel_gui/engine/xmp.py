"""Build, merge by property, and parse XMP packets: the TC260 AIGC property and IPTC DigitalSourceType.

Merging never replaces a packet or a namespace wholesale (spec: "update by property"); every other
property is kept. Parsing is safe: no entities, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from aigclabel_gui.engine.errors import CorruptFile

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
TC260_PREFIX = "TC260"
IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
X_NS = "adobe:ns:meta/"
DST_TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
DST_COMPOSITE = (
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
)

# IPTC digital source types that say "made or edited by AI": anything else beside Label "1"
# (digitalCapture, negativeFilm, …) contradicts the record and is replaced when we write.
AI_SOURCE_TYPES = frozenset(
    "http://cv.iptc.org/newscodes/digitalsourcetype/" + t
    for t in (
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia",
        "compositeSynthetic",
        "algorithmicallyEnhanced",
    )
)


def source_type_is_ai(uri: str | None) -> bool:
    return bool(uri) and (
        uri in AI_SOURCE_TYPES
        or uri.rsplit("/", 1)[-1] in {u.rsplit("/", 1)[-1] for u in AI_SOURCE_TYPES}
    )


_XPACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
_XPACKET_END = '<?xpacket end="w"?>'


def _parser() -> etree.XMLParser:
    # Untrusted input: no entity expansion (billion laughs), no DTD fetches, no network.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class XmpProperty:
    """One AIGC-like property found in a packet."""

    value: str
    namespace: str
    prefix: str | None
    form: str  # "element" or "attribute"

    @property
    def standard(self) -> bool:
        return self.namespace == TC260_NS

    def note(self) -> str:
        if self.standard:
            return "" if self.form == "element" else "stored as an XMP attribute, not an element"
        return f"wrong XMP namespace {self.namespace!r} (prefix {self.prefix}); TC260 guides use {TC260_NS}"


@dataclass
class XmpScan:
    properties: list[XmpProperty] = field(default_factory=list)
    digital_source_type: str | None = None


_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def _packet_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, start) of a packet in UTF-16/32, or None for UTF-8. XMP spec part 3 §1.1.1 allows
    UTF-16 and UTF-32 in either byte order, told apart by a BOM or by the NULs around the first '<'."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return (codec, 0) if codec != "utf-8-sig" else None
    i = data.find(b"<")
    if i < 0:
        return None
    if data[i + 1 : i + 4] == b"\0\0\0":
        return "utf-32-le", i
    if i >= 3 and data[i - 3 : i] == b"\0\0\0":
        return "utf-32-be", i - 3
    if data[i + 1 : i + 2] == b"\0":
        return "utf-16-le", i
    if i >= 1 and data[i - 1 : i] == b"\0" and data[i + 1 : i + 2] not in (b"", b"\0"):
        return "utf-16-be", i - 1
    return None


def xmp_utf8(packet: bytes | str) -> bytes:
    """The packet as UTF-8 bytes without padding (UTF-16/32 packets are decoded), ready for XML
    parsing. Raises CorruptFile when a UTF-16/32 packet does not decode."""
    if isinstance(packet, str):
        return packet.encode("utf-8").strip(b"\x00 \r\n\t")
    found = _packet_encoding(packet)
    if found is None:
        # Trailing NULs/padding appear in real files; lxml tolerates whitespace but not NULs.
        return packet.strip(b"\x00 \r\n\t")
    codec, start = found
    unit = 4 if "32" in codec else 2
    body = packet[start:]
    body = body[: len(body) - len(body) % unit]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise CorruptFile(f"the XMP packet is not valid {codec.upper()} ({exc.reason})") from exc
    text = text.strip("\x00 \r\n\t\ufeff")
    # An XML declaration naming UTF-16 would contradict the UTF-8 bytes handed to the parser.
    if text.startswith("<?xml"):
        text = text[text.find("?>") + 2 :].lstrip()
    return text.encode("utf-8")


def _strip_packet(packet: bytes | str) -> bytes:
    return xmp_utf8(packet)


def _parse(packet: bytes | str) -> etree._Element:
    data = _strip_packet(packet)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CorruptFile(f"the XMP packet is not well-formed XML ({exc.msg})") from exc
    return root


def _rdf(root: etree._Element) -> etree._Element | None:
    if root.tag == f"{{{RDF_NS}}}RDF":
        return root
    return root.find(f".//{{{RDF_NS}}}RDF")


def _is_aigc_name(local: str) -> bool:
    return local.lower() == "aigc"


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _text_of(el: etree._Element) -> str:
    # rdf:Alt / rdf:Seq wrappers (some writers) hold the value in rdf:li.
    li = el.find(f".//{{{RDF_NS}}}li")
    if li is not None and (el.text or "").strip() == "":
        return li.text or ""
    return el.text or ""


def scan_xmp(packet: bytes | str) -> XmpScan:
    """Every AIGC-like property in any namespace (so misspelt prefixes/URIs are reported), and the
    IPTC DigitalSourceType. Raises CorruptFile if the packet is not XML."""
    root = _parse(packet)
    scan = XmpScan()
    rdf = _rdf(root)
    if rdf is None:
        return scan
    for desc in rdf.iter(f"{{{RDF_NS}}}Description"):
        for name, value in desc.attrib.items():
            ns, local = _local(name)
            if _is_aigc_name(local):
                prefix = _prefix_for(desc, ns)
                scan.properties.append(XmpProperty(value, ns, prefix, "attribute"))
            elif ns == IPTC_EXT_NS and local == "DigitalSourceType":
                scan.digital_source_type = value
        for child in desc:
            if not isinstance(child.tag, str):
                continue
            ns, local = _local(child.tag)
            if _is_aigc_name(local):
                scan.properties.append(XmpProperty(_text_of(child), ns, child.prefix, "element"))
            elif ns == IPTC_EXT_NS and local == "DigitalSourceType":
                res = child.get(f"{{{RDF_NS}}}resource")
                scan.digital_source_type = res if res else (child.text or "").strip()
    return scan


def _prefix_for(el: etree._Element, ns: str) -> str | None:
    for p, uri in el.nsmap.items():
        if uri == ns:
            return p
    return None


def _new_root() -> etree._Element:
    xmpmeta = etree.Element(f"{{{X_NS}}}xmpmeta", nsmap={"x": X_NS})
    xmpmeta.set(f"{{{X_NS}}}xmptk", "aigclabel")
    etree.SubElement(xmpmeta, f"{{{RDF_NS}}}RDF", nsmap={"rdf": RDF_NS})
    return xmpmeta


def update_xmp(
    packet: bytes | str | None,
    record_json: str | None,
    digital_source_type: str | None = None,
) -> bytes:
    """Set TC260:AIGC (and IPTC DigitalSourceType if given and not already set) in `packet`.

    An existing AIGC property, in any namespace or form, is replaced in place of the one we write,
    so the packet holds exactly one record; all other properties are kept. Returns a complete
    packet with an xpacket wrapper, UTF-8."""
    root = _parse(packet) if packet and _strip_packet(packet) else _new_root()
    rdf = _rdf(root)
    if rdf is None:
        # A packet without rdf:RDF (non-standard, seen from some writers): keep its root and
        # whatever it holds, and add rdf:RDF inside it — never replace the packet.
        if root.tag == f"{{{X_NS}}}xmpmeta":
            rdf = etree.SubElement(root, f"{{{RDF_NS}}}RDF", nsmap={"rdf": RDF_NS})
        else:
            wrapper = _new_root()
            wrapper_rdf = _rdf(wrapper)
            assert wrapper_rdf is not None
            wrapper.insert(0, root)  # the foreign root is kept as a sibling of rdf:RDF
            root, rdf = wrapper, wrapper_rdf

    if record_json is not None:
        # Remove every AIGC-like property (wrong namespace, attribute form, duplicates) first.
        for desc in rdf.iter(f"{{{RDF_NS}}}Description"):
            for name in list(desc.attrib):
                if _is_aigc_name(_local(name)[1]):
                    del desc.attrib[name]
            for child in list(desc):
                if isinstance(child.tag, str) and _is_aigc_name(_local(child.tag)[1]):
                    desc.remove(child)
        desc = _description_for(rdf, TC260_NS, TC260_PREFIX)
        el = etree.SubElement(desc, f"{{{TC260_NS}}}AIGC")
        el.text = record_json  # lxml escapes &, <, > in text

    if digital_source_type:
        existing = scan_xmp(etree.tostring(root)).digital_source_type
        if existing and not source_type_is_ai(existing):
            # A contradicting type (e.g. digitalCapture beside our Label "1"): platforms reading
            # IPTC would call it a camera photo. Replace it (the pipeline says so in its report).
            _remove_source_type(rdf)
            existing = None
        if not existing:
            desc = _description_for(rdf, IPTC_EXT_NS, "Iptc4xmpExt")
            el = etree.SubElement(desc, f"{{{IPTC_EXT_NS}}}DigitalSourceType")
            el.text = digital_source_type

    _drop_empty_descriptions(rdf)
    body = etree.tostring(root, encoding="unicode")
    return f"{_XPACKET_BEGIN}\n{body}\n{_XPACKET_END}".encode()


def _remove_source_type(rdf: etree._Element) -> None:
    for desc in rdf.iter(f"{{{RDF_NS}}}Description"):
        desc.attrib.pop(f"{{{IPTC_EXT_NS}}}DigitalSourceType", None)
        for child in list(desc):
            if child.tag == f"{{{IPTC_EXT_NS}}}DigitalSourceType":
                desc.remove(child)


def _description_for(rdf: etree._Element, ns: str, prefix: str) -> etree._Element:
    for desc in rdf.findall(f"{{{RDF_NS}}}Description"):
        if ns in desc.nsmap.values():
            return desc
    # Every rdf:Description of a packet must name the same resource (XMP spec part 1 §7.4;
    # exiftool: "Different 'rdf:about' attributes"): reuse the packet's own value (uuid:…).
    about = next(
        (
            d.get(f"{{{RDF_NS}}}about")
            for d in rdf.iter(f"{{{RDF_NS}}}Description")
            if d.get(f"{{{RDF_NS}}}about") is not None
        ),
        "",
    )
    desc = etree.SubElement(rdf, f"{{{RDF_NS}}}Description", nsmap={prefix: ns})
    desc.set(f"{{{RDF_NS}}}about", about)
    return desc


def _drop_empty_descriptions(rdf: etree._Element) -> None:
    for desc in rdf.findall(f"{{{RDF_NS}}}Description"):
        attrs = [a for a in desc.attrib if a != f"{{{RDF_NS}}}about"]
        if len(desc) == 0 and not attrs and not (desc.text or "").strip():
            rdf.remove(desc)


GCAMERA_NS = "http://ns.google.com/photos/1.0/camera/"
CONTAINER_NS = "http://ns.google.com/photos/1.0/container/"
HDRGM_NS = "http://ns.adobe.com/hdr-gain-map/1.0/"


def _is_companion_claim(ns: str, local: str) -> bool:
    """Properties that describe data appended to a JPEG (Android motion photo video, Ultra HDR
    gain map): false once that data is gone."""
    if ns == GCAMERA_NS:
        return local.startswith(("MotionPhoto", "MicroVideo"))
    return ns in (CONTAINER_NS, HDRGM_NS)


def drop_companion_claims(packet: bytes | str) -> tuple[bytes, list[str]] | None:
    """The packet without motion-photo / gain-map claims, and the names removed; None when it has
    none (the packet is then kept byte for byte). Raises CorruptFile if it is not XML."""
    root = _parse(packet)
    rdf = _rdf(root)
    if rdf is None:
        return None
    removed: list[str] = []
    for desc in rdf.iter(f"{{{RDF_NS}}}Description"):
        for name in list(desc.attrib):
            ns, local = _local(name)
            if _is_companion_claim(ns, local):
                del desc.attrib[name]
                removed.append(local)
        for child in list(desc):
            if isinstance(child.tag, str) and _is_companion_claim(*_local(child.tag)):
                desc.remove(child)
                removed.append(_local(child.tag)[1])
    if not removed:
        return None
    _drop_empty_descriptions(rdf)
    body = etree.tostring(root, encoding="unicode")
    return f"{_XPACKET_BEGIN}\n{body}\n{_XPACKET_END}".encode(), removed
