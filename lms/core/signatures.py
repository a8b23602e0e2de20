"""X.509 signatures with pyHanko (the only pyHanko, pyhanko_certvalidator and asn1crypto import): PAdES for the
học bạ PDF, detached CMS for the gradebook sign-off, RFC 3161 timestamps from a TSA, and validation of both by
pyHanko's maintained validator. No hand-written DER, PDF or CMS code.

Signers sit behind ``Signer`` so that a USB token (PKCS#11) or a remote signing service can replace the
PKCS#12 file used today: signing only needs something that yields a pyHanko signer.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
from dataclasses import dataclass

from asn1crypto import cms, core, keys, pem, pkcs12 as asn1_pkcs12, x509 as asn1_x509
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata import model as xmp
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.generic_cms import (async_validate_detached_cms, extract_certs_for_validation,
                                                 extract_self_reported_ts, extract_signer_info)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .errors import ValidationFailed

FONT_PATH = os.path.join(os.environ.get("LMS_FONT_DIR", "/usr/share/fonts/truetype/dejavu"), "DejaVuSans.ttf")
#: A document signature needs a certificate allowed to sign: digitalSignature or nonRepudiation (Vietnamese
#: signing certificates carry both; either is enough, as RFC 5280 leaves the choice to the issuer).
SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                        match_all_key_usages=False)
#: Seconds to wait for the timestamp authority before the signature fails (the signer can try again).
TSA_TIMEOUT = 10


# --------------------------------------------------------------------------------------------------
# Signers, trust roots, timestamps
# --------------------------------------------------------------------------------------------------


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


class KeySigner(Signer):
    """A private key and certificate already opened (by ``cryptography``), with the CA chain that came along."""

    def __init__(self, private_key_pkcs8_der: bytes, certificate_der: bytes, chain_der: list[bytes]):
        self._signer = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(certificate_der),
            signing_key=keys.PrivateKeyInfo.load(private_key_pkcs8_der),
            cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(c) for c in chain_der]))

    def pyhanko_signer(self) -> signers.Signer:
        return self._signer


def is_pkcs12(data: bytes) -> bool:
    """Whether ``data`` has the PKCS#12 (PFX) structure at all, to tell a wrong file from a wrong password."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        pfx["auth_safe"]["content_type"].native  # noqa: B018  (parsing is lazy: touch what a PFX must have)
        return pfx["version"].native == "v3"
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        return False


def load_roots(configured: str | None) -> list:
    """Trusted root certificates from GRADEBOOK_TRUSTED_ROOTS: a PEM bundle given as text or as a file path
    (PEM or one DER certificate); an empty list when unset or the file is missing."""
    if not configured:
        return []
    if "-----BEGIN" in configured:
        data = configured.encode("ascii")
    elif os.path.exists(configured):
        with open(configured, "rb") as fh:
            data = fh.read()
    else:
        return []
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def timestamper(tsa_url: str | None):
    """An RFC 3161 client for SIGNING_TSA_URL, or None (then signatures carry only the signer's own clock)."""
    return HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT) if tsa_url else None


class TimestampUnavailable(Exception):
    """The configured TSA did not answer, or answered with something other than a timestamp token."""


def _stamped(make_coroutine, tsa_url: str | None):
    """``_run`` for a signing call: a TSA failure becomes ``TimestampUnavailable`` naming the TSA's answer."""
    try:
        return _run(make_coroutine)
    except TimestampRequestError as error:
        raise TimestampUnavailable(f"{tsa_url}: {error}") from None


def _run(make_coroutine):
    """Run one of pyHanko's coroutines to the end. A thread that already runs an event loop (an async server,
    or a test process where Playwright's sync API holds one) cannot start another, so that case uses a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _context(trusted_roots: list, moment: dt.datetime | None = None) -> ValidationContext:
    # No fetching: a verifier must not call out to CRL/OCSP URLs named inside an uploaded file.
    return ValidationContext(trust_roots=trusted_roots, allow_fetching=False, revocation_mode="soft-fail",
                             moment=moment)


def _common_name(certificate) -> str:
    return certificate.subject.native.get("common_name", "") if certificate is not None else ""


@dataclass(frozen=True)
class Timestamp:
    """An RFC 3161 signature timestamp: the TSA's time, whether its token is intact and correctly signed
    (``valid``), and whether the TSA's certificate chains to a trusted root (``trusted``)."""

    time: dt.datetime
    valid: bool
    trusted: bool


def _timestamp(status) -> Timestamp | None:
    ts = getattr(status, "timestamp_validity", None)
    if ts is None:
        return None
    return Timestamp(time=ts.timestamp, valid=bool(ts.intact and ts.valid), trusted=bool(ts.trusted))


# --------------------------------------------------------------------------------------------------
# Detached CMS (gradebook sign-off)
# --------------------------------------------------------------------------------------------------


def sign_detached(data: bytes, signer: Signer, signed_at: dt.datetime, tsa_url: str | None = None) -> bytes:
    """A detached CMS SignedData (DER) over ``data``, SHA-256, with the signing time ``signed_at`` and, when a
    TSA is configured, an RFC 3161 signature timestamp."""
    settings = PdfCMSSignedAttributes(signing_time=signed_at)
    stamper = timestamper(tsa_url)
    content = _stamped(lambda: signer.pyhanko_signer().async_sign_general_data(
        data, "sha256", detached=True, timestamper=stamper, signed_attr_settings=settings), tsa_url)
    return content.dump()


@dataclass(frozen=True)
class DetachedCheck:
    """What pyHanko's validator says of one detached CMS signature.

    ``problem`` is None when everything asked for holds, else ``malformed``, ``unsupported`` (content inside
    the signature), ``content_changed``, ``bad_signature``, ``certificate_not_valid`` (not allowed to sign, or
    outside its validity at the signing time) or ``untrusted`` (no path to the given roots)."""

    problem: str | None
    signer_name: str = ""
    certificate_der: bytes | None = None
    signed_at: dt.datetime | None = None
    timestamp: Timestamp | None = None
    detail: str = ""


def verify_detached(data: bytes, cms_der: bytes, trusted_roots: list | None) -> DetachedCheck:
    """Validate a detached CMS signature over ``data`` with pyHanko. With ``trusted_roots`` None the issuer is
    not checked (the maths, key usage and validity at signing time still are). Never raises for a bad file."""
    try:
        signed = cms.ContentInfo.load(cms_der, strict=True)["content"]
        if not isinstance(signed, cms.SignedData):
            return DetachedCheck("malformed", detail="không phải CMS SignedData")
        cert = extract_certs_for_validation(signed).signer_cert
        claimed = extract_self_reported_ts(extract_signer_info(signed))
        embedded = signed["encap_content_info"]["content"] is not core.VOID and \
            signed["encap_content_info"]["content"].native is not None
    except Exception as error:  # asn1crypto parses lazily and raises many kinds on garbage
        return DetachedCheck("malformed", detail=str(error) or type(error).__name__)
    found = dict(signer_name=_common_name(cert), certificate_der=cert.dump(), signed_at=claimed)
    if embedded:
        return DetachedCheck("unsupported", **found)
    at = claimed or dt.datetime.now(dt.timezone.utc)
    roots = [_as_asn1(c) for c in trusted_roots or []]
    try:
        status = _run(lambda: async_validate_detached_cms(
            data, signed, signer_validation_context=_context(roots, at), key_usage_settings=SIGNING_KEY_USAGE))
    except Exception as error:  # a structurally broken SignerInfo (e.g. a missing message digest)
        return DetachedCheck("malformed", detail=str(error) or type(error).__name__, **found)
    found["timestamp"] = _timestamp(status)
    if not status.intact:
        return DetachedCheck("content_changed", **found)
    if not status.valid:
        return DetachedCheck("bad_signature", **found)
    try:
        SIGNING_KEY_USAGE.validate(cert)
    except Exception:
        return DetachedCheck("certificate_not_valid", detail="key usage", **found)
    if not cert.not_valid_before <= at <= cert.not_valid_after:
        return DetachedCheck("certificate_not_valid", detail="validity", **found)
    if trusted_roots is not None and not status.trusted:
        return DetachedCheck("untrusted", detail=str(status.trust_problem_indic or ""), **found)
    return DetachedCheck(None, **found)


def _as_asn1(certificate):
    """A root given as a ``cryptography`` certificate (the gradebook's tests) or already as asn1crypto's."""
    if isinstance(certificate, asn1_x509.Certificate):
        return certificate
    from cryptography.hazmat.primitives.serialization import Encoding

    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


# --------------------------------------------------------------------------------------------------
# PAdES (học bạ)
# --------------------------------------------------------------------------------------------------


def sign_pdf(pdf: bytes, signer: Signer, *, field: str, box: tuple, label: str, reason: str, location: str = "",
             tsa_url: str | None = None) -> bytes:
    """``pdf`` plus one PAdES signature in a new incremental update, visible in ``box`` on the last page, with
    an RFC 3161 signature timestamp when a TSA is configured."""
    stamp = TextStampStyle(stamp_text=f"{label}\n%(signer)s\nKý lúc: %(ts)s",
                           text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(FONT_PATH), font_size=8),
                           timestamp_format="%d/%m/%Y %H:%M:%S %Z", border_width=0)
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, location=location or None)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    pdf_signer = signers.PdfSigner(meta, signer=signer.pyhanko_signer(), stamp_style=stamp,
                                   timestamper=timestamper(tsa_url),
                                   new_field_spec=fields.SigFieldSpec(sig_field_name=field, on_page=-1, box=box))
    return _stamped(lambda: pdf_signer.async_sign_pdf(writer), tsa_url).getvalue()


#: What the OutputIntent names: the colour space reportlab's DeviceRGB colours are meant in.
SRGB = "sRGB IEC61966-2.1"


def as_pdfa_2b(pdf: bytes, rgb_icc_profile: bytes) -> bytes:
    """``pdf`` rewritten as one clean revision that declares PDF/A-2b: an sRGB OutputIntent for its DeviceRGB
    colours and XMP metadata (pdfaid part 2, conformance B) carrying the title, author, subject and dates.

    Only the declaration is added: the document must already embed every font it uses (reportlab's DejaVu
    does). pyHanko keeps XMP and Info in step on every later incremental update, so each signature leaves a
    conforming file (PDF/A-2 permits incremental updates and PAdES signatures)."""
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf), strict=False))
    view, meta = writer.document_meta_view, writer.document_meta
    meta.title, meta.author, meta.subject = view.title, view.author, view.subject
    meta.creator, meta.created = view.creator, view.created
    meta.xmp_extra = [xmp.XmpStructure.of(
        (xmp.ExpandedName(xmp.NS["pdfaid"], "part"), xmp.XmpValue("2")),
        (xmp.ExpandedName(xmp.NS["pdfaid"], "conformance"), xmp.XmpValue("B")))]
    # The metadata lives in XMP alone: PDF/A-2 needs no Info dictionary, and one would have to match the XMP
    # entry for entry (pyHanko writes its own name as pdf:Producer, reportlab its own into /Producer).
    writer.set_info(None)
    profile = generic.StreamObject({generic.NameObject("/N"): generic.NumberObject(3)}, stream_data=rgb_icc_profile)
    intent = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/OutputIntent"),
        generic.NameObject("/S"): generic.NameObject("/GTS_PDFA1"),
        generic.NameObject("/OutputConditionIdentifier"): generic.TextStringObject(SRGB),
        generic.NameObject("/Info"): generic.TextStringObject(SRGB),
        generic.NameObject("/DestOutputProfile"): writer.add_object(profile)})
    writer.root["/OutputIntents"] = generic.ArrayObject([writer.add_object(intent)])
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class SignatureReport:
    field: str
    name: str
    signed_at: dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    modified_after: bool
    timestamp: Timestamp | None = None


# What a later revision may do without counting as "modified after signing": nothing, LTA updates, or filling
# in form fields, which is how the next signer's signature is added.
_ALLOWED = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


def verify_pdf(pdf: bytes, trusted_roots: list) -> list[SignatureReport]:
    """Every signature of ``pdf`` validated by pyHanko's validator against ``trusted_roots``."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, OSError):
        raise ValidationFailed(errors={"file": ["Không đọc được tệp PDF."]}) from None
    reports = []
    for sig in embedded:
        try:
            status = _run(lambda: async_validate_pdf_signature(sig, _context(trusted_roots)))
        except Exception:  # a mangled signature dictionary: report it as broken rather than fail the request
            reports.append(SignatureReport(sig.field_name, "", None, False, False, False, True))
            continue
        modified = status.modification_level not in _ALLOWED or not status.docmdp_ok
        reports.append(SignatureReport(
            field=sig.field_name, name=_common_name(status.signing_cert), signed_at=status.signer_reported_dt,
            intact=bool(status.intact), valid=bool(status.intact and status.valid),
            trusted=bool(status.trusted and trusted_roots), modified_after=bool(modified),
            timestamp=_timestamp(status)))
    return reports

