"""A throwaway PKI for signing học bạ: a CA, the homeroom teacher, the principal and the school's seal."""
import pytest

from tests.pki import TestCA


@pytest.fixture(scope="session")
def school_pki(tmp_path_factory):
    ca = TestCA("CA Sở GD&ĐT thử nghiệm")
    out = {role: ca.pkcs12(cn, role.encode()) for role, cn in (
        ("homeroom", "Nguyễn Thị Lan"), ("principal", "Trần Văn Hiệu"), ("seal", "Trường THPT Chu Văn An"))}
    roots = tmp_path_factory.mktemp("pki") / "roots.pem"
    roots.write_bytes(ca.pem())
    out["roots"] = str(roots)
    out["ca_der"] = ca.der()
    out["ca"] = ca
    return out


@pytest.fixture
def graded(world):
    teacher = world.as_("teacher")
    column = teacher.post("/gradebook/columns", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                      "kind": "tx", "title": "Kiểm tra miệng"}).get_json()["id"]
    teacher.put(f"/gradebook/columns/{column}/scores", json={"scores": {str(world.student): "8.5"}})
    teacher.patch(f"/gradebook/columns/{column}", json={"released": True})
    return column
