"""A throwaway X.509 hierarchy for signing tests (gradebook sign-off, học bạ): EC keys, one CA, leaf certificates."""
from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = b"mat-khau"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _certificate(subject: str, key, issuer: x509.Name, issuer_key, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    usage = (x509.KeyUsage(False, False, False, False, False, True, True, False, False) if ca
             else x509.KeyUsage(True, True, False, False, False, False, False, False, False))
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                           critical=False)
            .add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256()))


class TestCA:
    """A self-signed CA that issues signing certificates as PKCS#12 (password ``PASSWORD``)."""

    __test__ = False  # not a pytest test class

    def __init__(self, cn: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = _certificate(cn, self.key, _name(cn), self.key, True)

    def pkcs12(self, cn: str, alias: bytes = b"signer") -> bytes:
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = _certificate(cn, key, self.cert.subject, self.key, False)
        return pkcs12.serialize_key_and_certificates(alias, key, leaf, [self.cert],
                                                     serialization.BestAvailableEncryption(PASSWORD))

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def timestamping_authority(ca: TestCA, cn: str = "TSA thử nghiệm") -> tuple[bytes, bytes]:
    """A TSA certificate of ``ca`` (critical extended key usage timeStamping, as RFC 3161 requires) and its RSA
    key (pyHanko's test TSA signs with RSA only), both DER: (certificate, PKCS#8 key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.DER),
            key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
