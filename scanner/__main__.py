"""``python -m scanner`` runs the appaudit command line."""

from __future__ import annotations

from scanner.cli import entry

if __name__ == "__main__":
    entry()
