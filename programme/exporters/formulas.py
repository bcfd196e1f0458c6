"""Formulas for print: each $...$ of a title or abstract as an inline SVG for WeasyPrint.

WeasyPrint lays out no MathML (it prints the text of the elements run together: $N^2$
reads "N2"). So the book draws its formulas itself: the web's MathML (`rich_text.mathml`,
with its limits and whitelist) is drawn by ziamath, pure Python, with the STIX Two Math
font it ships, into SVG paths that go inline into the book's HTML.

- Size and baseline: drawn at UNITS_PER_EM, the SVG is sized in em and lowered by its
  depth (`vertical-align`), so a formula takes the size of the text around it (a 13.5pt
  invited title, a 9pt abstract) and sits on its baseline.
- Glyphs as plain paths (ziamath's `svg2` off), not <symbol>s referenced by id: the ids
  would repeat across the many SVGs of one HTML document.
- The same fallback as the web: a formula that `rich_text` refuses, that ziamath cannot
  draw, or that needs a character the font lacks (Chinese in \\text{...}, which would
  print as empty boxes) is printed as its source text.
- Cost: 1 to 50 ms a formula; each is drawn once per process (cached by its TeX), and
  ziamath (0.4 s to import, its font included) is imported on the first formula.
"""

import unicodedata
import xml.etree.ElementTree as ET
from functools import lru_cache

from programme.rich_text import mathml

UNITS_PER_EM = 20  # SVG units of the drawing per em of the surrounding text
MARGIN = 0.5  # units around the ink, so that antialiased edges are not clipped


def load_ziamath():
    """ziamath, imported on first use and set to draw glyphs as paths (see above)."""
    import ziamath

    ziamath.config.svg2 = False
    return ziamath


def font_lacks(drawing, formula: ET.Element) -> bool:
    """Whether a character of the formula is missing from the math font. Invisible
    operators (U+2061 function application, ...) are not drawn, so not asked about."""
    characters = set("".join(formula.itertext()))
    return any(
        drawing.font.glyphindex(c) == 0 for c in characters if unicodedata.category(c) != "Cf"
    )


@lru_cache(maxsize=1024)
def formula_svg(latex: str, display: bool = False) -> str | None:
    """An inline <svg> of `latex` at the size and on the baseline of the text around it,
    or None (the caller prints the source) if it cannot be drawn faithfully."""
    source = mathml(latex, display)
    if source is None:
        return None
    # Parsed here: given a string, ziamath unescapes it before parsing (a<b would fail).
    formula = ET.fromstring(source)  # noqa: S314  rich_text's whitelisted MathML
    ziamath = load_ziamath()  # outside the try: a broken install is an error, not text
    try:
        drawing = ziamath.Math(formula, size=UNITS_PER_EM, margin=MARGIN)
        if font_lacks(drawing, formula):
            return None
        svg = drawing.svgxml()
    except Exception:  # ziamath refuses what it cannot lay out in many ways
        return None
    width, height = (float(svg.attrib.pop(name)) / UNITS_PER_EM for name in ("width", "height"))
    depth = (MARGIN - drawing.getyofst()) / UNITS_PER_EM  # below the baseline
    svg.set("class", "formula formula--display" if display else "formula")
    svg.set("style", f"width:{width:.3f}em;height:{height:.3f}em;vertical-align:{-depth:.3f}em")
    return ET.tostring(svg, encoding="unicode")
