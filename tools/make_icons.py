"""Draw the site's icons: the brand mark "CSML" in white on the accent red of site.css.

Run once when the mark changes; the files are committed (programme/static/programme/icons/):

    .venv/bin/python tools/make_icons.py

Writes icon-192.png and icon-512.png (rounded square, for the app list and the install
prompt), icon-maskable-512.png (full bleed, the mark inside the central 80% that every
launcher's mask keeps), apple-touch-icon.png (180 px, iOS rounds it itself) and
favicon.ico (16, 32 and 48 px). Colours are quantised to a small palette: the icons
are part of every year's offline set, so they should weigh little.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ICONS = Path(__file__).resolve().parent.parent / "programme" / "static" / "programme" / "icons"
ACCENT = (155, 28, 28)  # --accent: #9b1c1c
WHITE = (255, 255, 255)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def draw(size: int, *, rounded: bool, mark_width: float, text: str = "CSML") -> Image.Image:
    """The mark (`text`) centred on `size` px, `mark_width` of the width wide."""
    scale = 4  # drawn large, then reduced: smooth edges without anti-aliasing options
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(image)
    if rounded:
        canvas.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=ACCENT)
    else:
        canvas.rectangle((0, 0, big, big), fill=ACCENT)
    font_size = big
    font = ImageFont.truetype(FONT, font_size)
    width = canvas.textlength(text, font=font)
    font = ImageFont.truetype(FONT, int(font_size * big * mark_width / width))
    left, top, right, bottom = canvas.textbbox((0, 0), text, font=font)
    position = ((big - (right - left)) / 2 - left, (big - (bottom - top)) / 2 - top)
    canvas.text(position, text, font=font, fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def small(image: Image.Image) -> Image.Image:
    return image.quantize(colors=32, method=Image.Quantize.FASTOCTREE)


def main():
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        small(draw(size, rounded=True, mark_width=0.78)).save(
            ICONS / f"icon-{size}.png", optimize=True
        )
    small(draw(512, rounded=False, mark_width=0.6)).save(
        ICONS / "icon-maskable-512.png", optimize=True
    )
    touch = draw(180, rounded=False, mark_width=0.7).convert("RGB")
    small(touch).save(ICONS / "apple-touch-icon.png", optimize=True)
    # At 16 px four letters are a smudge: the tab icon there is the C alone.
    # (Pillow takes the largest as the base image and the others for their own sizes.)
    tab = draw(16, rounded=True, mark_width=0.7, text="C")
    middle = draw(32, rounded=True, mark_width=0.88)
    largest = draw(48, rounded=True, mark_width=0.88)
    largest.save(
        ICONS / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)], append_images=[tab, middle]
    )
    for path in sorted(ICONS.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
