"""The declared app category and its necessary PI; a marked suggestion when none was given.

The suggestion is a heuristic over the package name and label, and never
used by over-scope rules: they need the analyst's ``--category``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanner.detectors.interface import Detector, Item, ScanContext
from scanner.model.facts import Fact

# keywords → category id; a suggestion only, shown as such. Latin keywords match whole
# words of the package name and label (``de.ecspride`` is not ride hailing; ``com.didi.x``
# is); Chinese ones anywhere in the label (Chinese has no spaces between words).
_HINTS = (
    (r"map|maps|navi|导航|地图", "map_navigation"),
    (r"taxi|didi|ride|打车|出行", "ride_hailing"),
    (r"chat|im|messenger|微信|聊天", "instant_messaging"),
    (r"shop|mall|store|buy|购物|商城|taobao|jd", "online_shopping"),
    (r"food|waimai|外卖|meituan|eleme", "food_delivery"),
    (r"news|资讯|新闻|toutiao", "news"),
    (r"bank|银行", "mobile_banking"),
    (r"pay|wallet|支付", "online_payment"),
    (r"video|短视频|douyin|kuaishou", "short_video"),
    (r"music|movie|影音|音乐", "online_audio_video"),
    (r"browser|浏览器", "browser"),
    (r"game|游戏", "online_games"),
)


class CategoryDetector(Detector):
    """Yields ``app.category`` with the declared id (or known: false) and suggestions."""

    name = "category"

    def apk(self, ctx: ScanContext) -> Iterable[Item]:
        yield self._fact(ctx)

    def traffic(self, ctx: ScanContext) -> Iterable[Item]:
        if ctx.apk is None:
            yield self._fact(ctx)

    def _fact(self, ctx: ScanContext) -> Fact:
        cats = ctx.knowledge.categories
        cid = ctx.category
        if cid:
            c = cats[cid]
            return Fact("app.category", {"known": True, "id": cid, "zh": c.zh, "en": c.en,
                                         "necessary_pi": list(c.necessary_pi),
                                         "no_pi_needed": c.no_pi_needed, "suggested": []})
        return Fact("app.category", {"known": False, "id": None, "necessary_pi": [],
                                     "suggested": suggest(ctx)})


def suggest(ctx: ScanContext) -> list[str]:
    """Category ids suggested by the package name and label (may be empty)."""
    text = " ".join(x for x in ((ctx.apk.package if ctx.apk else ""),
                                (ctx.apk.label or "") if ctx.apk else "") if x).lower()
    out = []
    for pattern, cid in _HINTS:
        if cid in ctx.knowledge.categories and _matches(pattern, text) and cid not in out:
            out.append(cid)
    return out


def _matches(keywords: str, text: str) -> bool:
    """Whether one of ``keywords`` (``a|b|中文``) occurs: Latin ones as whole words
    (bounded by anything but a letter or digit), others anywhere."""
    for kw in keywords.split("|"):
        if kw.isascii():
            if re.search(rf"(?<![a-z0-9]){re.escape(kw)}(?![a-z0-9])", text):
                return True
        elif kw in text:
            return True
    return False
