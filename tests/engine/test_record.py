"""The AIGC record: Annex E serialisation, validation, parsing of real-world variants, codes."""

import json

import pytest

from aigclabel_gui.engine.errors import InvalidRecord
from aigclabel_gui.engine.pipeline import build_record
from aigclabel_gui.engine.record import (
    FIELD_NAMES,
    AigcRecord,
    parse_record_text,
    provider_code_from_uscc,
    uscc_is_valid,
)
from aigclabel_gui.engine.settings import ImplicitSettings
from tests.conftest import PRODUCER


def test_json_is_compact_ordered_ascii():
    rec = AigcRecord.make(
        Label="1",
        ContentProducer=PRODUCER,
        ProduceID="abc",
        ContentPropagator=PRODUCER,
        PropagateID="abc",
    )
    text = rec.to_json()
    assert text == (
        '{"Label":"1","ContentProducer":"001191440300708461136T1XGW3","ProduceID":"abc",'
        '"ReservedCode1":"","ContentPropagator":"001191440300708461136T1XGW3","PropagateID":"abc",'
        '"ReservedCode2":""}'
    )
    assert list(json.loads(text)) == list(FIELD_NAMES)
    assert rec.to_json(wrapped=True) == '{"AIGC":' + text + "}"


def test_quote_is_the_only_escape():
    rec = AigcRecord.make(
        Label="1", ContentProducer='a"b', ProduceID="x", ContentPropagator="p", PropagateID="y"
    )
    assert '"ContentProducer":"a\\"b"' in rec.to_json()


@pytest.mark.parametrize(
    "field,value,needle",
    [
        ("ContentProducer", "某某科技有限公司", "ContentProducer"),
        ("ProduceID", "has space", "space"),
        ("PropagateID", "back\\slash", "'\\\\'"),
        ("Label", "AIGC", "Label"),
        ("ContentProducer", "", "must not be empty"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(field, value, needle):
    values = dict(
        Label="1",
        ContentProducer=PRODUCER,
        ProduceID="i",
        ContentPropagator=PRODUCER,
        PropagateID="j",
    )
    values[field] = value
    with pytest.raises(InvalidRecord) as exc:
        AigcRecord.make(**values)
    assert needle in str(exc.value)
    assert "provider code" in str(exc.value)  # advice suggests the code form


def test_parse_bare_and_wrapped():
    rec = AigcRecord.make(
        Label="1",
        ContentProducer=PRODUCER,
        ProduceID="a",
        ContentPropagator=PRODUCER,
        PropagateID="a",
    )
    bare = parse_record_text(rec.to_json())
    wrapped = parse_record_text(rec.to_json(wrapped=True))
    assert bare.ok and not bare.wrapped and bare.record == rec
    assert wrapped.ok and wrapped.wrapped and wrapped.record == rec


def test_parse_reports_wild_deviations_by_name():
    pr = parse_record_text(
        '{"Label":"AIGC","ContentProducer":"doubao","ProduceID":"x","ReserveCode1":"",'
        '"ContentPropagator":"doubao","PropatorID":"y"}'
    )
    text = " | ".join(pr.errors)
    assert "Label" in text and "ReserveCode1" in text and "misspelt" in text
    assert "missing key PropagateID" in text and "missing key ReservedCode2" in text
    assert not pr.ok
    assert parse_record_text("{not json").errors[0].startswith("not valid JSON")


def test_name_instead_of_code_is_a_warning():
    pr = parse_record_text(
        '{"Label":"1","ContentProducer":"kling","ProduceID":"x","ReservedCode1":"",'
        '"ContentPropagator":"kling","PropagateID":"x","ReservedCode2":""}'
    )
    assert pr.ok
    assert any("name, not a 27-character provider code" in w for w in pr.warnings)


def test_uscc_and_provider_code():
    assert uscc_is_valid("91440300708461136T")
    assert not uscc_is_valid("91440300708461136A")
    assert provider_code_from_uscc("91440300708461136T", "1XGW3") == PRODUCER
    with pytest.raises(InvalidRecord):
        provider_code_from_uscc("91440300708461136X")


def test_first_write_propagator_equals_producer():
    rec = build_record(ImplicitSettings(producer=PRODUCER), None)
    assert rec.ContentPropagator == rec.ContentProducer == PRODUCER
    assert rec.PropagateID == rec.ProduceID and len(rec.ProduceID) == 32
    assert build_record(ImplicitSettings(producer=PRODUCER), None).ProduceID != rec.ProduceID


def test_producer_required_never_invented():
    with pytest.raises(InvalidRecord, match="ContentProducer is required"):
        build_record(ImplicitSettings(), None)


def test_existing_producer_record_kept_byte_identical():
    producer = AigcRecord(
        Label="1",
        ContentProducer="001191440300708461136T1XGW3",
        ProduceID="gen-1",
        ReservedCode1="c2lnbmF0dXJl",
        ContentPropagator="",
        PropagateID="",
        ReservedCode2="",
    )
    ours = build_record(
        ImplicitSettings(
            producer="IGNORED", propagator="00119144030070846113600000", propagate_id="pub-9"
        ),
        producer,
    )
    assert ours.producer_part() == producer.producer_part()
    assert (ours.ContentPropagator, ours.PropagateID) == ("00119144030070846113600000", "pub-9")
    assert (ours.Label, ours.ReservedCode1) == ("1", "c2lnbmF0dXJl")


def test_junk_existing_record_is_replaced_not_kept():
    from aigclabel_gui.engine.containers.base import FoundRecord
    from aigclabel_gui.engine.pipeline import existing_record

    rec, warnings = existing_record([FoundRecord("XMP TC260:AIGC", '{"a":1}', True)])
    assert rec is None and "replaced" in warnings[0]
    rec, _ = existing_record(
        [FoundRecord("XMP TC260:AIGC", '{"Label":"AIGC","ContentProducer":"doubao"}', True)]
    )
    assert (
        rec is not None and rec.ContentProducer == "doubao" and rec.Label == "AIGC"
    )  # kept as found


@pytest.mark.parametrize("value", ["abc\n", "001191440300708461136T1XGW3\n"])
def test_trailing_newline_is_refused(value):
    # Annex E allows 0x21-0x7E only; a regex `$` would let one trailing "\n" through.
    values = dict(
        Label="1",
        ContentProducer=PRODUCER,
        ProduceID="i",
        ContentPropagator=PRODUCER,
        PropagateID="j",
    )
    values["ProduceID"] = value
    with pytest.raises(InvalidRecord, match="ProduceID"):
        AigcRecord.make(**values)
    assert parse_record_text(json.dumps(values)).errors
