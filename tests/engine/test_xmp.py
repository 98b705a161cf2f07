"""XMP merge by property: other properties and odd packets are kept, exactly one AIGC property."""

from lxml import etree

from aigclabel_gui.engine.xmp import DST_TRAINED, TC260_NS, scan_xmp, update_xmp

REC = '{"Label":"1","ContentProducer":"P","ProduceID":"a&b<c>","ReservedCode1":"","ContentPropagator":"P","PropagateID":"x","ReservedCode2":""}'


def test_new_packet_has_record_and_dst():
    out = update_xmp(None, REC, DST_TRAINED)
    scan = scan_xmp(out)
    assert [p.value for p in scan.properties] == [REC]  # &, <, > escaped and read back
    assert scan.properties[0].namespace == TC260_NS and scan.digital_source_type == DST_TRAINED


def test_other_properties_kept_and_wrong_namespace_replaced():
    old = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/png"'
        b' xmlns:C260="http://ns.adobe.com/xap/1.0/tc/"><C260:AIGC>{"old":1}</C260:AIGC></rdf:Description>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    out = update_xmp(old, REC)
    scan = scan_xmp(out)
    assert [p.value for p in scan.properties] == [REC] and scan.properties[0].standard
    assert b'dc:format="image/png"' in out


def test_xmpmeta_without_rdf_is_kept_not_replaced():
    old = b'<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Vendor 1.0"><vendor:thing xmlns:vendor="urn:v">keep me</vendor:thing></x:xmpmeta>'
    out = update_xmp(old, REC)
    root = etree.fromstring(out.split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0])
    assert root.get("{adobe:ns:meta/}xmptk") == "Vendor 1.0"
    assert b"keep me" in out
    assert [p.value for p in scan_xmp(out).properties] == [REC]
