"""Privacy-policy documents → plain text (HTML, plain text in UTF-8/GB18030, PDF).

Contract:
    policy_text(raw, name) -> (kind, text)   the readable text of one document (InputError
                                       when it is none of the three kinds or unreadable);
                                       bounded: at most MAX_TEXT characters, PDFs at most
                                       MAX_PDF_PAGES. HTML block elements end lines and table
                                       cells are separated by tabs, so sentences and rows stay
                                       apart.
    policy_parts(raw, name) -> (kind, text, tables)   the same and the document's tables:
                                       rows of cell texts, from HTML <table> elements or, in
                                       plain text and PDF, from runs of lines whose cells are
                                       separated by "|" or tabs (at most MAX_TABLES tables of
                                       MAX_ROWS rows of MAX_CELLS cells); a PDF's ruled tables
                                       are rebuilt as such rows from its ruling lines
                                       (scanner.ingest.pdf_tables), a table cut by a page
                                       break joined again
    read_policy_file(path) -> PolicyDocument   a --policy file: its text, kind, tables and
                                       InputFile
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import InputError
from scanner.hashing import digest_bytes
from scanner.limits import MAX_PDF_INFLATED, MAX_PDF_STREAM, MAX_PDF_TEXT_OPS
from scanner.messages import msg
from scanner.model.evidence import InputFile

MAX_FILE_BYTES = 32 << 20
MAX_TEXT = 2_000_000
MAX_PDF_PAGES = 200
MAX_TABLES = 200
MAX_ROWS = 2000
MAX_CELLS = 30
MAX_CELL_CHARS = 4000
_BLOCK = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
          "table", "ul", "ol", "dt", "dd", "header", "footer", "blockquote", "pre", "caption",
          "thead", "tbody")
_HTML = re.compile(rb"<\s*(html|body|p|div|h[1-6]|span|br|table)\b", re.I)


@dataclass(frozen=True)
class PolicyDocument:
    name: str
    kind: str  # html | text | pdf
    text: str
    input: InputFile | None = None
    #: tables of the document: rows of cell texts
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()


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
    raise InputError("err_policy_encoding", path=name)


Table = tuple[tuple[str, ...], ...]


def _cell(text: str) -> str:
    return " ".join(text.split())[:MAX_CELL_CHARS]


def _span(cell, attr: str, limit: int) -> int:
    try:
        return max(1, min(int(str(cell.get(attr, "1")).strip() or 1), limit))
    except ValueError:
        return 1


def _carried(carry: dict[int, tuple[int, str]], row: list[str], k: int) -> int:
    """Cells spanned into ``row`` from the rows above, from column ``k`` on: appended, their
    remaining row spans counted down; returns the next free column."""
    while k in carry and len(row) < MAX_CELLS:
        left, text = carry[k]
        row.append(text)
        if left > 1:
            carry[k] = (left - 1, text)
        else:
            del carry[k]
        k += 1
    return k

def _html_rows(trs) -> list[tuple[str, ...]]:
    """The rows of an HTML table with rowspan and colspan expanded: a spanned cell's text
    stands in every row and column it covers (a vendor cell spanning two SDK rows belongs to
    both). A row of one cell spanning the table's width is kept as a one-cell row (a section
    heading inside the table)."""
    width = max((sum(_span(c, "colspan", MAX_CELLS) for c in tr.xpath("./td|./th"))
                 for tr in trs), default=0)
    width = min(width, MAX_CELLS)
    carry: dict[int, tuple[int, str]] = {}  # column -> (rows still spanned, text)
    rows: list[tuple[str, ...]] = []
    for tr in trs:
        tds = tr.xpath("./td|./th")[:MAX_CELLS]
        if len(tds) == 1 and width > 1 and not carry and \
                _span(tds[0], "colspan", MAX_CELLS) >= width:
            text = _cell(tds[0].text_content())
            if text:
                rows.append((text,))
            continue
        row: list[str] = []
        k = 0
        for td in tds:
            k = _carried(carry, row, k)
            text = _cell(td.text_content())
            rs, cs = _span(td, "rowspan", MAX_ROWS), _span(td, "colspan", MAX_CELLS)
            for _ in range(cs):
                if len(row) >= MAX_CELLS:
                    break
                row.append(text)
                if rs > 1:
                    carry[k] = (rs - 1, text)
                k += 1
        k = _carried(carry, row, k)
        if any(row):
            rows.append(tuple(row))
    return rows


def _html_parts(raw: bytes, name: str) -> tuple[str, list[Table]]:
    import lxml.html

    try:
        root = lxml.html.fromstring(_decode(raw, name))
    except (ValueError, lxml.etree.ParserError) as e:
        raise InputError("err_policy_html", path=name, detail=str(e)) from e
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    tables: list[Table] = []
    for t in root.iter("table"):
        if len(tables) >= MAX_TABLES:
            break
        rows = _html_rows(t.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")[:MAX_ROWS])
        if rows:
            tables.append(tuple(rows))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag == "br":
            el.tail = "\n" + (el.tail or "")
        elif tag in ("td", "th"):
            el.tail = "\t" + (el.tail or "")
        elif tag in _BLOCK:
            el.tail = "\n" + (el.tail or "")
    return root.text_content(), tables


_SEPARATOR = re.compile(r"^[\s|:+\-=]*$")


def text_tables(text: str) -> list[Table]:
    """Runs of at least two lines whose cells are separated by "|" or tabs."""
    tables: list[Table] = []
    run: list[tuple[str, ...]] = []

    def close() -> None:
        if len(run) >= 2 and len(tables) < MAX_TABLES:
            tables.append(tuple(run[:MAX_ROWS]))
        run.clear()

    for line in text.splitlines():
        sep = "|" if line.count("|") >= 2 or (line.count("|") == 1 and "\t" not in line) \
            else "\t"
        if sep not in line:
            close()
            continue
        if _SEPARATOR.match(line):
            continue
        # a tab row keeps its empty cells (a PDF's rebuilt row spanned from the row above)
        body = line.strip().strip("|") if sep == "|" else line.strip(" \r\n")
        cells = [_cell(c) for c in body.split(sep)][:MAX_CELLS]
        filled = len([c for c in cells if c])
        # a row of one filled cell continues a run of as many cells (a cell spanned from the
        # row above, as a PDF's rebuilt table writes it)
        if filled < 2 and not (filled and run and len(cells) == len(run[-1])):
            close()
            continue
        run.append(tuple(cells))
    close()
    return tables


# "stream" and its end of line, not the end of "endstream"
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\r|\n)")
_STEP = 1 << 20  # bytes fed to / taken from a decompressor at a time
_MAX_LAYERS = 4  # [/FlateDecode /FlateDecode ...] followed this deep


def _zlib_head(b: bytes) -> bool:
    return len(b) >= 2 and b[0] & 0x0F == 8 and b[0] >> 4 <= 7 and (b[0] << 8 | b[1]) % 31 == 0


def _inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The zlib stream that ``chunks`` start with, inflated ``_STEP`` bytes at a time; ends
    at the stream's end or at the first byte that is not deflate."""
    d = zlib.decompressobj()
    for chunk in chunks:
        buf = chunk
        while buf:
            try:
                out = d.decompress(buf, _STEP)
            except zlib.error:
                return
            if out:
                yield out
            if d.eof:
                return
            buf = d.unconsumed_tail


def _lzw(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The LZW stream (PDF's LZWDecode, EarlyChange 1) that ``chunks`` start with, decoded
    about ``_STEP`` bytes at a time; ends at its end-of-data code or at the first code that
    cannot be decoded (so bytes that are not LZW end it within a few codes). Work and
    memory follow what is taken from it: the table holds at most 4,096 strings of at most
    4,096 bytes."""
    table: list[bytes] = [bytes((i,)) for i in range(256)] + [b"", b""]
    width, prev = 9, b""
    acc = nacc = 0
    out: list[bytes] = []
    size = 0
    for chunk in chunks:
        for byte in bytes(chunk):
            acc = (acc << 8 | byte) & 0xFFFFFF
            nacc += 8
            if nacc < width:
                continue
            nacc -= width
            code = acc >> nacc & ((1 << width) - 1)
            if code == 256:
                del table[258:]
                width, prev = 9, b""
                continue
            if code == 257:
                break
            if code < len(table) and (code < 256 or code > 257):
                entry = table[code]
            elif code == len(table) and prev:
                entry = prev + prev[:1]
            else:
                break
            if prev and len(table) < 4096:
                table.append(prev + entry[:1])
                if len(table) + 1 >= 1 << width and width < 12:
                    width += 1
            prev = entry
            out.append(entry)
            size += len(entry)
            if size >= _STEP:
                yield b"".join(out)
                out, size = [], 0
        else:
            continue
        break
    if out:
        yield b"".join(out)


def _decoded(chunks: Iterator[bytes], depth: int = 1,
             lzw: bool = False) -> Iterator[tuple[int, bytes]]:
    """``(n, data)`` steps of what a Flate (or, with ``lzw``, LZW) stream decodes to: ``n``
    bytes decoded in the step, its chained layers (an output that is itself a Flate stream,
    as ``[/FlateDecode /FlateDecode]`` or ``[/LZWDecode /FlateDecode]``) counted too, and
    ``data`` the innermost layer's bytes of the step (what the PDF reader interprets); no
    layer is ever held whole."""
    out = _lzw(chunks) if lzw else _inflate(chunks)
    head = next(out, b"")
    if not head:
        return
    if depth >= _MAX_LAYERS or not _zlib_head(head):
        yield len(head), head
        for chunk in out:
            yield len(chunk), chunk
        return
    fed: list[int] = []

    def feed() -> Iterator[bytes]:
        for chunk in itertools.chain((head,), out):
            fed.append(len(chunk))
            yield chunk

    for n, data in _decoded(feed(), depth + 1):
        yield n + sum(fed), data
        fed.clear()
    # the inner layer may stop early (not deflate after all): the outer one is still
    # decoded whole by the PDF reader, so it is counted to its end
    yield sum(fed) + sum(len(chunk) for chunk in out), b""


# text-showing operators of a content stream (Tj, TJ, and ' or " after a string): PDFium
# makes an object of each when it loads the page (about 700 bytes: a 59 KB PDF of 2,000,000
# "(A) Tj" took 1.4 GiB). Counted as byte pairs (bytes.count: a regular expression made the
# check of a 50-page policy 0.2 CPU s slower); in compressed binary (images, fonts) each
# pair is about 1 in 65,536 bytes
_TEXT_OPS = (b"Tj", b"TJ", b")'", b") '", b')"', b') "')


def _text_ops(data: bytes | memoryview) -> int:
    return sum(data.count(op) for op in _TEXT_OPS)


# a stream dictionary that names LZW (also abbreviated, /LZW) or takes its filter from
# another object (/Filter 7 0 R), which this check does not follow
_LZW_OR_INDIRECT = re.compile(rb"LZW|/Filter\s*\d+\s+\d+\s+R")


def check_pdf_streams(raw: bytes, name: str) -> None:
    """Refuse a PDF whose Flate or LZW streams decode past ``MAX_PDF_STREAM`` (one
    stream, its chained layers counted together) or ``MAX_PDF_INFLATED`` (all of them),
    or whose streams show text more than ``MAX_PDF_TEXT_OPS`` times: PDFium and pypdf decode
    a stream whole before reading it, so a 1 MB Flate stream of zeros once held 2.2 GiB and
    an 800 KB LZW one 1.2 GiB before PDFium aborted, and PDFium keeps an object per text
    operator of the page it loads. Each stream is decoded here a step at a time and
    dropped; the cost is bounded by the limits, not by what the streams claim."""
    view = memoryview(raw)
    total = 0
    ops = _text_ops(raw)  # streams kept uncompressed, and the rest of the file
    if ops > MAX_PDF_TEXT_OPS:
        raise InputError("err_policy_pdf_text_ops", path=name, max=MAX_PDF_TEXT_OPS)
    last = 0
    for m in _STREAM_START.finditer(raw):
        start = m.end()
        # the stream's dictionary: what stands between the previous "obj" and "stream"
        head_from = raw.rfind(b"obj", max(last, start - 4096), m.start())
        last = start
        # a stream is measured as Flate when it starts like one and as LZW when its
        # dictionary may say LZW: both when both hold (LZW data can start with bytes that
        # read as a zlib header)
        kinds = [k for k, yes in ((False, _zlib_head(raw[start:start + 2])), (True, bool(
            _LZW_OR_INDIRECT.search(raw, max(head_from, start - 4096), m.start())))) if yes]
        for lzw in kinds:
            chunks = (view[i:i + _STEP] for i in range(start, len(raw), _STEP))
            size = 0
            for n, data in _decoded(chunks, lzw=lzw):
                size += n
                if size > MAX_PDF_STREAM:
                    raise InputError("err_policy_pdf_stream", path=name,
                                     max=MAX_PDF_STREAM >> 20)
                if total + size > MAX_PDF_INFLATED:
                    raise InputError("err_policy_pdf_streams", path=name,
                                     max=MAX_PDF_INFLATED >> 20)
                ops += _text_ops(data)  # (one cut by a step's end is missed)
                if ops > MAX_PDF_TEXT_OPS:
                    raise InputError("err_policy_pdf_text_ops", path=name,
                                     max=MAX_PDF_TEXT_OPS)
            total += size


def _pdf_text(raw: bytes, name: str) -> str:
    """The text of a PDF: pypdfium2 (PDFium: about 5 ms a page) when installed, else pypdf
    (pure Python, ten to twenty times slower on CJK fonts). Lines a page wraps are joined.
    Streams that inflate past the limits are refused first (:func:`check_pdf_streams`)."""
    check_pdf_streams(raw, name)
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return _pypdf_text(raw, name)
    try:
        pdf = pdfium.PdfDocument(raw)
    except Exception as e:  # PdfiumError and friends on hostile files
        raise InputError("err_policy_pdf", path=name, detail=type(e).__name__) from e
    try:
        parts, size = [], 0
        for i in range(min(len(pdf), MAX_PDF_PAGES)):
            page = pdf[i]
            tp = page.get_textpage()
            try:
                text = _ruled_tables(page, tp)
                if text is None:
                    text = tp.get_text_range() or ""
            finally:
                tp.close()
                page.close()
            parts.append(unwrap(text))
            size += len(text)
            if size > MAX_TEXT:
                break
        return _join_pages(parts)
    except Exception as e:
        raise InputError("err_policy_pdf", path=name, detail=type(e).__name__) from e
    finally:
        pdf.close()


def _join_pages(parts: list[str]) -> str:
    """The pages' texts, a table row ending one page and a row of as many cells starting the
    next joined as one table (a table the page break cut)."""
    out = parts[:1]
    for nxt in parts[1:]:
        prev = out[-1].rstrip("\n ")
        last = prev.rsplit("\n", 1)[-1]
        first = nxt.lstrip("\n ").split("\n", 1)[0]
        if "\t" in last and last.count("\t") == first.count("\t"):
            out[-1] = prev
            nxt = nxt.lstrip("\n ")
        out.append(nxt)
    return "\n".join(out)


def _ruled_tables(page, tp) -> str | None:
    """The page's text with its ruled tables as tab-separated rows (None: none, or the
    rebuild failed; the plain text is used then)."""
    from scanner.ingest.pdf_tables import page_text_with_tables

    try:
        return page_text_with_tables(page, tp)
    except Exception:  # a layout the rebuild does not understand: plain text
        return None


def _pypdf_text(raw: bytes, name: str) -> str:
    try:
        import pypdf
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise InputError("err_policy_pypdf", path=name) from e
    logged: list[str] = []
    try:
        with _pdf_log(logged):
            reader = pypdf.PdfReader(io.BytesIO(raw))
            parts, size = [], 0
            for page in reader.pages[:MAX_PDF_PAGES]:
                text = page.extract_text() or ""
                parts.append(unwrap(text))
                size += len(text)
                if size > MAX_TEXT:
                    break
    except Exception as e:  # pypdf raises many types on hostile files
        raise InputError("err_policy_pdf", path=name, detail=type(e).__name__) from e
    text = "\n".join(parts)
    if not text.strip() and logged:  # say why there is no text: the reader's first complaint
        raise InputError("err_policy_no_text", path=name,
                         hint=msg("policy_hint_pdf", detail=logged[0]))
    return text


class _Keep(logging.Handler):
    def __init__(self, out: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.out) < 5:
            try:
                self.out.append(record.getMessage()[:200])
            except Exception:  # a bad format string: keep its template
                self.out.append(str(record.msg)[:200])


@contextmanager
def _pdf_log(out: list[str]) -> Iterator[None]:
    """Keep what pypdf logs about a damaged PDF ("Error -3 while decompressing data")
    in ``out`` instead of letting it reach stderr through logging's last resort."""
    log = logging.getLogger("pypdf")
    handler, propagate = _Keep(out), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


_LINE_END = ("。", "！", "？", "；", "：", ":", ".", "!", "?", ";", "|")


def unwrap(page: str) -> str:
    """Join the lines a PDF page wrapped: a line nearly as long as the page's longest that
    does not end a sentence continues on the next line (no space between CJK characters)."""
    lines = page.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    widest = max((len(x.rstrip()) for x in lines if "\t" not in x), default=0)
    if widest < 20:
        return "\n".join(lines)
    out: list[str] = []
    carry = ""
    for raw_line in lines:
        phys = raw_line.rstrip()
        if "\t" in phys:  # a table row rebuilt from the page's ruling lines: never joined
            if carry:
                out.append(carry.rstrip())
                carry = ""
            out.append(raw_line.rstrip(" \r"))  # its empty cells kept
            continue
        joined = carry + phys
        if len(phys) >= 0.85 * widest and not phys.endswith(_LINE_END):
            tail = phys[-1:]
            carry = joined + (" " if tail.isascii() and tail.isalnum() else "")
            continue
        out.append(joined)
        carry = ""
    if carry:
        out.append(carry.rstrip())
    return "\n".join(out)


def policy_parts(raw: bytes, name: str) -> tuple[str, str, tuple[Table, ...]]:
    """(kind, text, tables) of one document."""
    kind = _kind(raw)
    tables: list[Table] = []
    if kind == "pdf":
        text = _pdf_text(raw, name)
    elif kind == "html":
        text, tables = _html_parts(raw, name)
    else:
        text = _decode(raw, name)
    text = text[:MAX_TEXT]
    if kind != "html":
        tables = text_tables(text)
    text = re.sub(r"[ \u3000\xa0]+", " ", text)
    text = re.sub(r"\n\s*\n\s*\n+", "\n\n", text)
    return kind, text, tuple(tables)


def policy_text(raw: bytes, name: str) -> tuple[str, str]:
    """(kind, text) of one document."""
    kind, text, _ = policy_parts(raw, name)
    return kind, text


def read_policy_file(path: Path) -> PolicyDocument:
    if not path.is_file():
        raise InputError("err_no_such", path=str(path), what=msg("what_policy_file"))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError("err_policy_large", path=str(path), n=size, max=MAX_FILE_BYTES)
    raw = path.read_bytes()
    kind, text, tables = policy_parts(raw, str(path))
    if not text.strip():
        hint = msg("policy_hint_html") if kind == "html" and len(raw) > 10_000 else ""
        raise InputError("err_policy_no_text", path=str(path), hint=hint)
    d = digest_bytes(raw)
    return PolicyDocument(path.name, kind, text, InputFile("policy", str(path), d.bytes,
                                                            d.sha256, d.sm3), tables)
