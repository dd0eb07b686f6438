"""Product descriptions in Creative Co-op's style, wrapped the way the printed column wraps them.

The description column is narrow (`6"H Metal Ballerina Ornament,` fills it), so the printed lines
come from wrapping by the font's real glyph widths, exactly as the PDF renderer draws them.
"""

from __future__ import annotations

import random
import re

from reportlab.pdfbase.pdfmetrics import stringWidth

from .generic import wrap

TABLE_FONT = "Helvetica"
TABLE_FONT_SIZE = 7.0
#: Width of the description column's text, in points (an invoice's column is wider).
DESCRIPTION_WIDTH = 104.0
INVOICE_DESCRIPTION_WIDTH = 190.0
MAX_DESCRIPTION_LINES = 4

SIZES = [
    '6"H',
    '4-1/4"H',
    '8"L x 5"W',
    '10" Round',
    '3"H',
    '12"H',
    '5-1/2"L',
    '16" Square',
    '2-3/4"H',
    '7"W x 9"H',
    '18"H',
    '36"L',
    '4" Dia.',
    '1-1/2"H',
    '9-3/4"L x 6"W',
    '24"H',
]
SETS = ["S/2", "S/3", "S/4", "S/6"]
MATERIALS = [
    "Metal",
    "Stoneware",
    "Mango Wood",
    "Recycled Glass",
    "Cotton",
    "Resin",
    "Paper Mache",
    "Enameled Metal",
    "Terracotta",
    "Marble",
    "Wool Felt",
    "Linen",
    "Embossed Stoneware",
    "Hand-Painted Glass",
    "Wood & Metal",
    "Cotton Slub",
    "Paulownia Wood",
    "Seagrass",
    "Mercury Glass",
    "Porcelain",
    "Cast Iron",
    "Jute",
]
OBJECTS = [
    "Ballerina Ornament",
    "Sugar Pot w/ Lid, Spoon & Creamer",
    'Photo Frame (Holds 4" x 6" Photo)',
    "Vase",
    "Pillow w/ Embroidery",
    "Tea Towel",
    "Mug",
    "Candle Holder",
    "Tray w/ Handles",
    "Planter",
    "Wall Decor",
    "Bowl",
    "Trinket Dish",
    "Nesting Boxes",
    "Lumbar Pillow",
    "Tree Topper",
    "Mushroom Ornament",
    "Bottle w/ Cork Stopper",
    "Garland",
    "Cheese Board w/ Knife",
    "Measuring Cups",
    "Taper Holder",
    "Bird Figurine",
    "Lantern w/ Glass Insert",
    "Coasters",
    "Stocking w/ Cuff",
    "Snowflake Ornament",
    "Pitcher",
    "Wreath",
    "Bookends",
]
COLORS = [
    "Sage",
    "Cream",
    "Natural",
    "3 Colors",
    "Gold Finish",
    "Multi Color",
    "White & Blue",
    "Blush",
    "Black",
    "Antique Brass",
    "Terracotta Color",
    "Matte White",
    "Red & Green",
]
EXTRAS = [
    "(Each One Will Vary)",
    '(Holds 5" x 7" Photo)',
    "w/ Gold Edge",
    "w/ Jute Hanger",
    "Reactive Glaze",
    '"Merry & Bright"',
    '"Home Sweet Home"',
    "Battery Operated (Requires 2 AA Batteries)",
    "Food Safe",
    "(2 Sizes)",
    "Debossed",
    "w/ Tassels",
    "100% Cotton",
    '"Joy"',
    "(Set of 12 in Display Box)",
    "w/ 6 Hour Timer",
    "Distressed Finish",
    "w/ Wood Bead Garland",
    "Hand-Stitched",
    "Boxed",
]

_NUMERIC_ONLY = re.compile(r"^[\d.,$]+$")
_RESERVED_LINES = {"each", "set", "pair", "box", "tariff surcharge"}


def text_width(text: str) -> float:
    return stringWidth(text, TABLE_FONT, TABLE_FONT_SIZE)


def wrap_description(text: str, width: float = DESCRIPTION_WIDTH) -> tuple[str, ...]:
    """Greedy word wrap into the description column, as a report writer does it."""
    return tuple(wrap(text, width, TABLE_FONT_SIZE, TABLE_FONT))


def is_printable(lines: tuple[str, ...], width: float = DESCRIPTION_WIDTH) -> bool:
    """Fits the column in 1..4 lines, and no line could be mistaken for a number or a unit cell."""
    return (
        1 <= len(lines) <= MAX_DESCRIPTION_LINES
        and all(text_width(line) <= width for line in lines)
        and not any(_NUMERIC_ONLY.match(line) or line.lower() in _RESERVED_LINES for line in lines)
    )


def _compose(rng: random.Random, extras: int) -> str:
    parts = []
    if rng.random() < 0.3:
        parts.append(rng.choice(SETS))
    if rng.random() < 0.75:
        parts.append(rng.choice(SIZES))
    parts.append(rng.choice(MATERIALS))
    parts.append(rng.choice(OBJECTS) + ("," if rng.random() < 0.6 else ""))
    if parts[-1].endswith(","):
        parts.append(rng.choice(COLORS))
    parts += rng.sample(EXTRAS, extras)
    return " ".join(parts)


def random_description(
    rng: random.Random, wrapped: bool, width: float = DESCRIPTION_WIDTH
) -> tuple[str, ...]:
    """One line when `wrapped` is false, else 2..4 lines (the count drawn first, then matched)."""
    target = rng.randint(2, MAX_DESCRIPTION_LINES) if wrapped else 1
    if width > DESCRIPTION_WIDTH:  # a wide column holds two narrow lines' worth
        target = min(target, 2)
    for _ in range(400):
        extras = (
            0
            if target == 1
            else rng.randint(target - 2, target + 1) + (2 if width > DESCRIPTION_WIDTH else 0)
        )
        lines = wrap_description(_compose(rng, min(extras, 5)), width)
        if len(lines) == target and is_printable(lines, width):
            return lines
    raise RuntimeError(f"could not compose a {target}-line description")  # pragma: no cover


_CONSONANTS = "bcdfghjklmnprstvwyz"
_VOWELS = "aeiou"


def random_word(rng: random.Random) -> str:
    """A pronounceable made-up word: furniture wording is not known in advance, so none is listed."""
    syllables = rng.randint(1, 4)
    return "".join(
        rng.choice(_CONSONANTS) + rng.choice(_VOWELS) + rng.choice(("", "", "n", "r", "s"))
        for _ in range(syllables)
    )


def random_wording(rng: random.Random, low: int, high: int, *, upper: bool = False) -> str:
    """`low`..`high` random words with the odd capital, number and punctuation mark."""
    words = []
    for _ in range(rng.randint(low, high)):
        roll = rng.random()
        if roll < 0.08:
            word = rng.choice((str(rng.randint(2, 90)), f"{rng.randint(1, 9)}.{rng.randint(0, 9)}%"))
        else:
            word = random_word(rng)
            word = word.capitalize() if roll < 0.3 else word
        if rng.random() < 0.1:
            word += rng.choice(",.:;")
        words.append(word.upper() if upper else word)
    return " ".join(words)
