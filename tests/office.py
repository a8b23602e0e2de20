"""What a printed Word file looks like on paper: LibreOffice (with its Math module, libreoffice-math-nogui)
turns it into a PDF and poppler's pdftotext reads the text back, formulas typeset as glyphs. Shared by the
DOCX export tests and the browser journey that downloads a printed paper."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

#: Skip (locally) when the converters are missing; `make test` installs both.
needs_office = pytest.mark.skipif(shutil.which("libreoffice") is None or shutil.which("pdftotext") is None,
                                  reason="LibreOffice and poppler-utils are installed by `make test`")


def docx_as_printed_text(source: Path, workdir: Path) -> str:
    """The text of ``source`` as LibreOffice prints it (``pdftotext -layout``), converted in ``workdir`` with a
    throwaway LibreOffice profile (a shared one locks when two conversions run at once)."""
    done = subprocess.run(["libreoffice", f"-env:UserInstallation=file://{workdir / 'lo-profile'}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(workdir), str(source)],
                          capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    pdf = workdir / (source.stem + ".pdf")
    assert pdf.exists(), done.stdout
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
