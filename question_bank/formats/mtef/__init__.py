"""MathType and Equation Editor 3.0 formulas (OLE objects in Word files) to LaTeX.

Vietnamese exam papers are mostly typed with MathType: each formula is an OLE object
(``word/embeddings/oleObjectN.bin``, ProgID ``Equation.DSMT4`` or ``Equation.3``) whose ``Equation Native``
stream holds the formula as MTEF records, next to a WMF picture of it. No maintained Python library reads
MTEF, so :mod:`.records` parses it and :mod:`.latex` writes LaTeX. olefile (the usual reader of OLE compound
files) is imported here only.
"""
from __future__ import annotations

import io

from question_bank.formats.mtef.latex import equation_latex
from question_bank.formats.mtef.records import MtefError, parse

__all__ = ["MtefError", "mtef_to_latex", "ole_equation_to_latex"]

#: The OLE equation header before the MTEF data: cbHdr (28), version, clipboard format, size, 4 reserved.
OLE_HEADER_SIZE = 28
#: Largest ``Equation Native`` stream read; real formulas are a few hundred bytes to a few kilobytes.
MAX_STREAM_BYTES = 1024 * 1024


def mtef_to_latex(mtef: bytes) -> str:
    """LaTeX (without ``$``) of raw MTEF data; raises MtefError when it cannot be read or converted."""
    try:
        return equation_latex(parse(mtef))
    except RecursionError:
        raise MtefError("công thức lồng nhau quá sâu") from None


def ole_equation_to_latex(ole: bytes) -> str:
    """LaTeX of the formula in an embedded OLE object (``oleObjectN.bin``); MtefError when it has none or it
    cannot be converted (the caller then keeps the formula's picture)."""
    import olefile  # imported here: only formulas embedded as OLE objects need it

    # olefile raises many kinds of errors for corrupt containers (OSError, ValueError, IndexError, TypeError,
    # struct.error...): any of them only means this one formula cannot be read, never the whole file.
    try:
        container = olefile.OleFileIO(io.BytesIO(ole))
    except Exception as exc:
        raise MtefError("đối tượng nhúng không phải tệp OLE hợp lệ") from exc
    try:
        if not container.exists("Equation Native"):
            raise MtefError("đối tượng nhúng không chứa công thức MathType (Equation Native)")
        if container.get_size("Equation Native") > MAX_STREAM_BYTES:
            raise MtefError("dữ liệu công thức quá lớn")
        stream = container.openstream("Equation Native").read()
    except MtefError:
        raise
    except Exception as exc:
        raise MtefError("không đọc được dữ liệu công thức") from exc
    finally:
        container.close()
    header = int.from_bytes(stream[:2], "little") if len(stream) >= 2 else 0
    return mtef_to_latex(stream[header if 0 < header <= 64 else OLE_HEADER_SIZE:])
