"""Names of things in the demo world: the brand, its products, store and street names."""

from __future__ import annotations

from typing import Final

__all__ = [
    "BRAND",
    "COMPANY_PREFIX",
    "PRODUCTS",
    "ROADS",
    "STORE_KINDS",
    "STORE_WORDS",
]

BRAND: Final = "一码酒业"
"""The demo brand."""

COMPANY_PREFIX: Final = "6917821"
"""The brand's GS1 company prefix: seven digits in GS1 China's 691 range, so GTINs, SSCCs and
GLNs split as GS1's prefix table says they do."""

PRODUCTS: Final[tuple[tuple[str, str, str, float], ...]] = (
    # item reference, name, category, share of production
    ("10001", "一码清香 42度 500ml", "白酒", 0.30),
    ("10002", "一码清香 52度 500ml", "白酒", 0.22),
    ("10003", "一码陈酿 53度 500ml 礼盒", "白酒", 0.12),
    ("20001", "一码精酿啤酒 330ml", "啤酒", 0.18),
    ("20002", "一码精酿啤酒 500ml", "啤酒", 0.10),
    ("30001", "一码果酒 青梅 375ml", "果酒", 0.08),
)

STORE_WORDS: Final = (
    "华联", "惠民", "百佳", "联华", "永辉", "家家乐", "好又多", "万家", "便民", "金牛",
    "鑫源", "佳美", "富民", "新一佳", "旺角", "乐购", "鸿福", "长青", "益民", "顺发",
)  # fmt: skip

STORE_KINDS: Final = ("超市", "便利店", "烟酒店", "酒行", "商行", "副食店", "名酒专卖")

ROADS: Final = (
    "人民", "解放", "建设", "中山", "和平", "胜利", "新华", "文化", "青年", "光明",
    "友谊", "复兴", "团结", "东风", "长江", "黄河", "朝阳", "幸福", "振兴", "滨河",
)  # fmt: skip
