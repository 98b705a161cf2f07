"""PyInstaller script for the windowed `aigclabel-gui` (the same entry as `[project.gui-scripts]`)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Before Qt is imported: a spawned batch worker must not open a second window.
    multiprocessing.freeze_support()
    from aigclabel_gui.ui.app import main

    sys.exit(main())
