"""The labeling engine: the only code that reads or writes media. Qt-free by contract."""

from aigclabel_gui.engine.inspect import inspect_file
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.settings import LabelSettings

__all__ = ["AigcRecord", "LabelSettings", "inspect_file", "label_file"]
