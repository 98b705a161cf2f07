"""The PySide6 desktop app. Calls the engine; never re-implements it."""
