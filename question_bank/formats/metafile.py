"""Windows metafile pictures (WMF, EMF) to PNG, so a picture browsers cannot show is still imported.

Word keeps the preview of every MathType formula as a WMF picture, and teachers paste clip art as WMF/EMF.
When a formula cannot be turned into LaTeX its preview is all there is, and a PNG of it is far better than
nothing. This module is the one place that runs the outside converters: libwmf's ``wmf2gd`` for WMF (a
small C program, ~20 ms a picture, so it runs once per picture) and LibreOffice for EMF (seconds to start,
so all EMF pictures of a file go to one batched call; its page-sized output is trimmed with Pillow). A
picture neither can convert is left out of the result; the importer then reports it as before.
"""
from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile

#: Resolution of the PNG made from a WMF: twice the 72 dpi libwmf assumes, so formulas stay readable.
WMF_DPI = 144
#: Largest side of a converted picture in pixels (a crafted header must not ask for a huge canvas).
MAX_SIDE = 2000
WMF_TIMEOUT_S = 10
OFFICE_TIMEOUT_S = 60
_PLACEABLE_KEY = 0x9AC6CDD7


def kind_of(data: bytes) -> str | None:
    """"wmf" or "emf" from the first bytes (placeable or plain WMF, EMF header record), else None."""
    if data[:4] == struct.pack("<I", _PLACEABLE_KEY):
        return "wmf"
    if len(data) >= 44 and data[:4] == b"\x01\x00\x00\x00" and data[40:44] == b" EMF":
        return "emf"
    if data[:6] in (b"\x01\x00\x09\x00\x00\x03", b"\x02\x00\x09\x00\x00\x03"):
        return "wmf"
    return None


def _wmf_size(data: bytes) -> tuple[int, int]:
    """Pixel size for a placeable WMF at WMF_DPI (bounding box over units per inch); a default otherwise."""
    if len(data) >= 16 and kind_of(data) == "wmf" and data[:4] == struct.pack("<I", _PLACEABLE_KEY):
        left, top, right, bottom, inch = struct.unpack("<hhhhH", data[6:16])
        if inch > 0 and right > left and bottom > top:
            width = round((right - left) / inch * WMF_DPI)
            height = round((bottom - top) / inch * WMF_DPI)
            return max(1, min(width, MAX_SIDE)), max(1, min(height, MAX_SIDE))
    return 400, 200


def to_png(pictures: dict[str, bytes]) -> dict[str, bytes]:
    """PNG bytes for each WMF/EMF picture that could be converted, by the same key; others are left out."""
    wmf = {key: data for key, data in pictures.items() if kind_of(data) == "wmf"}
    emf = {key: data for key, data in pictures.items() if kind_of(data) == "emf"}
    out: dict[str, bytes] = {}
    if not wmf and not emf:
        return out
    with tempfile.TemporaryDirectory(prefix="metafile-") as folder:
        if wmf and shutil.which("wmf2gd"):
            out.update(_with_wmf2gd(wmf, folder))
        # LibreOffice reads WMF too: it takes what libwmf could not (or all of them, without libwmf).
        left = {**{k: v for k, v in wmf.items() if k not in out}, **emf}
        if left and (shutil.which("soffice") or shutil.which("libreoffice")):
            out.update(_with_office(left, folder))
    return out


def _with_wmf2gd(pictures: dict[str, bytes], folder: str) -> dict[str, bytes]:
    out = {}
    for index, (key, data) in enumerate(pictures.items()):
        source = os.path.join(folder, f"w{index}.wmf")
        target = os.path.join(folder, f"w{index}.png")
        with open(source, "wb") as handle:
            handle.write(data)
        width, height = _wmf_size(data)
        try:
            subprocess.run(["wmf2gd", "-t", "png", f"--maxwidth={width}", f"--maxheight={height}", "--maxpect",
                            "-o", target, source], check=True, capture_output=True, timeout=WMF_TIMEOUT_S)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
            continue
        png = _read_png(target)
        if png:
            out[key] = png
    return out


def _with_office(pictures: dict[str, bytes], folder: str) -> dict[str, bytes]:
    names = {}
    for index, (key, data) in enumerate(pictures.items()):
        name = f"o{index}.{kind_of(data)}"
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(data)
        names[key] = name
    office = shutil.which("soffice") or shutil.which("libreoffice")
    profile = os.path.join(folder, "profile")
    # A private profile: two imports at once must not fight over (or wait on) the user's LibreOffice profile.
    command = [office, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "png", "--outdir", os.path.join(folder, "png")]
    try:
        subprocess.run(command + [os.path.join(folder, name) for name in names.values()], check=False,
                       capture_output=True, timeout=OFFICE_TIMEOUT_S, cwd=folder)
    except (subprocess.TimeoutExpired, OSError):
        return {}
    out = {}
    for key, name in names.items():
        png = _read_png(os.path.join(folder, "png", os.path.splitext(name)[0] + ".png"))
        if png:
            out[key] = _trimmed(png)
    return out


def _trimmed(png: bytes) -> bytes:
    """The picture cut to its drawing plus a small margin: LibreOffice draws a metafile on a whole A4 page."""
    from PIL import Image, ImageChops  # imported here: only LibreOffice's page-sized output needs trimming

    with Image.open(io.BytesIO(png)) as page:
        page = page.convert("RGBA")
        white = Image.new("RGBA", page.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, page).convert("RGB")
        box = ImageChops.difference(flat, Image.new("RGB", page.size, (255, 255, 255))).getbbox()
        if box is None:
            return png
        margin = 4
        box = (max(box[0] - margin, 0), max(box[1] - margin, 0), min(box[2] + margin, page.width),
               min(box[3] + margin, page.height))
        out = io.BytesIO()
        flat.crop(box).save(out, format="PNG")
        return out.getvalue()


def _read_png(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return data if data.startswith(b"\x89PNG\r\n\x1a\n") else None
