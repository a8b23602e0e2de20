"""Every error status the API uses comes back as RFC 9457 problem+json."""
import pytest

from tests.conftest import PASSWORD


def assert_problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body


def test_400_malformed_json(world):
    resp = world.as_("admin").request("POST", "/users", data=b"{not json", headers={"Content-Type": "application/json"})
    assert_problem(resp, 400)


def test_401_without_token(world):
    assert_problem(world.as_("anonymous").get("/me"), 401)


def test_403_for_a_role_that_may_not(world):
    body = assert_problem(world.as_("student").post("/users", json={}), 403)
    assert "vai trò" in body["detail"].lower()


def test_404_unknown_path_and_invisible_object(world):
    assert_problem(world.as_("admin").get("/khong-co-duong-dan"), 404)
    # A class the teacher does not teach is "not found", not "forbidden": existence does not leak.
    assert_problem(world.as_("teacher2").post(f"/classes/{world.klass}/students", json={"student_ids": [1]}), 404)


def test_405_lists_allowed_methods(world):
    resp = world.as_("admin").request("PATCH", "/me")
    assert_problem(resp, 405)
    assert "GET" in resp.headers["Allow"]


def test_409_duplicate_username(world):
    body = {"username": "gv.lan", "password": PASSWORD, "role": "teacher", "school_id": world.school}
    assert_problem(world.as_("admin").post("/users", json=body), 409)


def test_413_roster_too_large(world):
    import io

    big = io.BytesIO(b"username,full_name\n" + b"a,b\n" * (2 * 1024 * 1024))
    resp = world.as_("admin").request("POST", "/users/import", data={"file": (big, "roster.csv")},
                                      content_type="multipart/form-data")
    assert_problem(resp, 413)


def test_415_wrong_content_type(world):
    resp = world.as_("admin").request("POST", "/users", data="username=x", headers={"Content-Type": "text/plain"})
    assert_problem(resp, 415)


def test_422_lists_field_errors(world):
    body = assert_problem(world.as_("admin").post("/users", json={"username": "", "role": "wizard"}), 422)
    assert set(body["errors"]) >= {"username", "password", "role"}


def test_422_unknown_fields_are_rejected(world):
    body = assert_problem(world.as_("admin").post("/schools", json={"name": "A", "code": "B", "extra": 1}), 422)
    assert "extra" in body["errors"]


def test_422_bad_pagination(world):
    assert_problem(world.as_("admin").get("/schools?per_page=1000"), 422)
    assert_problem(world.as_("admin").get("/schools?page=0"), 422)


def test_429_problem(world):
    anon = world.as_("anonymous")
    for _ in range(5):
        anon.post("/auth/token", json={"username": "gv.lan", "password": "sai"})
    body = assert_problem(anon.post("/auth/token", json={"username": "gv.lan", "password": "sai"}), 429)
    assert body["type"].endswith("rate-limited")


@pytest.mark.parametrize("payload", [None, [], "chuỗi", 42, {"username": None, "password": None}])
def test_odd_json_shapes_are_4xx_never_500(world, payload):
    resp = world.as_("anonymous").request("POST", "/auth/token", data=__import__("json").dumps(payload),
                                          headers={"Content-Type": "application/json"})
    assert 400 <= resp.status_code < 500


def test_pagination_shape(world):
    body = world.as_("admin").get("/schools?page=1&per_page=1").get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == 2 and len(body["items"]) == 1


def test_ids_beyond_the_integer_range_are_404(world):
    assert_problem(world.as_("admin").post(f"/classes/{2**40}/teachers", json={"teacher_id": 1, "subject": "toan"}),
                   404)
