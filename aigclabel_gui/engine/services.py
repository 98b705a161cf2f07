"""AI generation services a creator may have used, for the producer field of the AIGC record.

GB 45438 §6.1 / Annex E: `ContentProducer` is the name or code of the service provider that
generated the content. A creator who publishes what someone's service made writes that service's
code when it is known, otherwise the service's name in Annex E characters.

Rule for this list: a producer code goes in only with a public source showing it in that service's
real output (`code_source`). None could be confirmed from a public page when the list was made
(2026-12), so every entry has `code=None` and the GUI writes the name, saying the code is unknown.
`source` is the service's own public page (where its name comes from). Add a code only with its
source; never guess one from the operator's credit code.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    key: str
    name_zh: str
    name_en: str
    producer_name: str  # what goes in ContentProducer when the code is unknown (Annex E chars)
    source: str  # the service's public page
    kinds: tuple[str, ...]  # what it generates: image, video, audio, text
    aliases: tuple[str, ...] = ()
    code: str | None = None  # 27-character provider code seen in its real files
    code_source: str | None = None  # public page showing that code in a real file

    @property
    def producer(self) -> str:
        """The value for ContentProducer: the code when known, else the name."""
        return self.code or self.producer_name


SERVICES: tuple[Service, ...] = (
    Service("doubao", "豆包", "Doubao", "Doubao", "https://www.doubao.com/",
            ("image", "video", "audio", "text"), ("ByteDance", "字节跳动", "Seedream")),
    Service("jimeng", "即梦AI", "Jimeng AI (Dreamina)", "Jimeng", "https://jimeng.jianying.com/",
            ("image", "video"), ("Dreamina", "剪映", "ByteDance", "字节跳动")),
    Service("kling", "可灵AI", "Kling AI", "Kling", "https://klingai.kuaishou.com/",
            ("image", "video"), ("Kuaishou", "快手", "KLingMuse")),
    Service("hunyuan", "腾讯混元", "Tencent Hunyuan", "Hunyuan", "https://hunyuan.tencent.com/",
            ("image", "video", "text"), ("Tencent", "腾讯")),
    Service("yuanbao", "腾讯元宝", "Tencent Yuanbao", "Yuanbao", "https://yuanbao.tencent.com/",
            ("image", "text"), ("Tencent", "腾讯")),
    Service("tongyi", "通义", "Tongyi (Qwen)", "Tongyi", "https://tongyi.aliyun.com/",
            ("image", "video", "audio", "text"), ("Qwen", "千问", "Wanxiang", "万相", "Alibaba",
                                                  "阿里")),
    Service("ernie", "文心一言", "ERNIE Bot", "ERNIE", "https://yiyan.baidu.com/",
            ("image", "text"), ("Baidu", "百度", "Wenxin", "文心")),
    Service("kimi", "Kimi", "Kimi", "Kimi", "https://kimi.moonshot.cn/", ("text",),
            ("Moonshot", "月之暗面")),
    Service("chatglm", "智谱清言", "ChatGLM", "ChatGLM", "https://chatglm.cn/",
            ("image", "video", "text"), ("Zhipu", "智谱", "GLM", "CogView", "CogVideo", "清影")),
    Service("hailuo", "海螺AI", "Hailuo AI", "Hailuo", "https://hailuoai.com/",
            ("video", "audio", "text"), ("MiniMax", "海螺")),
    Service("spark", "讯飞星火", "iFLYTEK Spark", "Spark", "https://xinghuo.xfyun.cn/",
            ("audio", "text"), ("iFLYTEK", "讯飞", "科大讯飞", "Xinghuo")),
    Service("deepseek", "DeepSeek", "DeepSeek", "DeepSeek", "https://chat.deepseek.com/",
            ("text",), ("深度求索",)),
    Service("vidu", "Vidu", "Vidu", "Vidu", "https://www.vidu.cn/", ("video",),
            ("Shengshu", "生数科技")),
)  # fmt: skip


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def search(query: str) -> list[Service]:
    """Services whose names, aliases or code contain `query` (case, width and spaces ignored),
    names that start with it first."""
    q = _fold(query)
    if not q:
        return list(SERVICES)
    hits = []
    for s in SERVICES:
        words = [s.name_zh, s.name_en, s.producer_name, s.key, *s.aliases, s.code or ""]
        folded = [_fold(w) for w in words if w]
        if any(q in w for w in folded):
            hits.append((0 if any(w.startswith(q) for w in folded[:4]) else 1, s))
    return [s for _rank, s in sorted(hits, key=lambda h: h[0])]


def by_key(key: str) -> Service | None:
    return next((s for s in SERVICES if s.key == key), None)
