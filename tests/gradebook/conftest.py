"""Helpers for the gradebook tests: build a gradebook through the API and a throwaway certificate authority."""
from __future__ import annotations

import pytest

from tests.pki import TestCA


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
    ca = TestCA("CA thử nghiệm")
    return {"p12": ca.pkcs12("Nguyễn Thị Lan", b"gv"), "password": "mat-khau", "ca_pem": ca.pem().decode(),
            "other_ca_pem": TestCA("CA khác").pem().decode(), "ca": ca}
