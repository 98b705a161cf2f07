"""Draw the application icon (resources/icons/aigclabel.png, 256 px, plus 64 and 32 px):
a picture frame with mountains and the "AI" label plate in its corner — what the app does.

    .venv/bin/python packaging/make_icon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "resources" / "fonts" / "NotoSansSC-Regular-subset.otf"
S = 1024  # drawn large, then downscaled for smooth edges


def draw() -> Image.Image:
    im = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    # Rounded tile with a vertical sky gradient.
    sky = Image.new("RGBA", (S, S))
    sd = ImageDraw.Draw(sky)
    for y in range(S):
        f = y / S
        sd.line(
            [(0, y), (S, y)], fill=(int(40 + 150 * f), int(96 + 90 * f), int(190 - 20 * f), 255)
        )
    mask = Image.new("L", (S, S), 0)
    ImageDraw.Draw(mask).rounded_rectangle((40, 40, S - 40, S - 40), radius=190, fill=255)
    im.paste(sky, mask=mask)
    # Sun and two mountains.
    d.ellipse((610, 190, 790, 370), fill=(255, 226, 150, 255))
    d.polygon([(40, 820), (330, 400), (560, 720), (40, 984)], fill=(92, 84, 140, 255))
    d.polygon([(300, 984), (640, 470), (984, 860), (984, 984)], fill=(52, 62, 100, 255))
    im.putalpha(Image.composite(im.getchannel("A"), Image.new("L", (S, S), 0), mask))
    # The label plate: black pill with white "AI", bottom-right, as the app draws it.
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((470, 700, 930, 920), radius=110, fill=(0, 0, 0, 255))
    font = ImageFont.truetype(str(FONT), 190)
    d.text((700, 800), "AI", font=font, fill=(255, 255, 255, 255), anchor="mm")
    return im


def main() -> int:
    out = ROOT / "resources" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    big = draw()
    for size, name in ((256, "aigclabel.png"), (64, "aigclabel-64.png"), (32, "aigclabel-32.png")):
        big.resize((size, size), Image.Resampling.LANCZOS).save(out / name, optimize=True)
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
