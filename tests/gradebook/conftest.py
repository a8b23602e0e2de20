"""Helpers for the gradebook tests: build a gradebook through the API and a throwaway certificate authority."""
from __future__ import annotations

import datetime as dt

import pytest


class Book:
    """Drives one gradebook (class × subject × semester) through the JSON API as one client."""

    def __init__(self, api, class_id: int, subject: str, semester: int):
        self.api, self.class_id, self.subject, self.semester = api, class_id, subject, semester

    @property
    def query(self) -> str:
        return f"class_id={self.class_id}&subject={self.subject}&semester={self.semester}"

    def column(self, kind: str, title: str | None = None) -> int:
        resp = self.api.post("/gradebook/columns", json={"class_id": self.class_id, "subject": self.subject,
                                                         "semester": self.semester, "kind": kind,
                                                         "title": title or f"Cột {kind}"})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    def columns(self, tx: int) -> list[int]:
        """tx regular columns, then gk and ck: the ids in display order."""
        return [self.column("tx", f"ĐĐGtx {i + 1}") for i in range(tx)] + [self.column("gk"), self.column("ck")]

    def put(self, column_id: int, scores: dict):
        return self.api.put(f"/gradebook/columns/{column_id}/scores", json={"scores": {str(k): v for k, v in scores.items()}})

    def fill(self, column_ids: list[int], student_id: int, values: list) -> dict:
        """Enter one student's values column by column; returns the last gradebook response."""
        body = None
        for column_id, value in zip(column_ids, values, strict=True):
            resp = self.put(column_id, {student_id: value})
            assert resp.status_code == 200, resp.get_json()
            body = resp.get_json()
        return body

    def get(self) -> dict:
        resp = self.api.get(f"/gradebook?{self.query}")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def row(self, student_id: int) -> dict:
        return next(r for r in self.get()["rows"] if r["student_id"] == student_id)


@pytest.fixture
def book(world):
    """``book(subject, semester, as_="teacher")`` -> Book on world's class 10A1."""
    def make(subject="toan", semester=1, as_="teacher"):
        return Book(world.as_(as_), world.klass, subject, semester)
    return make


@pytest.fixture(scope="session")
def pki():
    """A throwaway CA and a teacher certificate as PKCS#12 (password b"mat-khau")."""
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
    ca_cert = cert("CA thử nghiệm", ca_key, name("CA thử nghiệm"), ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert("Nguyễn Thị Lan", key, ca_cert.subject, ca_key, False)
    p12 = pkcs12.serialize_key_and_certificates(b"gv", key, leaf, [ca_cert],
                                                serialization.BestAvailableEncryption(b"mat-khau"))
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = cert("CA khác", other_key, name("CA khác"), other_key, True)
    return {"p12": p12, "password": "mat-khau",
            "ca_pem": ca_cert.public_bytes(serialization.Encoding.PEM).decode(),
            "other_ca_pem": other_ca.public_bytes(serialization.Encoding.PEM).decode()}
