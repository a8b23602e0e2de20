"""Detached CMS signatures of gradebook snapshots, with a throwaway CA made in the test."""

import datetime as dt
from decimal import Decimal as D

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from lms.gradebook import signing
from lms.gradebook.signing import CanonicalizationError, InvalidPkcs12, SigningError

PASSWORD = b"mat-khau-token"
NOW = dt.datetime.now(dt.timezone.utc)


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Trường THPT Chu Văn An"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _certificate(subject, subject_key, issuer_name, issuer_key, *, ca, serial, days=(-1, 365), key_usage=None):
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW + dt.timedelta(days=days[0]))
        .not_valid_after(NOW + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if ca:
        key_usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    elif key_usage is None:
        # digitalSignature + nonRepudiation, as on Vietnamese signing certificates
        key_usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    return builder.add_extension(key_usage, critical=True).sign(issuer_key, hashes.SHA256())


class _Authority:
    """A throwaway CA that issues teacher certificates."""

    def __init__(self, name: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = _name(name)
        self.certificate = _certificate(name, self.key, self.name, self.key, ca=True, serial=1)

    def issue(self, subject: str, key, **options) -> x509.Certificate:
        return _certificate(subject, key, self.name, self.key, ca=False, serial=x509.random_serial_number(), **options)


def _pkcs12(key, certificate, cas=(), password=PASSWORD) -> bytes:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"teacher", key, certificate, list(cas) or None, encryption)


@pytest.fixture(scope="module")
def ca():
    return _Authority("CA thử nghiệm Bộ GD&ĐT")


@pytest.fixture(scope="module")
def teacher_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def teacher(ca, teacher_key):
    certificate = ca.issue("Nguyễn Thị Lan", teacher_key)
    return signing.load_signer(_pkcs12(teacher_key, certificate, [ca.certificate]), PASSWORD)


@pytest.fixture()
def snapshot():
    return {
        "class": "10A1", "subject": "toan", "semester": 1, "school_year": "2026-2027",
        "rows": [
            {"student_id": 17, "full_name": "Trần Minh Đức", "tx": [D("8.0"), D("7.5"), D("9.0"), D("6.0")],
             "gk": D("7.0"), "ck": D("8.5"), "average": D("7.8")},
            {"student_id": 18, "full_name": "Lê Thu Hà", "tx": [D("9.0"), D("8.0"), D("8.5"), D("7.0")],
             "gk": D("8.0"), "ck": D("9.0"), "average": D("8.4")},
        ],
    }


# --------------------------------------------------------------------------------------------------
# canonical_json
# --------------------------------------------------------------------------------------------------


def test_canonical_json_sorts_keys_without_whitespace_in_utf8():
    data = signing.canonical_json({"b": [1, True, None], "a": {"điểm": D("8.3"), "môn": "Toán"}})
    assert data == '{"a":{"môn":"Toán","điểm":"8.3"},"b":[1,true,null]}'.encode()


def test_canonical_json_is_independent_of_key_order(snapshot):
    reordered = dict(reversed(list(snapshot.items())))
    assert signing.canonical_json(reordered) == signing.canonical_json(snapshot)


def test_canonical_json_writes_decimals_as_recorded_and_dates_in_iso():
    when = dt.datetime(2027, 1, 15, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert signing.canonical_json([D("10.0"), when, dt.date(2027, 1, 15)]) == (
        b'["10.0","2027-01-15T08:30:00+07:00","2027-01-15"]'
    )


@pytest.mark.parametrize("value", [{"score": 8.3}, {1: "a"}, {"x": D("NaN")}, {"x": {1, 2}}, {"x": "\ud800"}])
def test_canonical_json_refuses_values_without_one_canonical_form(value):
    with pytest.raises(CanonicalizationError):
        signing.canonical_json(value)


# --------------------------------------------------------------------------------------------------
# load_signer
# --------------------------------------------------------------------------------------------------


def test_load_signer_returns_key_certificate_and_chain(ca, teacher, teacher_key):
    assert teacher.name == "Nguyễn Thị Lan"
    assert teacher.chain == (ca.certificate,)
    assert teacher.private_key.private_numbers() == teacher_key.private_numbers()


def test_load_signer_without_password(ca):
    key = ec.generate_private_key(ec.SECP256R1())
    signer = signing.load_signer(_pkcs12(key, ca.issue("Phạm Văn Bình", key), password=None), None)
    assert signer.name == "Phạm Văn Bình" and signer.chain == ()


def test_wrong_pkcs12_password_is_a_clear_error(ca, teacher_key):
    data = _pkcs12(teacher_key, ca.issue("Nguyễn Thị Lan", teacher_key))
    with pytest.raises(InvalidPkcs12, match="sai mật khẩu"):
        signing.load_signer(data, b"wrong")


@pytest.mark.parametrize("data", [b"", b"not a certificate", b"\x30\x82\xff\xff"])
def test_a_file_that_is_not_pkcs12_is_a_clear_error(data):
    with pytest.raises(InvalidPkcs12, match="không phải là chứng thư số PKCS#12"):
        signing.load_signer(data, PASSWORD)


def test_password_must_be_bytes(ca, teacher_key):
    with pytest.raises(InvalidPkcs12, match="bytes"):
        signing.load_signer(_pkcs12(teacher_key, ca.issue("A", teacher_key)), PASSWORD.decode())


def test_pkcs12_without_a_private_key_is_refused(ca):
    data = pkcs12.serialize_key_and_certificates(
        None, None, None, [ca.certificate], serialization.BestAvailableEncryption(PASSWORD)
    )
    with pytest.raises(InvalidPkcs12, match="khóa bí mật"):
        signing.load_signer(data, PASSWORD)


# --------------------------------------------------------------------------------------------------
# sign and verify
# --------------------------------------------------------------------------------------------------


def test_signed_snapshot_verifies_against_the_trusted_ca(ca, teacher, snapshot):
    data = signing.canonical_json(snapshot)
    record = signing.sign(data, teacher)

    assert record.signer_name == "Nguyễn Thị Lan"
    assert x509.load_pem_x509_certificate(record.certificate_pem.encode()) == teacher.certificate
    assert abs(record.signed_at - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=2)

    result = signing.verify(data, record.cms_der, [ca.certificate])
    assert result.valid, result.reason
    assert result.chain_verified
    assert result.signer_name == "Nguyễn Thị Lan"
    assert result.signed_at == record.signed_at
    assert result.certificate_fingerprint == teacher.certificate.fingerprint(hashes.SHA256()).hex()
    assert record.certificate_fingerprint == result.certificate_fingerprint
    assert (result.code, result.reason) == (None, None)


def test_changing_one_score_after_signing_is_detected(ca, teacher, snapshot):
    record = signing.sign(signing.canonical_json(snapshot), teacher)
    snapshot["rows"][1]["ck"] = D("9.5")

    result = signing.verify(signing.canonical_json(snapshot), record.cms_der, [ca.certificate])
    assert not result.valid
    assert result.code == "content_changed"
    assert "thay đổi" in result.reason
    assert result.signer_name == "Nguyễn Thị Lan"  # still shown: who signed the original


def test_a_damaged_signature_value_is_detected(ca, teacher):
    data = b'{"average":"8.4"}'
    cms = bytearray(signing.sign(data, teacher).cms_der)
    cms[-1] ^= 0x01  # the signature OCTET STRING is the last element of the SignerInfo
    result = signing.verify(data, bytes(cms), [ca.certificate])
    assert (result.valid, result.code) == (False, "bad_signature")


def test_certificate_from_another_ca_is_untrusted(ca, snapshot):
    rogue_ca = _Authority("CA giả mạo")
    key = ec.generate_private_key(ec.SECP256R1())
    # Same display name as the real teacher: only the chain tells them apart.
    rogue = signing.load_signer(_pkcs12(key, rogue_ca.issue("Nguyễn Thị Lan", key), [rogue_ca.certificate]), PASSWORD)
    data = signing.canonical_json(snapshot)
    record = signing.sign(data, rogue)

    result = signing.verify(data, record.cms_der, [ca.certificate])
    assert not result.valid
    assert result.code == "untrusted"
    assert "tổ chức chứng thực tin cậy" in result.reason
    # The signature itself is sound, which is what a verifier without trusted roots can tell.
    unchecked = signing.verify(data, record.cms_der)
    assert unchecked.valid and not unchecked.chain_verified


def test_empty_trusted_roots_trusts_nobody(teacher):
    record = signing.sign(b"{}", teacher)
    result = signing.verify(b"{}", record.cms_der, [])
    assert (result.valid, result.code) == (False, "untrusted")


def test_ec_key_and_intermediate_ca_chain_verify_against_the_root(ca):
    intermediate_key = ec.generate_private_key(ec.SECP384R1())
    intermediate = _Authority.__new__(_Authority)
    intermediate.key, intermediate.name = intermediate_key, _name("CA trung gian Sở GD&ĐT")
    intermediate.certificate = _certificate(
        "CA trung gian Sở GD&ĐT", intermediate_key, ca.name, ca.key, ca=True, serial=2
    )
    key = ec.generate_private_key(ec.SECP256R1())
    principal = signing.load_signer(
        _pkcs12(key, intermediate.issue("Hiệu trưởng Đỗ Văn Hùng", key), [intermediate.certificate]), PASSWORD
    )
    record = signing.sign(b'{"hoc_ba":1}', principal)

    result = signing.verify(b'{"hoc_ba":1}', record.cms_der, [ca.certificate])
    assert result.valid and result.chain_verified, result.reason
    assert signing.verify(b'{"hoc_ba":2}', record.cms_der, [ca.certificate]).code == "content_changed"


def test_expired_certificate_cannot_sign(ca):
    key = ec.generate_private_key(ec.SECP256R1())
    expired = ca.issue("Giáo viên đã nghỉ", key, days=(-400, -35))
    signer = signing.load_signer(_pkcs12(key, expired), PASSWORD)
    with pytest.raises(SigningError, match="không còn hiệu lực"):
        signing.sign(b"{}", signer)


def test_certificate_not_allowed_to_sign_is_refused_on_verify(ca):
    key = ec.generate_private_key(ec.SECP256R1())
    encipher_only = x509.KeyUsage(False, False, True, False, False, False, False, False, False)
    signer = signing.load_signer(_pkcs12(key, ca.issue("Khóa mã hóa", key, key_usage=encipher_only)), PASSWORD)
    record = signing.sign(b"{}", signer)
    result = signing.verify(b"{}", record.cms_der, [ca.certificate])
    assert (result.valid, result.code) == (False, "certificate_not_valid")


@pytest.mark.parametrize("cms", [b"", b"\x30\x03\x02\x01\x01", b"garbage", b"\x30\x80\x00\x00"])
def test_malformed_signature_is_invalid_not_an_exception(cms):
    result = signing.verify(b"{}", cms)
    assert (result.valid, result.code) == (False, "malformed")


def test_sign_refuses_text_instead_of_bytes(teacher):
    with pytest.raises(SigningError, match="bytes"):
        signing.sign('{"a":1}', teacher)


# --------------------------------------------------------------------------------------------------
# RFC 3161 timestamps and pyHanko's own validator
# --------------------------------------------------------------------------------------------------


def test_a_configured_tsa_timestamps_the_signature_and_verify_reports_it():
    from tests.pki import PASSWORD as pki_password, TestCA
    from tests.tsa import running_tsa

    school_ca = TestCA("CA Sở GD&ĐT thử nghiệm")
    signer = signing.load_signer(school_ca.pkcs12("Nguyễn Thị Lan"), pki_password)
    with running_tsa(school_ca) as (url, served):
        record = signing.sign(b'{"average":"8.4"}', signer, tsa_url=url)
    assert len(served) == 1  # one real round trip to the TSA

    result = signing.verify(b'{"average":"8.4"}', record.cms_der, [school_ca.cert])
    assert result.valid and result.chain_verified, result.reason
    assert result.timestamp_valid is True and result.timestamp_trusted is True
    assert abs(result.timestamp_at - record.signed_at) < dt.timedelta(minutes=2)
    # The TSA's certificate from nowhere trusted: the token is still sound, only its issuer is unknown.
    elsewhere = signing.verify(b'{"average":"8.4"}', record.cms_der, [_Authority("CA khác").certificate])
    assert elsewhere.timestamp_valid is True and elsewhere.timestamp_trusted is False
    assert signing.verify(b'{"average":"9.4"}', record.cms_der, [school_ca.cert]).code == "content_changed"


def test_without_a_tsa_there_is_no_timestamp(ca, teacher):
    result = signing.verify(b"{}", signing.sign(b"{}", teacher).cms_der, [ca.certificate])
    assert result.valid and (result.timestamp_at, result.timestamp_valid, result.timestamp_trusted) == (None,) * 3


def test_an_unreachable_tsa_fails_the_signing_with_a_clear_error(teacher):
    import socket

    with socket.socket() as sock:  # a port on this machine that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SigningError, match="TSA"):
        signing.sign(b"{}", teacher, tsa_url=f"http://127.0.0.1:{port}/tsa")


def test_pyhanko_validates_the_gradebook_signature_independently(ca, teacher, snapshot):
    """Checked by pyHanko's validator directly, not through lms.core.signatures' wrapper."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from asn1crypto import cms, x509 as asn1_x509
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    data = signing.canonical_json(snapshot)
    signed = cms.ContentInfo.load(signing.sign(data, teacher).cms_der)["content"]
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    def validate(content):
        # In a thread: Playwright's sync API (browser tests in the same run) may hold this thread's event loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, async_validate_detached_cms(
                content, signed, signer_validation_context=context)).result()

    status = validate(data)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert not validate(data + b" ").intact
