"""PyInstaller script for the console `aigclabel` (the same entry as `[project.scripts]`)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Batch workers are spawned (engine/batch.py). A frozen child re-runs this executable with
    # --multiprocessing-fork; freeze_support() turns that run into the worker, not a second CLI.
    multiprocessing.freeze_support()
    from aigclabel_gui.cli import main

    sys.exit(main())
