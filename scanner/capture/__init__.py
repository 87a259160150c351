"""Capture-side tooling: the mitmproxy addon (``addon.py``, loaded with ``mitmdump -s``)
that labels captures for analysis. See README.md in this folder."""
