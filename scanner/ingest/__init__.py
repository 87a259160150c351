"""Ingest: input files become typed evidence. The only stage that imports androguard or mitmproxy.

Readers raise only :class:`scanner.errors.InputError` subclasses, with one-line messages.
"""
