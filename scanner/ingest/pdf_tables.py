"""Tables of a PDF page rebuilt from its ruling lines (PDFium's path objects) and the boxes of
its characters, for policies whose SDK and permission tables were printed to PDF.

Contract:
    page_text_with_tables(page, textpage) -> str | None
        the page's text in PDFium's reading order, each ruled table replaced by one line per
        row with its cells separated by tabs (as the HTML reader writes table rows, so
        :func:`scanner.ingest.policy.text_tables` finds them); None when the page has no
        ruled table (the caller keeps PDFium's plain text). A cell spanned from the row above
        repeats its text in the lower row, as the HTML reader expands rowspan. Bounded: at most
        MAX_OBJECTS page objects, MAX_SEGMENTS ruling segments, MAX_PAIRS segment pairs and
        MAX_CHARS characters a page; beyond, None.

How: thin path objects are ruling segments (horizontal: at most RULE points high; vertical:
at most RULE wide); segments that touch form one table; the distinct x of its vertical and y of
its horizontal segments are the grid; a grid line missing between two cells joins them (a
spanned cell). Each character whose box centre falls inside a table goes to its cell, in
PDFium's order; a line break inside a cell joins CJK characters directly and Latin words with
a space. Tables without ruling lines (whitespace-aligned columns) are not rebuilt.
"""

from __future__ import annotations

import bisect

MAX_OBJECTS = 20_000
MAX_SEGMENTS = 4_000
MAX_PAIRS = 200_000  # (horizontal, vertical) segment pairs compared per page
MAX_CHARS = 20_000  # characters of a page whose boxes are read (a dense A4 page: ~3,000)
RULE = 2.0  # points: the thickness below which a path is a ruling line
TOL = 2.0  # points: how close two coordinates must be to be the same grid line


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > TOL:
            out.append(v)
    return out


def _segments(page):
    """(horizontal, vertical) ruling segments of the page's top-level path objects, through
    PDFium's C API (a Python wrapper per object costs more than reading the page's text)."""
    import ctypes

    import pypdfium2.raw as raw

    h, v = [], []
    n = raw.FPDFPage_CountObjects(page.raw)
    if n > MAX_OBJECTS:
        return None
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for i in range(n):
        obj = raw.FPDFPage_GetObject(page.raw, i)
        if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_PATH:
            continue
        if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        w, ht = right.value - left.value, top.value - bottom.value
        if ht <= RULE and w > 2 * RULE:
            h.append((left.value, right.value, (top.value + bottom.value) / 2))
        elif w <= RULE and ht > 2 * RULE:
            v.append(((left.value + right.value) / 2, bottom.value, top.value))
        if len(h) + len(v) > MAX_SEGMENTS:
            return None
    return h, v


def _tables(h, v) -> list[tuple[list, list]]:
    """Groups of touching segments: [(horizontal, vertical)] with at least two of each."""
    segs = [("h", s) for s in h] + [("v", s) for s in v]
    parent = list(range(len(segs)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    nh = len(h)
    order = sorted(range(len(v)), key=lambda k: v[k][0])
    vx = [v[k][0] for k in order]
    pairs = 0
    for i, (x0, x1, y) in enumerate(h):
        a, b = bisect.bisect_left(vx, x0 - TOL), bisect.bisect_right(vx, x1 + TOL)
        pairs += b - a
        if pairs > MAX_PAIRS:  # a page of crossing lines no table has: give up
            return []
        for k in order[a:b]:
            _, y0, y1 = v[k]
            if y0 - TOL <= y <= y1 + TOL:
                parent[find(i)] = find(nh + k)
    groups: dict[int, tuple[list, list]] = {}
    for i, (kind, s) in enumerate(segs):
        g = groups.setdefault(find(i), ([], []))
        g[0 if kind == "h" else 1].append(s)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


class _Grid:
    def __init__(self, h, v) -> None:
        self.xs = _cluster([x for x, _, _ in v])
        self.ys = _cluster([y for _, _, y in h])[::-1]  # top to bottom (PDF y grows upwards)
        self.h, self.v = h, v
        self.ok = len(self.xs) >= 2 and len(self.ys) >= 2
        self.box = (self.xs[0], self.ys[-1], self.xs[-1], self.ys[0]) if self.ok else None

    def cell(self, x: float, y: float) -> tuple[int, int] | None:
        x0, y0, x1, y1 = self.box
        if not (x0 < x < x1 and y0 < y < y1):
            return None
        c = bisect.bisect_right(self.xs, x) - 1
        r = sum(1 for yy in self.ys[1:] if y < yy)  # rows above the point
        return r, c

    def _has_v(self, x: float, y: float) -> bool:
        return any(abs(sx - x) <= TOL and y0 - TOL <= y <= y1 + TOL for sx, y0, y1 in self.v)

    def _has_h(self, y: float, x: float) -> bool:
        return any(abs(sy - y) <= TOL and x0 - TOL <= x <= x1 + TOL for x0, x1, sy in self.h)

    def anchors(self) -> dict[tuple[int, int], tuple[int, int]]:
        """cell -> the top-left cell of the spanned cell it belongs to."""
        rows, cols = len(self.ys) - 1, len(self.xs) - 1
        anchor: dict[tuple[int, int], tuple[int, int]] = {}
        for r in range(rows):
            ym = (self.ys[r] + self.ys[r + 1]) / 2
            for c in range(cols):
                xm = (self.xs[c] + self.xs[c + 1]) / 2
                if c and not self._has_v(self.xs[c], ym):
                    anchor[(r, c)] = anchor[(r, c - 1)]
                elif r and not self._has_h(self.ys[r], xm):
                    anchor[(r, c)] = anchor[(r - 1, c)]
                else:
                    anchor[(r, c)] = (r, c)
        return anchor


def page_text_with_tables(page, textpage) -> str | None:
    found = _segments(page)
    if found is None or len(found[0]) < 2 or len(found[1]) < 2:
        return None
    grids = [g for g in (_Grid(h, v) for h, v in _tables(*found)) if g.ok]
    if not grids:
        return None
    anchors = [g.anchors() for g in grids]
    cells: list[dict[tuple[int, int], list[str]]] = [{} for _ in grids]
    last: list[dict[tuple[int, int], tuple[str, float]]] = [{} for _ in grids]
    out: list[str] = []
    emitted = [False] * len(grids)
    n = textpage.count_chars()
    if n > MAX_CHARS:
        return None
    text = textpage.get_text_range(0, n) if n else ""
    if len(text) != n:  # characters outside the BMP: the index no longer matches
        return None
    for i, ch in enumerate(text):
        left, bottom, right, top = textpage.get_charbox(i)
        x, y = (left + right) / 2, (bottom + top) / 2
        if ch == "\ufffe":  # PDFium's mark of a hyphen that ended a line
            ch = "-"
        if ch in "\r\n":
            if not any(g.cell(x, y) for g in grids):  # a break inside a table is a wrap
                out.append(ch)
            continue
        for k, g in enumerate(grids):
            rc = g.cell(x, y)
            if rc is None:
                continue
            a = anchors[k].get(rc)
            if a is None:
                break
            if not emitted[k]:
                emitted[k] = True
                out.append(f"\x00{k}\x00")
            prev = last[k].get(a)
            bucket = cells[k].setdefault(a, [])
            if prev is not None and ch.strip() and y < prev[1] - 1 and prev[0].isascii() and \
                    prev[0].isalnum() and ch.isascii() and ch.isalnum():
                bucket.append(" ")  # a Latin word wrapped inside the cell
            bucket.append(ch)
            if ch.strip():
                last[k][a] = (ch, bottom)
            break
        else:
            out.append(ch)
    page_text = "".join(out)
    for k, g in enumerate(grids):
        # a column no character falls in is the gap between a table's outer border and its
        # cells' borders (HTML border="1" with cell spacing), not a column
        used = {c for (_, c), chars in cells[k].items() if "".join(chars).strip()}
        rows = []
        for r in range(len(g.ys) - 1):
            # a cell spanned from the row above repeats its text (as the HTML reader expands
            # rowspan: a vendor spanning two SDK rows belongs to both; a name spanning two
            # rows is one SDK); one spanned from the left is left out
            row = []
            for c in range(len(g.xs) - 1):
                if c not in used:
                    continue
                a = anchors[k][(r, c)]
                if a == (r, c) or (a[0] != r and not (c and anchors[k][(r, c - 1)] == a)):
                    row.append(" ".join("".join(cells[k].get(a, [])).split()))
            if any(row):
                rows.append("\t".join(row))
        page_text = page_text.replace(f"\x00{k}\x00", "\n" + "\n".join(rows) + "\n", 1)
    return page_text
