"""Multi-page PDFs with real text (and optional picture weight) for reader, search and bench tests.

Written by hand (no PDF library in the project): Helvetica text, one content stream per page, optionally one
incompressible RGB picture per page so a book has the weight of a scanned textbook, and a correct xref table.
Each page's objects are written together, as office suites export them, so the page dictionaries are spread
over the file: the layout the reader's copy (media.processing.pdfs.reader_copy) exists to fix.
"""
from __future__ import annotations

import io
import random


def _escape(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def make_text_pdf(pages: list[str], picture_bytes: int = 0, seed: int = 7) -> bytes:
    """A PDF whose page ``i`` shows ``pages[i]`` (Latin-1 text, one line per ``\\n``) in large type.

    ``picture_bytes`` > 0 adds a random (incompressible) RGB picture of about that size to every page.
    """
    rng = random.Random(seed)
    count = len(pages)
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    add(b"<< /Type /Catalog /Pages 2 0 R >>")
    add(b"")  # the page tree, filled in once the kids are known
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    side = max(8, int((picture_bytes / 3) ** 0.5))
    # Each page's picture, content and page dictionary are written together, as office suites write them: the
    # page dictionaries end up spread over the whole file, one per page's worth of bytes.
    for text in pages:
        resources = b"/Font << /F1 %d 0 R >>" % font
        lines = [b"BT /F1 28 Tf 60 760 Td 34 TL"] + [b"(%s) '" % _escape(line) for line in text.split("\n")]
        lines.append(b"ET")
        if picture_bytes:
            data = rng.randbytes(side * side * 3)
            picture = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                          b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream" % (side, side, len(data), data))
            lines.append(b"q 400 0 0 400 97 120 cm /Im1 Do Q")
            resources += b" /XObject << /Im1 %d 0 R >>" % picture
        content = b"\n".join(lines)
        stream = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        kids.append(add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                        b"/Resources << %s >> >>" % (stream, resources)))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), count)
    return assemble(objects)


def assemble(objects: list[bytes]) -> bytes:
    """A PDF file of ``objects`` (object n is ``objects[n - 1]``, object 1 the catalog) with its xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, obj))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
