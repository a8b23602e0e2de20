"""X.509 signatures for gradebook sign-off and the học bạ số.

A signed gradebook snapshot is ``canonical_json(snapshot)`` plus a detached CMS (PKCS#7) SignedData in
DER, made with the teacher's or school's certificate (given as PKCS#12, as exported from the USB token
software of Vietnamese CAs). ``verify`` checks it without OpenSSL's command line: cryptography signs CMS
but has no public CMS verification, so this module reads the few SignedData fields it needs with a
minimal DER reader and checks them with cryptography's primitives (RFC 5652, section 5.4 and 5.6).

Only DER is read (what ``sign`` and most signing tools emit); BER indefinite lengths are reported as
malformed. The signing time is the signer's claim inside the signature, not a trusted timestamp.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID


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
# Minimal DER reader (RFC 5652 structures only)
# --------------------------------------------------------------------------------------------------


class _Malformed(Exception):
    """Raised inside this module when the DER structure is not what CMS requires."""


@dataclass(frozen=True)
class _Der:
    tag: int
    content: bytes
    #: the whole element (tag, length, content), as signed or hashed
    encoded: bytes


_SEQUENCE, _SET, _INTEGER, _OCTET_STRING, _OID = 0x30, 0x31, 0x02, 0x04, 0x06
_UTC_TIME, _GENERALIZED_TIME = 0x17, 0x18
_CONTEXT_0, _CONTEXT_1, _CONTEXT_0_PRIMITIVE = 0xA0, 0xA1, 0x80


def _read(data: bytes, offset: int) -> tuple[_Der, int]:
    if offset + 2 > len(data):
        raise _Malformed("dữ liệu bị cắt cụt")
    tag, length, start = data[offset], data[offset + 1], offset + 2
    if tag & 0x1F == 0x1F:
        raise _Malformed("thẻ ASN.1 dạng dài không được hỗ trợ")
    if length & 0x80:
        size = length & 0x7F
        if size == 0 or size > 4 or start + size > len(data):
            raise _Malformed("độ dài không phải DER")
        length, start = int.from_bytes(data[start : start + size], "big"), start + size
    end = start + length
    if end > len(data):
        raise _Malformed("dữ liệu bị cắt cụt")
    return _Der(tag, data[start:end], data[offset:end]), end


def _parse(data: bytes) -> _Der:
    node, end = _read(data, 0)
    if end != len(data):
        raise _Malformed("có dữ liệu thừa sau cấu trúc")
    return node


def _children(node: _Der, tag: int | None = None) -> list[_Der]:
    if tag is not None and node.tag != tag:
        raise _Malformed(f"mong đợi thẻ {tag:#x}, gặp {node.tag:#x}")
    if not node.tag & 0x20:
        raise _Malformed("mong đợi cấu trúc lồng nhau")
    items, offset = [], 0
    while offset < len(node.content):
        item, offset = _read(node.content, offset)
        items.append(item)
    return items


def _oid(node: _Der) -> str:
    if node.tag != _OID or not node.content:
        raise _Malformed("mong đợi OBJECT IDENTIFIER")
    arcs, value = [], 0
    for byte in node.content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(arc) for arc in [first, arcs[0] - 40 * first, *arcs[1:]])


def _time(node: _Der) -> dt.datetime:
    text = node.content.decode("ascii", errors="replace")
    try:
        if node.tag == _UTC_TIME:
            parsed = dt.datetime.strptime(text, "%y%m%d%H%M%SZ")
            # RFC 5280: two-digit years 50..99 are 19xx; strptime's pivot differs.
            if parsed.year >= 2050:
                parsed = parsed.replace(year=parsed.year - 100)
        elif node.tag == _GENERALIZED_TIME:
            parsed = dt.datetime.strptime(text, "%Y%m%d%H%M%S.%fZ" if "." in text else "%Y%m%d%H%M%SZ")
        else:
            raise _Malformed("mong đợi thời gian")
    except ValueError as error:
        raise _Malformed("thời gian ký không hợp lệ") from error
    return parsed.replace(tzinfo=dt.timezone.utc)


# --------------------------------------------------------------------------------------------------
# CMS SignedData
# --------------------------------------------------------------------------------------------------

_ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_ID_DATA = "1.2.840.113549.1.7.1"
_ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_ATTR_SIGNING_TIME = "1.2.840.113549.1.9.5"
_DIGESTS = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
_RSA_PKCS1 = "1.2.840.113549.1.1.1"
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
#: signature algorithm -> (key family, hash fixed by the algorithm or None to use the digest algorithm)
_SIGNATURE_ALGORITHMS = {
    _RSA_PKCS1: ("rsa", None),
    "1.2.840.113549.1.1.11": ("rsa", hashes.SHA256),
    "1.2.840.113549.1.1.12": ("rsa", hashes.SHA384),
    "1.2.840.113549.1.1.13": ("rsa", hashes.SHA512),
    _EC_PUBLIC_KEY: ("ec", None),
    "1.2.840.10045.4.3.2": ("ec", hashes.SHA256),
    "1.2.840.10045.4.3.3": ("ec", hashes.SHA384),
    "1.2.840.10045.4.3.4": ("ec", hashes.SHA512),
}


@dataclass(frozen=True)
class _SignerInfo:
    certificate: x509.Certificate
    certificates: list[x509.Certificate]
    detached: bool
    digest_oid: str
    signature_oid: str
    signed_attributes: _Der | None
    signature: bytes


def _issuer_and_serial(certificate: x509.Certificate) -> tuple[bytes, int]:
    # Compare the issuer as encoded in the certificate, not re-encoded by cryptography.
    tbs = _children(_children(_parse(certificate.public_bytes(serialization.Encoding.DER)), _SEQUENCE)[0], _SEQUENCE)
    fields = tbs[1:] if tbs[0].tag == _CONTEXT_0 else tbs
    return fields[2].encoded, certificate.serial_number


def _subject_key_identifier(certificate: x509.Certificate) -> bytes | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def _find_signer_certificate(sid: _Der, certificates: list[x509.Certificate]) -> x509.Certificate:
    for certificate in certificates:
        if sid.tag == _SEQUENCE:
            issuer, serial = _children(sid)
            if serial.tag != _INTEGER:
                raise _Malformed("số sê-ri không hợp lệ")
            wanted = (issuer.encoded, int.from_bytes(serial.content, "big", signed=True))
            if _issuer_and_serial(certificate) == wanted:
                return certificate
        elif sid.tag == _CONTEXT_0_PRIMITIVE and _subject_key_identifier(certificate) == sid.content:
            return certificate
    raise _Malformed("chữ ký không kèm chứng thư số của người ký")


def _read_signed_data(cms_der: bytes) -> _SignerInfo:
    content_info = _children(_parse(cms_der), _SEQUENCE)
    if len(content_info) != 2 or _oid(content_info[0]) != _ID_SIGNED_DATA:
        raise _Malformed("không phải CMS SignedData")
    signed_data = _children(_children(content_info[1], _CONTEXT_0)[0], _SEQUENCE)
    encap_content_info = _children(signed_data[2], _SEQUENCE)
    if _oid(encap_content_info[0]) != _ID_DATA:
        raise _Malformed("loại nội dung không phải id-data")
    certificates = []
    for field in signed_data[3:-1]:
        if field.tag == _CONTEXT_0:
            # CertificateChoices: only plain X.509 certificates (SEQUENCE) are used; others are skipped.
            certificates = [
                x509.load_der_x509_certificate(item.encoded) for item in _children(field) if item.tag == _SEQUENCE
            ]
    signer_infos = _children(signed_data[-1], _SET)
    if len(signer_infos) != 1:
        raise _Malformed(f"mong đợi đúng một người ký, có {len(signer_infos)}")
    fields = _children(signer_infos[0], _SEQUENCE)
    sid, digest_algorithm = fields[1], _children(fields[2], _SEQUENCE)
    signed_attributes = fields[3] if fields[3].tag == _CONTEXT_0 else None
    rest = fields[4:] if signed_attributes is not None else fields[3:]
    signature_algorithm, signature = _children(rest[0], _SEQUENCE), rest[1]
    if signature.tag != _OCTET_STRING:
        raise _Malformed("giá trị chữ ký không hợp lệ")
    return _SignerInfo(
        certificate=_find_signer_certificate(sid, certificates),
        certificates=certificates,
        detached=len(encap_content_info) == 1,
        digest_oid=_oid(digest_algorithm[0]),
        signature_oid=_oid(signature_algorithm[0]),
        signed_attributes=signed_attributes,
        signature=signature.content,
    )


def _attributes(signed_attributes: _Der) -> dict[str, _Der]:
    found: dict[str, _Der] = {}
    for attribute in _children(signed_attributes):
        attribute_type, values = _children(attribute, _SEQUENCE)
        value_list = _children(values, _SET)
        if len(value_list) != 1 or _oid(attribute_type) in found:
            raise _Malformed("thuộc tính ký bị lặp hoặc rỗng")
        found[_oid(attribute_type)] = value_list[0]
    return found


def _signing_time(info: _SignerInfo) -> dt.datetime | None:
    if info.signed_attributes is None:
        return None
    time = _attributes(info.signed_attributes).get(_ATTR_SIGNING_TIME)
    return _time(time) if time is not None else None


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
    try:
        _parse(pkcs12_bytes)
    except _Malformed as error:
        raise InvalidPkcs12("Tệp không phải là chứng thư số PKCS#12 (.p12/.pfx).") from error
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


def sign(data: bytes, signer: Signer) -> SignatureRecord:
    """Sign ``data`` (e.g. ``canonical_json(snapshot)``) with a detached CMS signature, SHA-256.

    The CMS carries the signer certificate and its chain, and the signed attributes content type,
    signing time and message digest. Raises ``SigningError`` when the certificate is not valid now.
    """
    if not isinstance(data, bytes):
        raise SigningError("Dữ liệu cần ký phải ở dạng bytes (dùng canonical_json).")
    now = dt.datetime.now(dt.timezone.utc)
    certificate = signer.certificate
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SigningError(
            f"Chứng thư số của {signer.name} không còn hiệu lực "
            f"({certificate.not_valid_before_utc:%d/%m/%Y} – {certificate.not_valid_after_utc:%d/%m/%Y})."
        )
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(certificate, signer.private_key, hashes.SHA256())
    for ca_certificate in signer.chain:
        builder = builder.add_certificate(ca_certificate)
    cms_der = builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    # Report the time that is actually inside the signature, not a second clock reading.
    signed_at = _signing_time(_read_signed_data(cms_der))
    return SignatureRecord(
        cms_der=cms_der,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        signer_name=signer.name,
        signed_at=signed_at if signed_at is not None else now,
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
    """

    valid: bool
    signer_name: str | None = None
    signed_at: dt.datetime | None = None
    certificate_fingerprint: str | None = None
    chain_verified: bool = False
    code: str | None = None
    reason: str | None = None


def _check_signature(info: _SignerInfo, signed_bytes: bytes) -> None:
    family, fixed_hash = _SIGNATURE_ALGORITHMS[info.signature_oid]
    algorithm = (fixed_hash or _DIGESTS[info.digest_oid])()
    public_key = info.certificate.public_key()
    if family == "rsa" and isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(info.signature, signed_bytes, padding.PKCS1v15(), algorithm)
    elif family == "ec" and isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(info.signature, signed_bytes, ec.ECDSA(algorithm))
    else:
        raise InvalidSignature("thuật toán chữ ký không khớp với loại khóa")


def _check_chain(info: _SignerInfo, trusted_roots: list[x509.Certificate], at: dt.datetime) -> None:
    # Validity is judged at signing time, so a transcript signed in 2026 still verifies after the
    # teacher's certificate expires. The CA side follows the Web PKI profile (basic constraints, key
    # usage); the leaf is a document-signing certificate, so no TLS-specific extension is demanded.
    policy = (
        verification.PolicyBuilder()
        .store(verification.Store(trusted_roots))
        .time(at)
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=verification.ExtensionPolicy.permit_all(),
        )
    )
    intermediates = [c for c in info.certificates if c != info.certificate]
    policy.build_client_verifier().verify(info.certificate, intermediates)


def _allows_signing(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


def verify(
    data: bytes, cms_der: bytes, trusted_roots: list[x509.Certificate] | None = None
) -> Verification:
    """Check a detached CMS signature made by ``sign`` (or any DER CMS with one signer) over ``data``.

    Verifies that the messageDigest signed attribute equals the hash of ``data`` (so any change to the
    snapshot is detected), the signature over the DER SET of signed attributes with the signer's public
    key, that the certificate allows signing and was valid at the signing time, and, when
    ``trusted_roots`` is given, that it chains to one of them at that time. Without ``trusted_roots``
    anyone's self-made certificate passes; the result then has ``chain_verified=False``.
    Never raises for a bad signature: the reason is in the returned ``Verification``.
    """
    try:
        info = _read_signed_data(cms_der)
        attributes = _attributes(info.signed_attributes) if info.signed_attributes is not None else None
        signed_at = _signing_time(info)
    except (_Malformed, ValueError, IndexError) as error:
        return Verification(valid=False, code="malformed", reason=f"Chữ ký không đúng định dạng CMS/PKCS#7: {error}")

    def invalid(code: str, reason: str) -> Verification:
        return Verification(
            valid=False, signer_name=_common_name(info.certificate), signed_at=signed_at,
            certificate_fingerprint=_fingerprint(info.certificate), code=code, reason=reason,
        )

    if not info.detached:
        return invalid("unsupported", "Chỉ chấp nhận chữ ký tách rời (detached), nội dung không nằm trong chữ ký.")
    if info.digest_oid not in _DIGESTS or info.signature_oid not in _SIGNATURE_ALGORITHMS:
        return invalid("unsupported", "Thuật toán băm hoặc thuật toán chữ ký không được hỗ trợ.")
    if attributes is None:
        signed_bytes = data
    else:
        digest = hashes.Hash(_DIGESTS[info.digest_oid]())
        digest.update(data)
        message_digest = attributes.get(_ATTR_MESSAGE_DIGEST)
        content_type = attributes.get(_ATTR_CONTENT_TYPE)
        if message_digest is None or content_type is None or _oid(content_type) != _ID_DATA:
            return invalid("malformed", "Chữ ký thiếu thuộc tính bắt buộc (content type, message digest).")
        if message_digest.tag != _OCTET_STRING or message_digest.content != digest.finalize():
            return invalid("content_changed", "Dữ liệu đã bị thay đổi sau khi ký.")
        # RFC 5652 5.4: the signature covers the attributes re-tagged from [0] IMPLICIT to a SET.
        signed_bytes = bytes([_SET]) + info.signed_attributes.encoded[1:]
    try:
        _check_signature(info, signed_bytes)
    except InvalidSignature:
        return invalid("bad_signature", "Chữ ký không khớp với dữ liệu hoặc chứng thư số (đã bị thay đổi).")
    if not _allows_signing(info.certificate):
        return invalid("certificate_not_valid", "Chứng thư số không được phép dùng để ký số.")
    at = signed_at or dt.datetime.now(dt.timezone.utc)
    if not info.certificate.not_valid_before_utc <= at <= info.certificate.not_valid_after_utc:
        return invalid("certificate_not_valid", "Chứng thư số không có hiệu lực tại thời điểm ký.")
    if trusted_roots is not None:
        if not trusted_roots:
            return invalid("untrusted", "Không có chứng thư gốc tin cậy nào để kiểm tra chứng thư số.")
        try:
            _check_chain(info, trusted_roots, at)
        except verification.VerificationError as error:
            return invalid("untrusted", f"Chứng thư số không được cấp bởi tổ chức chứng thực tin cậy: {error}")
    return Verification(
        valid=True, signer_name=_common_name(info.certificate), signed_at=signed_at,
        certificate_fingerprint=_fingerprint(info.certificate), chain_verified=trusted_roots is not None,
    )

