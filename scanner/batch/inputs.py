"""Batch inputs: which files a batch scans, their SHA-256, and the category map.

Contract:
    discover(source: Path) -> list[Path]
        ``source`` is a folder or a text list. A folder is walked recursively and every regular
        file whose name ends in ``.apk`` (any case) is taken; other files (``.xapk`` bundles,
        ``.obb``, zips without the suffix) are left out on purpose: the pipeline reads one APK,
        and an ``.xapk`` is a bundle of several. Symlinked folders are not followed (no loops).
        A file named ``*.apk`` is taken as the only input. A list is a UTF-8 text file with
        one path per line; blank lines and lines starting with
        ``#`` are ignored, relative paths are taken relative to the list's folder, and every
        listed path is kept even when it does not exist (the scan then records the error).
        Result: absolute paths (symlinks kept as named, ``..`` folded), sorted, without
        repeats. Raises InputError when ``source`` is
        neither a folder nor a readable file.
    group_by_hash(paths) -> (list[Job], {path: message why it could not be read})
        Hashes each file (SHA-256, streamed) and returns one Job per distinct content, with
        every path that had it, plus ``{path: error}`` for paths that could not be read.
    load_category_map(path, valid_ids) -> CategoryMap
        CSV (columns ``key,category``; a header row is optional) or YAML (a mapping key →
        category id, or a list of ``{key, category}``). A key is a package name or a file
        name; ``CategoryMap.for_names(names)`` looks up file names (with and without ``.apk``),
        ``CategoryMap.packages`` is handed to the worker, which looks the package up after
        reading the manifest. Unknown category ids raise UsageError naming the valid ones.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scanner import safeyaml
from scanner.errors import InputError, UsageError
from scanner.limits import MAX_BATCH_LIST_BYTES
from scanner.messages import msg, os_reason

APK_SUFFIX = ".apk"
NO_FILE = "-"  # sha256 column of a path that could not be read at all


@dataclass(frozen=True)
class Job:
    """One distinct APK content to scan: its hash and every path that had it."""

    sha256: str
    paths: tuple[str, ...]
    size: int
    category: str | None = None

    @property
    def path(self) -> str:
        """The path the scan reads (the first in sort order)."""
        return self.paths[0]


@dataclass(frozen=True)
class CategoryMap:
    """Category ids by file name and by package name."""

    by_name: Mapping[str, str] = field(default_factory=dict)
    packages: Mapping[str, str] = field(default_factory=dict)

    def for_names(self, paths: Iterable[str]) -> str | None:
        """The category of the first path whose file name (or stem) is mapped."""
        for p in paths:
            name = os.path.basename(p)
            stem = name[:-len(APK_SUFFIX)] if name.lower().endswith(APK_SUFFIX) else name
            for key in (name, stem):
                if key in self.by_name:
                    return self.by_name[key]
        return None

    def __bool__(self) -> bool:
        return bool(self.by_name or self.packages)


_NOT_REGULAR = "not a regular file"  # the OSError a FIFO, device or folder raises here

def discover(source: Path) -> list[Path]:
    """Every APK under a folder, or every path in a list file (see module docstring)."""
    source = Path(source)
    if source.is_dir():
        found = set()
        for root, dirs, files in os.walk(source, followlinks=False):
            dirs.sort()
            for name in files:
                p = Path(root) / name
                if name.lower().endswith(APK_SUFFIX) and p.is_file():
                    found.add(Path(os.path.abspath(p)))
        return sorted(found)
    if source.is_file() and source.name.lower().endswith(APK_SUFFIX):
        return [Path(os.path.abspath(source))]  # one APK given directly
    if source.is_file():
        try:
            if source.stat().st_size > MAX_BATCH_LIST_BYTES:
                raise InputError("err_batch_list_large", path=str(source), max=MAX_BATCH_LIST_BYTES)
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError("err_batch_list_unreadable", path=str(source),
                             reason=os_reason(e) if isinstance(e, OSError)
                             else msg("reason_not_utf8")) from e
        base = Path(os.path.abspath(source)).parent
        out = set()
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            p = Path(line)
            out.add(Path(os.path.abspath(p if p.is_absolute() else base / p)))
        return sorted(out)
    raise InputError("err_batch_source", path=str(source))


def open_regular(path: Path) -> int:
    """A read-only descriptor of ``path`` when it is a regular file; OSError otherwise.

    Opened without blocking and checked on the descriptor itself, so a FIFO, socket or
    device named in a list (or swapped in after a check) is refused instead of hanging."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, _NOT_REGULAR)
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def sha256_file(path: Path, chunk: int = 1 << 20) -> tuple[str, int]:
    """SHA-256 hex digest and size of a regular file, streamed (OSError for anything else:
    see :func:`open_regular`)."""
    h = hashlib.sha256()
    size = 0
    with os.fdopen(open_regular(path), "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def group_by_hash(paths: Iterable[Path], categories: CategoryMap | None = None
                  ) -> tuple[list[Job], dict[str, dict]]:
    """Distinct contents (sorted by first path) and the paths that could not be read, each
    with why (a message, scanner.messages)."""
    by_hash: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    unreadable: dict[str, dict] = {}
    for p in paths:
        try:
            digest, size = sha256_file(p)
        except OSError as e:
            unreadable[str(p)] = (msg("err_not_regular", path=str(p))
                                  if e.strerror == _NOT_REGULAR else
                                  msg("err_unreadable", path=str(p), reason=os_reason(e)))
            continue
        by_hash.setdefault(digest, []).append(str(p))
        sizes[digest] = size
    cats = categories or CategoryMap()
    jobs = []
    for digest, ps in by_hash.items():
        ps.sort()
        jobs.append(Job(digest, tuple(ps), sizes[digest], cats.for_names(ps)))
    jobs.sort(key=lambda j: j.path)
    return jobs, unreadable


def _pairs_from_csv(text: str, where: str) -> list[tuple[str, str]]:
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    pairs = []
    for n, row in enumerate(rows):
        if len(row) < 2:
            raise UsageError("err_map_line", path=where, n=n + 1)
        key, cat = row[0].strip(), row[1].strip()
        if n == 0 and key.lower() in ("key", "package", "file", "name") and \
                cat.lower() in ("category", "category_id", "type"):
            continue
        if key.startswith("#"):
            continue
        pairs.append((key, cat))
    return pairs


def _pairs_from_yaml(text: str, where: str) -> list[tuple[str, str]]:
    try:
        doc = safeyaml.load(text)
    except yaml.YAMLError as e:
        raise UsageError("err_map_yaml", path=where, detail=str(e).splitlines()[0]) from e
    except safeyaml.YamlLimitError as e:
        raise UsageError("err_map_yaml", path=where, detail=e.message()) from e
    if doc is None:
        return []
    if isinstance(doc, Mapping):
        return [(str(k), str(v)) for k, v in doc.items()]
    if isinstance(doc, list) and all(isinstance(x, Mapping) for x in doc):
        try:
            return [(str(x["key"]), str(x["category"])) for x in doc]
        except KeyError as e:
            raise UsageError("err_map_entry", path=where) from e
    raise UsageError("err_map_shape", path=where)


def load_category_map(path: Path, valid_ids: Iterable[str]) -> CategoryMap:
    """Read a CSV or YAML category map and check its ids (see module docstring)."""
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("err_map_unreadable", path=where,
                         reason=os_reason(e) if isinstance(e, OSError)
                         else msg("reason_not_utf8")) from e
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        pairs = _pairs_from_yaml(text, where)
    else:
        pairs = _pairs_from_csv(text, where)
    from scanner.knowledge import category_id

    valid = set(valid_ids)
    resolved = [(k, category_id(valid_ids, c) or c) for k, c in pairs]
    pairs = resolved
    bad = sorted({c for _, c in pairs if c not in valid})
    if bad:
        raise UsageError("err_map_unknown_ids", path=where, bad=bad, ids=sorted(valid))
    by_name, packages = {}, {}
    for key, cat in pairs:
        # A file name has a path-like suffix or no dot at all; a package has dots.
        if key.lower().endswith(APK_SUFFIX) or "." not in key or "/" in key:
            by_name[os.path.basename(key)] = cat
        else:
            packages[key] = cat
            by_name.setdefault(key, cat)  # a file may be named after its package
    return CategoryMap(by_name, packages)
