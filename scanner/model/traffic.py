"""Traffic evidence: one request/response exchange as read from a flow file or HAR.

Readers (scanner/ingest/traffic.py) yield :class:`Exchange` objects one at a
time so that captures of any size stream through the detectors. Bodies are
already decoded (content-encoding removed, within size limits); ``request_body``
is raw bytes, parsing of JSON/form/multipart is the detectors' business.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Exchange:
    """One HTTP(S) request and its response, if any."""

    flow_id: str  # mitmproxy flow id, or "<file>#<entry index>" for HAR
    source: str  # input file path
    index: int  # position in the input file
    time: float | None  # request start, Unix seconds
    method: str
    scheme: str  # http | https
    host: str
    port: int
    path: str  # path including the query string, as sent
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes = field(default=b"", repr=False)
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = field(default=b"", repr=False)
    truncated: bool = False  # a body was cut at the size limit
    decode_error: str | None = None  # content-encoding could not be undone (bomb, corrupt)
    marker: dict | None = None  # capture-addon metadata (profile, consent marker) if any
    #: ``decode_error`` as a message (scanner.messages; its English text is decode_error)
    decode_error_msg: dict | None = field(default=None, compare=False)

    @property
    def url(self) -> str:
        """scheme://host[:port]/path?query"""
        default = 443 if self.scheme == "https" else 80
        netloc = self.host if self.port in (default, 0) else f"{self.host}:{self.port}"
        return f"{self.scheme}://{netloc}{self.path}"

    @property
    def cleartext(self) -> bool:
        """Sent without TLS."""
        return self.scheme != "https"
