"""Product illustrations for the local catalog, drawn as small SVGs instead of shipping photos.

`render_product_svg` is pure and deterministic: the same product and view always give the same
bytes, so the view that serves them can cache forever.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

VIEWS = (1, 2, 3)
MAX_BRAND_CHARS = 22
MAX_TITLE_CHARS = 90
ESCAPE_QUOTES = {'"': "&quot;", "'": "&apos;"}

# Icons are drawn in a 200x200 box around (100, 95). `{a}` is the accent, `{d}` the dark ink.
ICONS: dict[str, str] = {
    "watch": (
        '<rect x="82" y="28" width="36" height="138" rx="14" fill="{d}" opacity=".85"/>'
        '<rect x="66" y="60" width="68" height="74" rx="18" fill="{d}"/>'
        '<rect x="73" y="67" width="54" height="60" rx="12" fill="{a}"/>'
        '<path d="M86 98h8l4-10 6 20 4-10h6" stroke="#fff" stroke-width="3" fill="none"/>'
    ),
    "phone": (
        '<rect x="64" y="26" width="72" height="138" rx="16" fill="{a}"/>'
        '<rect x="74" y="36" width="28" height="28" rx="8" fill="{d}" opacity=".8"/>'
        '<circle cx="82" cy="44" r="4" fill="#fff"/><circle cx="94" cy="56" r="4" fill="#fff"/>'
    ),
    "shoe": (
        '<path d="M36 128c4-34 22-44 40-40l20 14c16 10 38 12 58 14 14 2 14 14 10 22H40z" '
        'fill="{a}"/>'
        '<rect x="36" y="136" width="130" height="12" rx="6" fill="{d}"/>'
        '<path d="M82 100l10-8M92 108l10-8M102 114l10-8" stroke="#fff" stroke-width="4"/>'
    ),
    "headphones": (
        '<path d="M52 120V98a48 48 0 0 1 96 0v22" stroke="{d}" stroke-width="10" fill="none"/>'
        '<rect x="40" y="106" width="28" height="48" rx="12" fill="{a}"/>'
        '<rect x="132" y="106" width="28" height="48" rx="12" fill="{a}"/>'
    ),
    "lamp": (
        '<path d="M72 40h56l20 54H52z" fill="{a}"/>'
        '<rect x="96" y="94" width="8" height="50" fill="{d}"/>'
        '<ellipse cx="100" cy="150" rx="34" ry="10" fill="{d}"/>'
    ),
    "pot": (
        '<rect x="50" y="78" width="100" height="70" rx="14" fill="{a}"/>'
        '<rect x="42" y="70" width="116" height="14" rx="7" fill="{d}"/>'
        '<rect x="92" y="56" width="16" height="14" rx="5" fill="{d}"/>'
        '<path d="M78 40c-6 8 6 12 0 20M100 36c-6 8 6 12 0 20M122 40c-6 8 6 12 0 20" '
        'stroke="{d}" stroke-width="3" fill="none" opacity=".5"/>'
    ),
    "blocks": (
        '<rect x="46" y="104" width="50" height="50" rx="6" fill="{a}"/>'
        '<rect x="104" y="104" width="50" height="50" rx="6" fill="{d}"/>'
        '<rect x="75" y="50" width="50" height="50" rx="6" fill="#F2B632"/>'
        '<circle cx="100" cy="75" r="10" fill="#fff" opacity=".7"/>'
    ),
    "pillow": (
        '<path d="M40 70q60-22 120 0q-10 30 0 60q-60 22-120 0q10-30 0-60z" fill="{a}"/>'
        '<path d="M56 86q44-12 88 0M56 114q44 12 88 0" stroke="#fff" stroke-width="3" '
        'fill="none" opacity=".7"/>'
    ),
    "umbrella": (
        '<path d="M36 96a64 56 0 0 1 128 0z" fill="{a}"/>'
        '<path d="M68 96a32 56 0 0 1 64 0" stroke="#fff" stroke-width="3" fill="none" '
        'opacity=".6"/>'
        '<rect x="97" y="40" width="6" height="118" fill="{d}"/>'
        '<rect x="70" y="154" width="60" height="8" rx="4" fill="{d}"/>'
    ),
    "bottle": (
        '<rect x="64" y="70" width="52" height="88" rx="12" fill="{a}"/>'
        '<rect x="76" y="44" width="28" height="28" rx="4" fill="{d}"/>'
        '<rect x="126" y="92" width="24" height="66" rx="6" fill="{d}"/>'
        '<path d="M128 92l8-26 12 8v18z" fill="{a}"/>'
    ),
    "paw": (
        '<ellipse cx="100" cy="122" rx="34" ry="28" fill="{a}"/>'
        '<circle cx="60" cy="86" r="14" fill="{d}"/><circle cx="84" cy="62" r="14" fill="{d}"/>'
        '<circle cx="116" cy="62" r="14" fill="{d}"/><circle cx="140" cy="86" r="14" fill="{d}"/>'
    ),
    "notebook": (
        '<rect x="54" y="36" width="84" height="118" rx="8" fill="{a}"/>'
        '<path d="M54 56h-8M54 80h-8M54 104h-8M54 128h-8" stroke="{d}" stroke-width="6"/>'
        '<path d="M146 50l14 6-34 100-14-6z" fill="#F2B632"/>'
        '<path d="M112 150l14 6-10 10z" fill="{d}"/>'
    ),
    "baby_bottle": (
        '<rect x="72" y="78" width="56" height="80" rx="14" fill="{a}"/>'
        '<rect x="68" y="66" width="64" height="14" rx="5" fill="{d}"/>'
        '<path d="M88 66q0-30 12-30t12 30z" fill="#F5C9A8"/>'
        '<path d="M84 100h14M84 116h14M84 132h14" stroke="#fff" stroke-width="3"/>'
    ),
    "dumbbell": (
        '<rect x="56" y="94" width="88" height="12" rx="6" fill="{d}"/>'
        '<rect x="34" y="66" width="24" height="68" rx="8" fill="{a}"/>'
        '<rect x="142" y="66" width="24" height="68" rx="8" fill="{a}"/>'
        '<rect x="22" y="78" width="14" height="44" rx="5" fill="{d}"/>'
        '<rect x="164" y="78" width="14" height="44" rx="5" fill="{d}"/>'
    ),
    "bag": (
        '<path d="M78 70v-12a22 22 0 0 1 44 0v12" stroke="{d}" stroke-width="7" fill="none"/>'
        '<path d="M50 70h100l-8 90H58z" fill="{a}"/>'
        '<circle cx="100" cy="114" r="18" fill="#fff" opacity=".85"/>'
        '<circle cx="100" cy="114" r="7" fill="{a}"/>'
    ),
    "shirt": (
        '<path d="M76 40l-36 20 14 28 14-6v76h64V82l14 6 14-28-36-20q-12 12-24 0z" fill="{a}"/>'
        '<path d="M86 40q14 14 28 0" stroke="{d}" stroke-width="4" fill="none"/>'
    ),
}

# Department -> (icon, default accent, background tint, dark ink).
DEPARTMENT_ART: dict[str, tuple[str, str, str, str]] = {
    "Fitness Trackers & Smartwatches": ("watch", "#2A9D8F", "#E6F4F1", "#1D3B47"),
    "Cell Phone Accessories": ("phone", "#5B6CF0", "#ECEEFD", "#232A5C"),
    "Running Shoes & Activewear": ("shoe", "#F0643C", "#FDEDE7", "#3A2A26"),
    "Headphones & Audio": ("headphones", "#7A5AF8", "#F0ECFE", "#2B2250"),
    "Home Decor": ("lamp", "#D9A05B", "#FAF1E6", "#4A3A2A"),
    "Kitchen & Dining": ("pot", "#D64545", "#FBEAEA", "#3D2323"),
    "Toys & Games": ("blocks", "#3A86FF", "#EAF2FF", "#E63946"),
    "Bedding & Bath": ("pillow", "#8FB8DE", "#EEF4FA", "#2E4057"),
    "Patio & Outdoor": ("umbrella", "#2E9E5B", "#E8F5EC", "#23422F"),
    "Beauty": ("bottle", "#E07A9B", "#FCEEF3", "#4A2633"),
    "Pet Supplies": ("paw", "#B5835A", "#F6EEE7", "#4B3325"),
    "Office & School Supplies": ("notebook", "#3C7DD9", "#EAF1FB", "#1F2F4A"),
    "Baby": ("baby_bottle", "#7FC8C2", "#EDF8F7", "#2F4F4D"),
    "Sports & Fitness Equipment": ("dumbbell", "#F08A24", "#FEF2E6", "#2F2F2F"),
    "Grocery": ("bag", "#6AA84F", "#EEF6EA", "#2F4426"),
    "Kids' Clothing": ("shirt", "#F4A261", "#FEF3E9", "#3B2C20"),
}
FALLBACK_ART = ("bag", "#CC0000", "#FBEAEA", "#333333")

# Colour words that appear in variant titles, so a "Sage Green" case is drawn sage green.
COLOR_WORDS: dict[str, str] = {
    "obsidian": "#2B2B2E", "black": "#2F2F33", "graphite": "#4A4A50", "charcoal": "#44474D",
    "midnight": "#23263A", "navy": "#243B6B", "blue": "#3C6FD1", "aqua": "#34B5C9",
    "teal": "#1F9E95", "sage": "#9CB59A", "green": "#4C9A5B", "olive": "#7D8A4A",
    "red": "#D23B3B", "coral": "#F07C68", "pink": "#EE8FB0", "rose": "#E39AA5",
    "lilac": "#B59FD9", "purple": "#8C62C9", "lavender": "#B7A6E0", "gold": "#D4AF37",
    "brass": "#B8954A", "copper": "#B87333", "silver": "#B8BCC4", "gray": "#8D939C",
    "cream": "#EADFC8", "white": "#E9E9EC", "ivory": "#EFE7D3", "natural": "#CDB48E",
    "porcelain": "#E4E2DE", "terracotta": "#C8684A", "rust": "#B5562F", "sandstone": "#D8C3A5",
}  # fmt: skip
COLOR_PATTERN = re.compile(r"\b(" + "|".join(COLOR_WORDS) + r")\b", re.IGNORECASE)

# Per-view layout: icon transform and backdrop shape, so extra "angles" look different.
VIEW_LAYOUT = {
    1: ('<circle cx="100" cy="96" r="74" fill="#fff" opacity=".75"/>', ""),
    2: (
        '<rect x="22" y="22" width="156" height="148" rx="28" fill="#fff" opacity=".6"/>',
        ' transform="translate(100 96) scale(1.18) rotate(-12) translate(-100 -96)"',
    ),
    3: (
        '<path d="M0 150L200 60V200H0z" fill="#fff" opacity=".55"/>',
        ' transform="translate(100 96) scale(.8) translate(-80 -96)"',
    ),
}


def _attr(text: str) -> str:
    return escape(text, ESCAPE_QUOTES)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _accent(title: str, default: str) -> str:
    match = COLOR_PATTERN.search(title.split(" - ", 1)[-1]) if " - " in title else None
    return COLOR_WORDS[match.group(1).lower()] if match else default


def render_product_svg(product: Mapping[str, Any], view: int = 1) -> str:
    """Draw the product as an SVG: a department icon in the variant's colour, with its brand."""
    icon, default_accent, tint, ink = DEPARTMENT_ART.get(str(product.get("department", "")), FALLBACK_ART)
    view = view if view in VIEWS else 1
    title = str(product.get("title", ""))
    brand = _truncate(str(product.get("brand", "")), MAX_BRAND_CHARS)
    accent = _accent(title, default_accent)
    backdrop, transform = VIEW_LAYOUT[view]
    if view == 3:
        seed = zlib.crc32(str(product.get("id", title)).encode())
        backdrop += f'<circle cx="158" cy="58" r="{16 + seed % 10}" fill="{accent}" opacity=".35"/>'
    label_width = 24 + 7 * len(brand)
    label = (
        f'<rect x="{100 - label_width / 2:g}" y="172" width="{label_width}" height="20" rx="10" '
        f'fill="{ink}"/><text x="100" y="186" text-anchor="middle" font-family="system-ui,'
        f'sans-serif" font-size="11" font-weight="600" fill="#fff">{escape(brand)}</text>'
        if brand
        else ""
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200" '
        f'role="img" aria-label="{_attr(_truncate(title, MAX_TITLE_CHARS))}">'
        f'<rect width="200" height="200" fill="{tint}"/>{backdrop}'
        f'<g stroke="{ink}" stroke-width="1.5" stroke-opacity=".4"{transform}>'
        f"{ICONS[icon].format(a=accent, d=ink)}</g>{label}</svg>"
    )
