"""Titles and abstracts as safe HTML: escaped text, paragraphs, $...$ as MathML.

LaTeX is converted on the server by latex2mathml, so pages need no script and no CDN.
latex2mathml copies \\text{...} through unescaped, so its output is parsed and rebuilt
from a whitelist of MathML elements and attributes; anything else falls back to the
escaped source text.
"""

import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from django.utils.html import escape
from latex2mathml.converter import convert

MATHML = "http://www.w3.org/1998/Math/MathML"
MATH_SEGMENT = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
ALLOWED_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup",
    "mfrac", "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced",
    "menclose", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mmultiscripts",
    "mprescripts", "none", "semantics", "annotation",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "width",
    "height", "depth", "columnalign", "rowspacing", "columnspacing", "linethickness",
    "accent", "accentunder", "form", "movablelimits", "symmetric", "largeop", "minsize",
    "maxsize", "notation", "scriptlevel", "displaystyle", "columnlines", "rowlines", "frame",
    "open", "close", "separators", "rowalign", "align", "mathsize", "mathcolor",
}  # fmt: skip


def mathml(latex: str, display: bool = False) -> str | None:
    """MathML for `latex`, or None if it cannot be converted safely."""
    try:
        source = convert(latex, display="block" if display else "inline")
        root = ET.fromstring(source)  # noqa: S314  (our converter's output, not a document)
    except Exception:
        return None
    for element in root.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace != "{" + MATHML or tag not in ALLOWED_TAGS:
            return None
        if any(name not in ALLOWED_ATTRIBUTES for name in element.attrib):
            return None
    return serialize(root, root=True)


def serialize(element, root: bool = False) -> str:
    """Checked MathML back to markup, every text and attribute escaped. Written here, not
    with ET.tostring, whose prefixes come from a process-wide registry that other
    libraries (WeasyPrint) change."""
    tag = element.tag.rpartition("}")[2]
    attributes = "".join(f' {name}="{escape(value)}"' for name, value in element.attrib.items())
    if root:
        attributes = f' xmlns="{MATHML}"' + attributes
    inner = escape(element.text or "") + "".join(serialize(child) for child in element)
    return f"<{tag}{attributes}>{inner}</{tag}>" + escape(element.tail or "")


def replace_matches(text: str, pattern: re.Pattern, render) -> str:
    """`text` escaped, except that each match of `pattern` becomes `render(match)`, which
    returns HTML it has escaped itself."""
    parts, position = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(render(match))
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def _math(match) -> str:
    latex, display = (match[1], True) if match[1] is not None else (match[2], False)
    return mathml(latex, display) or escape(match[0])


def inline_html(text: str) -> str:
    """Escaped text with its $...$ segments as MathML. No paragraphs."""
    return replace_matches(text, MATH_SEGMENT, _math)


@lru_cache(maxsize=8192)
def rich_html(text: str) -> str:
    """Paragraphs (blank lines) of inline_html; single line breaks become <br>."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + inline_html(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


@lru_cache(maxsize=8192)
def title_html(text: str) -> str:
    return inline_html(text)


def highlight(text: str, terms: list[str]) -> str:
    """Escaped `text` with every case-insensitive occurrence of `terms` in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.I)
    return replace_matches(text, pattern, lambda match: f"<mark>{escape(match[0])}</mark>")
