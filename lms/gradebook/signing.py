"""X.509 signatures for gradebook sign-off and the học bạ số.

A signed gradebook snapshot is ``canonical_json(snapshot)`` plus a detached CMS (PKCS#7) SignedData in
DER, made with the teacher's or school's certificate (given as PKCS#12, as exported from the USB token
software of Vietnamese CAs). Making and checking the CMS is pyHanko's (``lms.core.signatures``), the same
maintained validator that checks the học bạ PDFs; this module adds the canonical bytes and the gradebook's
wording of each outcome. The signing time is the signer's claim inside the signature unless a timestamp
authority (SIGNING_TSA_URL) vouches for it with an RFC 3161 token.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from lms.core import signatures


class SigningError(ValueError):
    """Base of the signing domain errors; the message is meant for the user."""


class InvalidPkcs12(SigningError):
    """The PKCS#12 file cannot be opened (wrong password, damaged file) or holds no usable key."""


class CanonicalizationError(SigningError):
    """A snapshot holds a value that has no single canonical JSON form (a float, a non-string key...)."""


# --------------------------------------------------------------------------------------------------
# Canonical bytes
# --------------------------------------------------------------------------------------------------


def _canonical_value(value: object) -> object:
    # Floats are refused: their JSON text depends on repr and a score like 8.25 is not what was recorded.
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CanonicalizationError(f"Giá trị số không hữu hạn: {value}.")
        return str(value)
    if isinstance(value, float):
        raise CanonicalizationError("Dữ liệu ký không được chứa số thực float; hãy dùng Decimal.")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            # json.dumps would turn 1 into "1" and could merge two keys silently.
            raise CanonicalizationError("Khóa của đối tượng JSON phải là chuỗi.")
        return {key: _canonical_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical_value(item) for item in value]
    raise CanonicalizationError(f"Không thể ký giá trị kiểu {type(value).__name__}.")


def canonical_json(obj: object) -> bytes:
    """The bytes that get signed: JSON with sorted keys, no whitespace, UTF-8 (not \\u escapes).

    Decimals become strings exactly as recorded ("8.3"), dates and datetimes ISO 8601 strings.
    Floats, non-string keys and other types raise ``CanonicalizationError`` so that the same snapshot
    always yields the same bytes.
    """
    try:
        text = json.dumps(_canonical_value(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise CanonicalizationError("Dữ liệu chứa ký tự Unicode không hợp lệ.") from error


# --------------------------------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """A private key with its certificate and the CA certificates that came with it in the PKCS#12."""

    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def name(self) -> str:
        """The common name of the certificate subject (the teacher, principal or school)."""
        return _common_name(self.certificate)


@dataclass(frozen=True)
class SignatureRecord:
    """What is stored next to a signed snapshot.

    ``cms_der``: detached CMS SignedData (DER); ``certificate_pem``: the signer certificate;
    ``signer_name``: its subject common name; ``signed_at``: the signing time inside the signature (UTC);
    ``certificate_fingerprint``: lowercase hex SHA-256 of the certificate DER.
    """

    cms_der: bytes
    certificate_pem: str
    signer_name: str
    signed_at: dt.datetime
    certificate_fingerprint: str


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def load_signer(pkcs12_bytes: bytes, password: bytes | None) -> Signer:
    """Open a PKCS#12 (.p12/.pfx) file and return its key, certificate and CA chain as a ``Signer``.

    Raises ``InvalidPkcs12`` with a Vietnamese message when the file is not PKCS#12, the password is
    wrong, or it holds no RSA/EC private key with its matching certificate.
    """
    if not isinstance(pkcs12_bytes, bytes) or (password is not None and not isinstance(password, bytes)):
        raise InvalidPkcs12("Tệp chứng thư số và mật khẩu phải ở dạng bytes.")
    if not signatures.is_pkcs12(pkcs12_bytes):
        raise InvalidPkcs12("Tệp không phải là chứng thư số PKCS#12 (.p12/.pfx).")
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(pkcs12_bytes, password)
    except ValueError as error:
        # OpenSSL reports a wrong password and a damaged MAC the same way; name the likely cause first.
        raise InvalidPkcs12("Không mở được tệp PKCS#12: sai mật khẩu hoặc tệp bị hỏng.") from error
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise InvalidPkcs12("Tệp PKCS#12 không chứa khóa bí mật RSA hoặc EC dùng để ký.")
    if certificate is None:
        raise InvalidPkcs12("Tệp PKCS#12 không chứa chứng thư số của người ký.")
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        raise InvalidPkcs12("Khóa bí mật không khớp với chứng thư số trong tệp PKCS#12.")
    return Signer(private_key=key, certificate=certificate, chain=tuple(extra))


def _pyhanko_signer(signer: Signer) -> signatures.KeySigner:
    der = serialization.Encoding.DER
    key = signer.private_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return signatures.KeySigner(key, signer.certificate.public_bytes(der), [c.public_bytes(der) for c in signer.chain])


def sign(data: bytes, signer: Signer, tsa_url: str | None = None) -> SignatureRecord:
    """Sign ``data`` (e.g. ``canonical_json(snapshot)``) with a detached CMS signature, SHA-256.

    The CMS carries the signer certificate and its chain, and the signed attributes content type,
    signing time and message digest; with ``tsa_url`` (SIGNING_TSA_URL) also an RFC 3161 signature
    timestamp. Raises ``SigningError`` when the certificate is not valid now or the TSA cannot be reached.
    """
    if not isinstance(data, bytes):
        raise SigningError("Dữ liệu cần ký phải ở dạng bytes (dùng canonical_json).")
    # The signingTime attribute holds whole seconds: record exactly what goes inside the signature.
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    certificate = signer.certificate
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SigningError(
            f"Chứng thư số của {signer.name} không còn hiệu lực "
            f"({certificate.not_valid_before_utc:%d/%m/%Y} – {certificate.not_valid_after_utc:%d/%m/%Y})."
        )
    try:
        cms_der = signatures.sign_detached(data, _pyhanko_signer(signer), now, tsa_url)
    except signatures.TimestampUnavailable as error:
        raise SigningError(f"Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA): {error}") from None
    return SignatureRecord(
        cms_der=cms_der,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        signer_name=signer.name,
        signed_at=now,
        certificate_fingerprint=_fingerprint(certificate),
    )


# --------------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of ``verify``.

    ``valid``: the data is exactly what was signed, the signature is correct and (when trusted roots
    were given) the certificate chains to one of them. ``chain_verified`` says whether that chain was
    checked. ``code`` (``"malformed"``, ``"content_changed"``, ``"bad_signature"``, ``"unsupported"``,
    ``"certificate_not_valid"``, ``"untrusted"``) and ``reason`` (Vietnamese) are set when invalid.
    ``timestamp_at`` / ``timestamp_valid`` / ``timestamp_trusted``: the RFC 3161 timestamp's time, whether
    its token is intact and correctly signed, and whether its TSA chains to a trusted root (None: no token).
    """

    valid: bool
    signer_name: str | None = None
    signed_at: dt.datetime | None = None
    certificate_fingerprint: str | None = None
    chain_verified: bool = False
    code: str | None = None
    reason: str | None = None
    timestamp_at: dt.datetime | None = None
    timestamp_valid: bool | None = None
    timestamp_trusted: bool | None = None


_REASONS = {
    "malformed": "Chữ ký không đúng định dạng CMS/PKCS#7: {detail}",
    "unsupported": "Chỉ chấp nhận chữ ký tách rời (detached), nội dung không nằm trong chữ ký.",
    "content_changed": "Dữ liệu đã bị thay đổi sau khi ký.",
    "bad_signature": "Chữ ký không khớp với dữ liệu hoặc chứng thư số (đã bị thay đổi).",
    "certificate_not_valid": "Chứng thư số không được phép dùng để ký số hoặc không có hiệu lực tại thời điểm ký.",
    "untrusted": "Chứng thư số không được cấp bởi tổ chức chứng thực tin cậy ({detail}).",
}


def verify(
    data: bytes, cms_der: bytes, trusted_roots: list | None = None
) -> Verification:
    """Check a detached CMS signature made by ``sign`` (or any CMS with one signer) over ``data`` with
    pyHanko's validator.

    Verifies that the messageDigest signed attribute equals the hash of ``data`` (so any change to the
    snapshot is detected), the signature with the signer's public key, that the certificate allows signing
    and was valid at the signing time, and, when ``trusted_roots`` is given (``cryptography`` or asn1crypto
    certificates), that it chains to one of them at that time. Without ``trusted_roots`` anyone's self-made
    certificate passes; the result then has ``chain_verified=False``. A timestamp token, when present, is
    validated against the same roots. Never raises for a bad signature: the reason is in the result.
    """
    if trusted_roots is not None and not trusted_roots:
        check = signatures.verify_detached(data, cms_der, None)
        if check.problem is None:
            check = signatures.DetachedCheck("untrusted", check.signer_name, check.certificate_der,
                                             check.signed_at, check.timestamp,
                                             "không có chứng thư gốc tin cậy nào")
    else:
        check = signatures.verify_detached(data, cms_der, trusted_roots)
    certificate = x509.load_der_x509_certificate(check.certificate_der) if check.certificate_der else None
    stamp = check.timestamp
    return Verification(
        valid=check.problem is None,
        signer_name=_common_name(certificate) if certificate is not None else None,
        signed_at=check.signed_at,
        certificate_fingerprint=_fingerprint(certificate) if certificate is not None else None,
        chain_verified=trusted_roots is not None and check.problem is None,
        code=check.problem,
        reason=_REASONS[check.problem].format(detail=check.detail) if check.problem else None,
        timestamp_at=stamp.time if stamp else None,
        timestamp_valid=stamp.valid if stamp else None,
        timestamp_trusted=stamp.trusted if stamp else None,
    )
