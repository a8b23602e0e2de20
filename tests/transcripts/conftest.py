"""A throwaway PKI for signing học bạ: a CA, the homeroom teacher, the principal and the school's seal."""
import datetime as dt

import pytest


@pytest.fixture(scope="session")
def school_pki(tmp_path_factory):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def cert(subject, key, issuer, issuer_key, ca):
        usage = (x509.KeyUsage(False, False, False, False, False, True, True, False, False) if ca
                 else x509.KeyUsage(True, True, False, False, False, False, False, False, False))
        return (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(issuer)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                               critical=False)
                .add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256()))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = cert("CA Sở GD&ĐT thử nghiệm", ca_key, name("CA Sở GD&ĐT thử nghiệm"), ca_key, True)
    out = {}
    for role, cn in (("homeroom", "Nguyễn Thị Lan"), ("principal", "Trần Văn Hiệu"),
                     ("seal", "Trường THPT Chu Văn An")):
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = cert(cn, key, ca.subject, ca_key, False)
        out[role] = pkcs12.serialize_key_and_certificates(role.encode(), key, leaf, [ca],
                                                          serialization.BestAvailableEncryption(b"mat-khau"))
    roots = tmp_path_factory.mktemp("pki") / "roots.pem"
    roots.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out["roots"] = str(roots)
    out["ca_der"] = ca.public_bytes(serialization.Encoding.DER)
    return out
