"""PAdES signing and validation with pyHanko (the only pyHanko import): no hand-written PDF or CMS code.

Signers sit behind ``Signer`` so that a USB token (PKCS#11) or a remote signing service can replace the
PKCS#12 file used today: ``sign`` only needs something that yields a pyHanko signer.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import pem, x509 as asn1_x509
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from lms.core.errors import ValidationFailed

FONT_PATH = os.path.join(os.environ.get("LMS_FONT_DIR", "/usr/share/fonts/truetype/dejavu"), "DejaVuSans.ttf")


class Signer:
    """Where a signature's key lives. Today a PKCS#12 file; a token or a remote service implements the same."""

    def pyhanko_signer(self) -> signers.Signer:
        raise TypeError(f"{type(self).__name__} does not provide a signer")


class Pkcs12Signer(Signer):
    """A key and certificate from a PKCS#12 (.p12/.pfx) upload; a wrong password or file is a 422."""

    def __init__(self, data: bytes, password: str | bytes | None):
        secret = password.encode() if isinstance(password, str) else password
        try:
            self._signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=secret or None)
        except Exception:
            self._signer = None
        if self._signer is None:
            raise ValidationFailed(errors={"pkcs12": ["Không mở được tệp chứng thư số (sai tệp hoặc mật khẩu)."]})

    def pyhanko_signer(self) -> signers.Signer:
        return self._signer

    @property
    def subject_name(self) -> str:
        return self._signer.signing_cert.subject.native.get("common_name") or ""


def _outside_event_loop(fn, *args, **kwargs):
    """pyHanko's synchronous calls run their own asyncio loop, which fails inside a thread that already runs
    one (an async server, or a test process where Playwright's sync API holds a loop): run them in a thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def sign(pdf: bytes, signer: Signer, *, field: str, box: tuple, label: str, reason: str, location: str = "") -> bytes:
    """``pdf`` plus one PAdES signature in a new incremental update, visible in ``box`` on the last page."""
    stamp = TextStampStyle(stamp_text=f"{label}\n%(signer)s\nKý lúc: %(ts)s",
                           text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(FONT_PATH), font_size=8),
                           timestamp_format="%d/%m/%Y %H:%M:%S %Z", border_width=0)
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location=location or None)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    pdf_signer = signers.PdfSigner(meta, signer=signer.pyhanko_signer(), stamp_style=stamp,
                                   new_field_spec=fields.SigFieldSpec(sig_field_name=field, on_page=-1, box=box))
    return _outside_event_loop(pdf_signer.sign_pdf, writer).getvalue()


@dataclass
class SignatureReport:
    field: str
    name: str
    signed_at: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    modified_after: bool


def load_roots(path: str | None) -> list:
    """Trusted root certificates from a PEM or DER file (GRADEBOOK_TRUSTED_ROOTS), or none."""
    if not path or not os.path.exists(path):
        return []
    with open(path, "rb") as fh:
        data = fh.read()
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


# What a later revision may do without counting as "modified after signing": nothing, LTA updates, or filling
# in form fields, which is how the next signer's signature is added.
_ALLOWED = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


def verify(pdf: bytes, trusted_roots: list) -> list[SignatureReport]:
    """Every signature of ``pdf`` validated by pyHanko's validator against ``trusted_roots``."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, OSError):
        raise ValidationFailed(errors={"file": ["Không đọc được tệp PDF."]}) from None
    context = ValidationContext(trust_roots=trusted_roots, allow_fetching=False, revocation_mode="soft-fail")
    reports = []
    for sig in embedded:
        try:
            status = _outside_event_loop(validate_pdf_signature, sig, context)
        except Exception:  # a mangled signature dictionary: report it as broken rather than fail the request
            reports.append(SignatureReport(sig.field_name, "", None, False, False, False, True))
            continue
        cert = status.signing_cert
        name = cert.subject.native.get("common_name", "") if cert is not None else ""
        modified = status.modification_level not in _ALLOWED or not status.docmdp_ok
        reports.append(SignatureReport(
            field=sig.field_name, name=name, signed_at=status.signer_reported_dt, intact=bool(status.intact),
            valid=bool(status.intact and status.valid), trusted=bool(status.trusted and trusted_roots),
            modified_after=bool(modified)))
    return reports
