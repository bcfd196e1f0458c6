"""Titles and abstracts as safe HTML: escaped text, paragraphs, $...$ as MathML; and as
plain text, for the places that cannot show markup (the browser tab, calendars, frab
files, search results): `plain_text()`, the same formulas written out readably.

(The programme book typesets the same formulas as SVG instead: it passes its own
`typeset` to `inline_html` / `paragraphs_html`, so the limits and the fallback below are
the same in print; see programme/exporters/formulas.py.)

LaTeX is converted on the server by latex2mathml, so pages need no script and no CDN.
latex2mathml copies \\text{...} through unescaped, so its output is parsed and rebuilt
from a whitelist of MathML elements and attributes.

Rich text never fails a page: a formula that is too long, nested too deeply, one too many
in its text, that the converter refuses or that the rebuild rejects is shown as its
escaped source text. The limits are far above anything in the programme books (measured
on fixtures/*.yaml: at most 74 characters, 2 levels of braces, a MathML tree 7 deep and
16 formulas in one text) and keep the work per text bounded: latex2mathml and the
serialiser never see input deep enough to exhaust Python's stack, and a megabyte of
hostile text costs at most MAX_FORMULAS_PER_TEXT conversions of MAX_FORMULA_LENGTH
characters.
"""

import itertools
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from functools import lru_cache
from html import escape  # what django.utils.html.escape calls, without its lazy wrapper

from latex2mathml.converter import convert

MATHML = "http://www.w3.org/1998/Math/MathML"
MATH_SEGMENT = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
MAX_FORMULA_LENGTH = 1_000  # characters of LaTeX between the dollars
MAX_FORMULA_NESTING = 20  # levels of {...}, \left...\right and \begin...\end
MAX_MATHML_DEPTH = 80  # elements; a level of LaTeX nesting adds one to three
MAX_FORMULAS_PER_TEXT = 100  # converted; later ones in the same text stay source
NESTING_TOKEN = re.compile(r"\\(?:left|begin)\b|\\(?:right|end)\b|[{}]")
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


def nesting(latex: str) -> int:
    """How deeply `latex` nests groups ({...}, \\left...\\right, \\begin...\\end)."""
    depth = deepest = 0
    for token in NESTING_TOKEN.finditer(latex):
        opens = token[0] == "{" or token[0] in ("\\left", "\\begin")
        depth += 1 if opens else -1
        deepest = max(deepest, depth)
    return deepest


def mathml(latex: str, display: bool = False) -> str | None:
    """MathML for `latex`, or None if it is beyond the limits or cannot be converted
    safely. Any failure of the converter or of the rebuild is a None, never an error."""
    if len(latex) > MAX_FORMULA_LENGTH or nesting(latex) > MAX_FORMULA_NESTING:
        return None
    try:
        source = convert(latex, display="block" if display else "inline")
        root = ET.fromstring(source)  # noqa: S314  (our converter's output, not a document)
        return serialize(root)
    except Exception:
        return None


def serialize(root: ET.Element) -> str | None:
    """Checked MathML back to markup, every text and attribute escaped; None if an element
    or attribute is not whitelisted or the tree is deeper than MAX_MATHML_DEPTH.

    Written here, not with ET.tostring, whose prefixes come from a process-wide registry
    that other libraries (WeasyPrint) change; and with a stack of its own rather than
    recursion, so no tree can exhaust Python's."""
    parts: list[str] = []
    stack: list[tuple[ET.Element, int]] = [(root, 1)]  # depth 0: the element's end tag
    while stack:
        element, depth = stack.pop()
        namespace, _, tag = element.tag.rpartition("}")
        if depth == 0:
            parts.append(f"</{tag}>" + escape(element.tail or ""))
            continue
        if depth > MAX_MATHML_DEPTH or namespace != "{" + MATHML or tag not in ALLOWED_TAGS:
            return None
        if any(name not in ALLOWED_ATTRIBUTES for name in element.attrib):
            return None
        attributes = "".join(f' {name}="{escape(value)}"' for name, value in element.attrib.items())
        if element is root:
            attributes = f' xmlns="{MATHML}"' + attributes
        parts.append(f"<{tag}{attributes}>" + escape(element.text or ""))
        stack.append((element, 0))
        stack.extend((child, depth + 1) for child in reversed(element))
    return "".join(parts)


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


def paragraphs(text: str) -> list[str]:
    """The paragraphs of `text` (separated by blank lines), stripped, empty ones dropped."""
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def inline_html(
    text: str,
    formulas: Iterator[int] | None = None,
    typeset: Callable[[str, bool], str | None] = mathml,
) -> str:
    """Escaped text with its $...$ segments as MathML (or what `typeset` makes of
    (latex, display); None shows the escaped source instead). No paragraphs. `formulas`
    counts the formulas of the whole text when it is rendered in parts (paragraphs)."""
    formulas = formulas if formulas is not None else itertools.count()

    def render(match) -> str:
        latex, display = (match[1], True) if match[1] is not None else (match[2], False)
        converted = next(formulas) < MAX_FORMULAS_PER_TEXT and typeset(latex, display)
        return converted or escape(match[0])

    return replace_matches(text, MATH_SEGMENT, render)


def paragraphs_html(text: str, typeset: Callable[[str, bool], str | None] = mathml) -> list[str]:
    """The inner HTML of each paragraph (blank lines) of `text`: inline_html, with single
    line breaks as <br>."""
    formulas = itertools.count()
    return [inline_html(p, formulas, typeset).replace("\n", "<br>") for p in paragraphs(text)]


@lru_cache(maxsize=8192)
def rich_html(text: str) -> str:
    """Paragraphs (blank lines) of inline_html; single line breaks become <br>."""
    return "".join(f"<p>{p}</p>" for p in paragraphs_html(text))


@lru_cache(maxsize=8192)
def title_html(text: str) -> str:
    return inline_html(text)


def highlight(text: str, terms: list[str]) -> str:
    """Escaped `text` with every case-insensitive occurrence of `terms` in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.I)
    return replace_matches(text, pattern, lambda match: f"<mark>{escape(match[0])}</mark>")


# ---------------------------------------------------------------------------
# Plain text: what a calendar, a frab file, a tab title or a search result shows.

INVISIBLE_OPERATORS = dict.fromkeys(range(0x2061, 0x2065))  # function application etc.
# An accent over one letter (\tilde{O}) becomes the letter with a combining accent (Õ).
COMBINING_ACCENTS = {"~": "\u0303", "^": "\u0302", "¯": "\u0304", "˙": "\u0307", "→": "\u20d7"}


@lru_cache(maxsize=8192)
def plain_text(text: str) -> str:
    """`text` with each $...$ written out as readable text rather than LaTeX:
    `Neural Operators in $d+1$ Dimensions` -> `Neural Operators in d+1 Dimensions`,
    `$F_{p,\\pi}$` -> `F_(p, π)`, `$\\mathcal{O}(\\epsilon^{-4})$` -> `𝒪(ϵ^(−4))`.

    The formula goes through the same conversion as the web pages (`mathml`), whose tree
    is then read as text; a formula the web shows as its source (too long, refused) loses
    only its dollars here. Not escaped: the caller's output format escapes it."""
    formulas = itertools.count()

    def render(match) -> str:
        latex = match[1] if match[1] is not None else match[2]
        converted = next(formulas) < MAX_FORMULAS_PER_TEXT and mathml(latex)
        if not converted:
            return latex.strip()
        # NFC: an accent written as a combining character joins its letter (O + ◌̃ = Õ).
        return unicodedata.normalize("NFC", math_text(ET.fromstring(converted)))  # noqa: S314

    parts, position = [], 0
    for match in MATH_SEGMENT.finditer(text):
        parts.append(text[position : match.start()])
        parts.append(render(match))
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)


def math_text(element: ET.Element) -> str:
    """A checked MathML tree (see `serialize`: at most MAX_MATHML_DEPTH deep) as text:
    scripts as `x^2` and `F_(p, π)`, fractions as `1/t`, roots as `√x`, an accent over a
    letter as the accented letter; words such as `log` and `max` set apart by spaces."""
    tag = element.tag.rpartition("}")[2]
    children = list(element)
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        word = (element.text or "").translate(INVISIBLE_OPERATORS).strip()
        if word == ",":
            return ", "
        return f" {word} " if len(word) > 1 and word.isalpha() else word
    if tag == "mspace":
        return " "
    if tag in ("msub", "munder") and len(children) == 2:
        return script(children[0], "_", children[1])
    if tag == "msup" and len(children) == 2:
        return script(children[0], "^", children[1])
    if tag in ("msubsup", "munderover") and len(children) == 3:
        return script(children[0], "_", children[1]).rstrip() + "^" + grouped(children[2])
    if tag == "mover" and len(children) == 2:
        base, accent = math_text(children[0]).strip(), (children[1].text or "").strip()
        if len(base) == 1 and accent in COMBINING_ACCENTS:
            return base + COMBINING_ACCENTS[accent]
        return script(children[0], "^", children[1])
    if tag == "mfrac" and len(children) == 2:
        return grouped(children[0]) + "/" + grouped(children[1])
    if tag == "msqrt":
        return "√" + grouped(element, children)
    if tag == "mroot" and len(children) == 2:
        return grouped(children[1]) + "√" + grouped(children[0])
    text = "".join(math_text(child) for child in children)
    return " ".join(text.split()) if tag == "math" else text


def script(base: ET.Element, mark: str, attached: ET.Element) -> str:
    """`base` with a sub- or superscript; a word as base keeps its space after (`min_x f`)."""
    written = math_text(base)
    return written.rstrip() + mark + grouped(attached) + (" " if written.endswith(" ") else "")


def grouped(element: ET.Element, parts: list[ET.Element] | None = None) -> str:
    """`element` (or these `parts` of it) as text: as it is if it is one token (`2`, `γ`,
    `max`), in brackets if more (`(−4)`, `(p, π)`), so that `^` and `/` bind as meant."""
    parts = [element] if parts is None else parts
    written = "".join(math_text(part) for part in parts).strip()
    tokens = sum(1 for part in parts for e in part.iter() if not len(e))
    return written if tokens <= 1 else f"({written})"
