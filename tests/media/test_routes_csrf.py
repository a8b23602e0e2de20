"""A page's script uploads with the session cookie and the X-CSRFToken header; the body must reach the view."""
import io
import re

from tests.conftest import PASSWORD

# A 1x1 PNG.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
                    "0000000200015e2a2e3a0000000049454e44ae426082")


def _signed_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": "gv.lan", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    meta = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/dashboard").get_data(as_text=True))
    return client, meta.group(1)


def test_cookie_upload_with_csrf_header_streams_the_file(world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client, token = _signed_in(app)
        data = {"file": (io.BytesIO(PNG), "hinh.png")}
        refused = client.post("/api/v1/media", data=data, content_type="multipart/form-data")
        assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
        data = {"file": (io.BytesIO(PNG), "hinh.png")}
        resp = client.post("/api/v1/media", data=data, content_type="multipart/form-data",
                           headers={"X-CSRFToken": token})
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["kind"] == "image"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
