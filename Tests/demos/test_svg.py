"""`whs play FILE --svg OUT.svg`: the demo as an animated SVG image, checked as XML, as text
and by a real renderer (rsvg-convert, from Debian's librsvg2-bin)."""
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delivery"))
from receiver import WHS  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ONBOARDING = os.path.join(ROOT, "scripts", "examples", "onboarding.whs")
SVG = "{http://www.w3.org/2000/svg}"


def texts(path):
    tree = ET.parse(path)
    return ["".join(element.itertext()) for element in tree.iter(SVG + "text")]


def png_pixels(path):
    """The decoded scanlines of an 8-bit PNG (filter bytes included): enough to tell blank from not."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, width, height = 8, b"", 0, 0
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    return width, height, zlib.decompress(idat)


def test_the_onboarding_demo_as_an_image(tmp_path):
    out = tmp_path / "onboarding.svg"
    done = subprocess.run([WHS, "play", ONBOARDING, "--pace", "1", "--svg", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    body = out.read_text()
    assert "<script" not in body and "href=\"http" not in body, "self-contained, no script"
    lines = texts(out)
    # The captions, the typed statements and their real output, in order.
    assert "# The nine event types a webhook can subscribe to:" in lines
    assert "whs> $hook = add https://example.com/hooks/email events=deliver,open api_user=alice" in lines
    assert any(line.startswith("1   https://example.com/hooks/email") for line in lines)
    assert lines.index("# The nine event types a webhook can subscribe to:") < lines.index("whs> events")
    # Each run appears at its moment, later ones later.
    delays = [float(d) for d in re.findall(r"animation-delay:([0-9.]+)s", body)]
    assert len(delays) > 100 and delays == sorted(delays) and delays[-1] > 0
    # The demo is longer than its frame: the page scrolls.
    assert "@keyframes scroll" in body
    # Colours as at a terminal: captions in yellow, the prompt in cyan.
    assert 'fill="#e5c07b"' in body and 'fill="#56b6c2"' in body

    png = tmp_path / "onboarding.png"
    subprocess.run(["rsvg-convert", str(out), "-o", str(png)], check=True, timeout=60)
    width, height, pixels = png_pixels(png)
    assert (width, height) == tuple(int(v) for v in re.search(r'width="(\d+)" height="(\d+)"', body).groups())
    assert len(set(pixels)) > 50, "the rendered image is not blank"


def test_a_size_sets_the_frame(tmp_path):
    out = tmp_path / "small.svg"
    subprocess.run([WHS, "play", ONBOARDING, "--pace", "0", "--svg", str(out), "--size", "60x10"], check=True,
                   capture_output=True, timeout=120)
    root = ET.parse(out).getroot()
    assert root.get("width") == str(int(12 * 2 + 60 * 8.4)) and root.get("height") == str(int(28 + 24 + 10 * 18))
    bad = subprocess.run([WHS, "play", ONBOARDING, "--size", "60x10"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--size is the size of the --svg image" in bad.stderr


def test_the_image_in_the_docs_is_the_onboarding_demo():
    """docs/images/onboarding.svg is made by scripts/demo-images from the example; it shows
    every statement of the example as it is now."""
    committed = os.path.join(ROOT, "docs", "images", "onboarding.svg")
    lines = texts(committed)
    with open(ONBOARDING) as f:
        statements = [line for line in f.read().splitlines() if line and not line.startswith("#") and not line.startswith(" ")
                      and not line.startswith("}")]
    for statement in statements:
        assert f"whs> {statement}" in lines, f"{statement!r} is not in the image: run scripts/demo-images"
