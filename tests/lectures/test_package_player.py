"""The package player page: viewers of the lecture get a sandboxed frame with a signed launch URL; others 404."""
import re

import pytest

from tests.conftest import PASSWORD
from tests.media import packages
from tests.media.conftest_app import fs_storage, upload  # noqa: F401  (fixture)


@pytest.fixture
def login(app):
    def make(username):
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        return client

    return make


def test_class_student_plays_the_package_sandboxed_and_others_cannot(world, fs_storage, login, make_lecture,
                                                                      asset):
    sim = upload(world.as_("teacher"), packages.html5_sim(), "con-lac.zip").get_json()["id"]
    pdf = asset(world.teacher, kind="pdf", filename="phieu.pdf")
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[sim, pdf], submit=True)

    page = login("hs.anh").get(f"/lectures/{lecture['id']}").get_data(as_text=True)
    assert f'/lectures/{lecture["id"]}/packages/{sim}"' in page and "Bài tương tác" in page

    resp = login("hs.anh").get(f"/lectures/{lecture['id']}/packages/{sim}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Mô phỏng con lắc đơn" in html
    frame = re.search(r'<iframe[^>]*id="package-frame"[^>]*>', html, re.S).group(0)
    assert 'sandbox="allow-scripts allow-forms allow-popups allow-modals"' in frame
    assert "allow-same-origin" not in frame
    assert re.search(rf'src="/api/v1/media/{sim}/pkg/\d+/[\w-]+/index.html"', frame)

    assert login("hs.ngoai").get(f"/lectures/{lecture['id']}/packages/{sim}").status_code == 404
    assert login("hs.anh").get(f"/lectures/{lecture['id']}/packages/{pdf}").status_code == 404
    other = upload(world.as_("teacher"), packages.html5_sim(), "khac.zip").get_json()["id"]
    assert login("hs.anh").get(f"/lectures/{lecture['id']}/packages/{other}").status_code == 404
    # Through the API too: the lecture makes the package visible to its class, not to outsiders.
    assert world.as_("student").get(f"/media/{sim}/package").status_code == 302
    assert world.as_("outsider").get(f"/media/{sim}/package").status_code == 404
