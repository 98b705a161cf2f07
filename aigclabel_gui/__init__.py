"""aigclabel: label AI-generated media per GB 45438-2025."""

__version__ = "0.1.0"
