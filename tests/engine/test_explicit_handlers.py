"""The explicit-label handlers are registered once, by kind (visible/base.HANDLERS), and agree
with the container registry: every format a container files under a kind is one that kind's
handler names, and each handler declares the kind it is registered under."""

from __future__ import annotations

import inspect

import pytest

from aigclabel_gui.engine.registry import all_containers
from aigclabel_gui.engine.visible.base import HANDLERS, ExplicitLabeler, labeler_for


@pytest.mark.parametrize("kind", sorted(HANDLERS))
def test_handler_declares_its_kind_and_the_protocol(kind):
    handler = labeler_for(kind)
    assert handler.kind == kind
    for name in ("plan", "apply", "label"):
        ours = inspect.signature(getattr(handler, name))
        proto = inspect.signature(getattr(ExplicitLabeler, name))
        # Same parameters as the Protocol (minus self), in the same order.
        assert list(ours.parameters) == list(proto.parameters)[1:], (kind, name)


def test_every_container_format_has_its_kind_handler():
    kinds = {c.kind for c in all_containers()}
    assert kinds == set(HANDLERS)
    for c in all_containers():
        assert c.name in labeler_for(c.kind).formats, (c.name, c.kind)


def test_disabled_settings_plan_nothing(tmp_path):
    from aigclabel_gui.engine.settings import (
        AudioSettings,
        LabelSettings,
        TextSettings,
        VisibleSettings,
    )

    off = LabelSettings(
        visible=VisibleSettings(enabled=False),
        audio=AudioSettings(enabled=False),
        text=TextSettings(enabled=False),
    )
    doc = tmp_path / "a.txt"
    doc.write_text("hello\n", encoding="utf-8")
    for kind in HANDLERS:
        # No file is opened when the settings add nothing: the path need not even exist.
        assert labeler_for(kind).plan(tmp_path / "missing", off, "x") is None
    assert labeler_for("text").plan(doc, LabelSettings()) is not None


def test_a_pickled_report_leaves_its_plan_behind(tmp_path):
    """Results cross process boundaries (pool, Ray): the plan's pixels and samples do not."""
    import pickle

    from aigclabel_gui.engine.pipeline import label_file
    from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
    from tests.conftest import PRODUCER
    from tests.ui.conftest import make_wav

    src = make_wav(tmp_path / "a.wav", seconds=1.0)
    res = label_file(
        src, tmp_path / "out.wav", LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    )
    assert res.explicit.plan is not None and res.explicit.plan.prompt.size > 0
    back = pickle.loads(pickle.dumps(res))
    assert back.explicit.plan is None
    assert back.explicit.measurements == res.explicit.measurements
    assert back.explicit.summary == res.explicit.summary
    assert len(pickle.dumps(res)) < 20_000  # the 1.2 s prompt's samples are not in it
