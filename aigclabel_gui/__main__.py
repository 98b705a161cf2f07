"""`python -m aigclabel_gui` opens the desktop app."""

from aigclabel_gui.ui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
