"""The engine and the CLI must import with PySide6 unimportable (a subprocess proves it)."""

import subprocess
import sys

CODE = r"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6."):
            raise ImportError("PySide6 blocked for this test")
sys.meta_path.insert(0, Block())
import aigclabel_gui.engine, aigclabel_gui.cli
from aigclabel_gui.engine import registry
for name in registry.CONTAINERS:
    try:
        registry.container_for(name)
    except ImportError as exc:
        if "PySide6" in str(exc):
            raise
assert not any(m.startswith("PySide6") for m in sys.modules)
print("qt-free")
"""


def test_engine_imports_without_pyside6():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "qt-free"
