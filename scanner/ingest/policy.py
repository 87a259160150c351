"""Privacy-policy documents → plain text (HTML, plain text in UTF-8/GB18030, PDF).

Contract:
    policy_text(raw, name) -> str      the readable text of one document (InputError when it
                                       is none of the three kinds or unreadable); bounded: at
                                       most MAX_TEXT characters, PDFs at most MAX_PDF_PAGES
    read_policy_file(path) -> PolicyDocument   a --policy file: its text, kind and InputFile
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import InputError
from scanner.hashing import digest_bytes
from scanner.model.evidence import InputFile

MAX_FILE_BYTES = 32 << 20
MAX_TEXT = 2_000_000
MAX_PDF_PAGES = 200
_HTML = re.compile(rb"<\s*(html|body|p|div|h[1-6]|span|br|table)\b", re.I)


@dataclass(frozen=True)
class PolicyDocument:
    name: str
    kind: str  # html | text | pdf
    text: str
    input: InputFile | None = None


def _kind(raw: bytes) -> str:
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-"):
        return "pdf"
    if _HTML.search(raw[:65536]):
        return "html"
    return "text"


def _decode(raw: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: not text in UTF-8 or GB18030, not HTML and not a PDF")


def _html_text(raw: bytes, name: str) -> str:
    import lxml.html

    try:
        root = lxml.html.fromstring(_decode(raw, name))
    except (ValueError, lxml.etree.ParserError) as e:
        raise InputError(f"{name}: unreadable HTML ({e})") from e
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return root.text_content()


def _pdf_text(raw: bytes, name: str) -> str:
    try:
        import pypdf
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise InputError(f"{name}: reading PDF policies needs the pypdf package") from e
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        parts, size = [], 0
        for page in reader.pages[:MAX_PDF_PAGES]:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size > MAX_TEXT:
                break
        return "\n".join(parts)
    except Exception as e:  # pypdf raises many types on hostile files
        raise InputError(f"{name}: unreadable PDF ({type(e).__name__})") from e


def policy_text(raw: bytes, name: str) -> tuple[str, str]:
    """(kind, text) of one document."""
    kind = _kind(raw)
    if kind == "pdf":
        text = _pdf_text(raw, name)
    elif kind == "html":
        text = _html_text(raw, name)
    else:
        text = _decode(raw, name)
    text = re.sub(r"[ \t\u3000\xa0]+", " ", text)
    return kind, text[:MAX_TEXT]


def read_policy_file(path: Path) -> PolicyDocument:
    if not path.is_file():
        raise InputError(f"{path}: no such policy file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: {size} bytes, over the policy limit of {MAX_FILE_BYTES}")
    raw = path.read_bytes()
    kind, text = policy_text(raw, str(path))
    if not text.strip():
        raise InputError(f"{path}: the policy has no readable text")
    d = digest_bytes(raw)
    return PolicyDocument(path.name, kind, text, InputFile("policy", str(path), d.bytes,
                                                            d.sha256, d.sm3))
