"""The CJK font of the charts (matplotlib): found, or said how to install.

matplotlib reads the system fonts once and keeps the list in a cache file; a CJK font installed
after that first run stays invisible (the charts keep drawing empty boxes for Chinese) until
the cache is rebuilt. :func:`cjk_font` looks in the cache, and when no CJK family is there
but a CJK font file is on the system, adds the files and rewrites the cache.
"""

from __future__ import annotations

import functools
import re

#: Families tried in order (the Debian/Ubuntu package fonts-noto-cjk provides the first).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Sans SC",
                "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                "Droid Sans Fallback", "AR PL UMing CN", "Microsoft YaHei", "SimHei",
                "PingFang SC")
CJK_FILE = re.compile(r"cjk|wqy|wenquanyi|sourcehan|droidsansfallback|uming|ukai|msyh|simhei",
                      re.IGNORECASE)
INSTALL_HINT = "apt-get install fonts-noto-cjk"


def _known(fm) -> str | None:
    names = {f.name for f in fm.fontManager.ttflist}
    return next((n for n in CJK_FAMILIES if n in names), None)


@functools.cache
def cjk_font() -> str | None:
    """The first CJK family matplotlib can draw with, or None (then Chinese chart labels
    would show as boxes: draw English ones and tell the user :data:`INSTALL_HINT`)."""
    from matplotlib import font_manager as fm

    found = _known(fm)
    if found:
        return found
    files = [p for p in fm.findSystemFonts() if CJK_FILE.search(p)]
    for path in files:
        try:
            fm.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
    found = _known(fm)
    if found:
        _save_cache(fm)
    return found


def _save_cache(fm) -> None:
    """Rewrite matplotlib's font cache so later runs see the new font at once."""
    try:
        from pathlib import Path

        import matplotlib

        version = getattr(fm.FontManager, "__version__", None)
        if version is None:
            return
        fm.json_dump(fm.fontManager,
                     Path(matplotlib.get_cachedir()) / f"fontlist-v{version}.json")
    except (OSError, AttributeError, TypeError, ValueError):
        pass


@functools.cache
def system_has_cjk_font() -> bool | None:
    """Whether fontconfig (which chromium prints the PDF with) knows a Chinese font; None
    when fontconfig's ``fc-list`` is not there to ask."""
    import shutil
    import subprocess

    fc = shutil.which("fc-list")
    if fc is None:
        return None
    try:
        out = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.strip())
