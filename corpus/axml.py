"""A small Android binary-XML (AXML) writer, for hostile manifests made at test time.

Contract:
    encode(root: Node) -> bytes           the AXML bytes of an element tree
    manifest(children, package) -> Node   a <manifest> element with the android namespace
    apk_with_manifest(axml, dest, source=None) -> Path
        a copy of ``source`` (default corpus/apk/clean.apk) whose AndroidManifest.xml is
        ``axml``, every other entry kept (signatures then no longer match, as with any
        repackaged app)

Only what the scanner's readers need: one string pool (UTF-16), a resource map for the
android: attributes used, namespace start/end, elements with string, boolean and integer
attributes. Deep trees are written without recursion, so a 250,000-deep manifest costs
a few MB and a fraction of a second. Stdlib only.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

ANDROID_NS = "http://schemas.android.com/apk/res/android"
# android: attribute resource ids (frameworks/base/core/res/res/values/public.xml)
ATTR_IDS = {"name": 0x01010003, "exported": 0x01010010, "versionCode": 0x0101021B,
            "versionName": 0x0101021C, "minSdkVersion": 0x0101020C,
            "targetSdkVersion": 0x01010270, "label": 0x01010001}


@dataclass
class Node:
    """One element: tag, android: attributes (str, bool or int), plain attributes, children."""

    tag: str
    attrs: dict[str, str | bool | int] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)


def manifest(children: list[Node], package: str = "com.example.hostile") -> Node:
    """A <manifest> root with ``package`` and ``children``."""
    return Node("manifest", {"versionCode": 1, "versionName": "1.0"}, {"package": package},
                children)


def _events(root: Node):
    """("start", node) / ("end", node) in document order, without recursion."""
    stack: list[tuple[Node, int]] = [(root, 0)]
    yield "start", root
    while stack:
        node, i = stack.pop()
        if i < len(node.children):
            stack.append((node, i + 1))
            child = node.children[i]
            yield "start", child
            stack.append((child, 0))
        else:
            yield "end", node


def encode(root: Node) -> bytes:
    """The AXML bytes of the tree under ``root`` (see module contract)."""
    strings: list[str] = []
    index: dict[str, int] = {}
    # attribute names with resource ids first, in resource-map order
    attr_names = list(ATTR_IDS)
    for n in attr_names:
        index[n] = len(strings)
        strings.append(n)

    def sid(s: str) -> int:
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    ns_uri, ns_prefix = sid(ANDROID_NS), sid("android")
    body = bytearray()
    body += struct.pack("<HHIIIII", 0x0100, 16, 24, 1, 0xFFFFFFFF, ns_prefix, ns_uri)
    for kind, node in _events(root):
        if kind == "end":
            body += struct.pack("<HHIIIII", 0x0103, 16, 24, 1, 0xFFFFFFFF, 0xFFFFFFFF,
                                sid(node.tag))
            continue
        attrs = []
        for name, value in node.attrs.items():
            ns, nm = ns_uri, sid(name)
            if isinstance(value, bool):
                attrs.append((ns, nm, 0xFFFFFFFF, 0x12, 0xFFFFFFFF if value else 0))
            elif isinstance(value, int):
                attrs.append((ns, nm, 0xFFFFFFFF, 0x10, value & 0xFFFFFFFF))
            else:
                attrs.append((ns, nm, sid(value), 0x03, sid(value)))
        for name, value in node.plain.items():
            attrs.append((0xFFFFFFFF, sid(name), sid(value), 0x03, sid(value)))
        size = 16 + 20 + 20 * len(attrs)
        body += struct.pack("<HHIII", 0x0102, 16, size, 1, 0xFFFFFFFF)
        body += struct.pack("<IIHHHHHH", 0xFFFFFFFF, sid(node.tag), 20, 20, len(attrs), 0, 0, 0)
        for ns, nm, raw, dtype, data in attrs:
            body += struct.pack("<IIIHBBI", ns, nm, raw, 8, 0, dtype, data)
    body += struct.pack("<HHIIIII", 0x0101, 16, 24, 1, 0xFFFFFFFF, ns_prefix, ns_uri)

    data = bytearray()
    offsets = []
    for s in strings:
        offsets.append(len(data))
        units = s.encode("utf-16-le")
        data += struct.pack("<H", len(units) // 2) + units + b"\0\0"
    while len(data) % 4:
        data += b"\0"
    header = 28
    strings_start = header + 4 * len(strings)
    pool = struct.pack("<HHIIIIII", 0x0001, header, strings_start + len(data), len(strings), 0,
                       0, strings_start, 0)
    pool += b"".join(struct.pack("<I", o) for o in offsets) + bytes(data)
    resmap = struct.pack("<HHI", 0x0180, 8, 8 + 4 * len(attr_names))
    resmap += b"".join(struct.pack("<I", ATTR_IDS[n]) for n in attr_names)
    total = 8 + len(pool) + len(resmap) + len(body)
    return struct.pack("<HHI", 0x0003, 8, total) + pool + resmap + bytes(body)


def apk_with_manifest(axml: bytes, dest: Path, source: Path | None = None) -> Path:
    """``source`` with its AndroidManifest.xml replaced by ``axml``, written to ``dest``."""
    import importlib.util
    import sys

    name = "appaudit_corpus_hostile"
    hostile = sys.modules.get(name)
    if hostile is None:
        here = Path(__file__).resolve().parent
        spec = importlib.util.spec_from_file_location(name, here / "hostile.py")
        hostile = importlib.util.module_from_spec(spec)
        sys.modules[name] = hostile  # dataclasses look their module up while defining
        spec.loader.exec_module(hostile)
    src = Path(source) if source else hostile.DEFAULT_SOURCE
    entries = [hostile._entry(n, d if n != "AndroidManifest.xml" else axml,
                              deflate=not n.endswith(".arsc"))
               for n, d in hostile._read_entries(src)]
    hostile._write_zip(Path(dest), entries)
    return Path(dest)
