"""Interactive packages: inspection (launch file, limits, hostile zips), storage unpacked, sandboxed serving."""
from __future__ import annotations

import re
import time

import pytest

from media.processing.packages import PackageInvalid, extract_package, inspect_package
from media.sniffing import Sniffed, UnsupportedMedia, sniff
from media.storage import InvalidKey, package_key
from tests.media import packages
from tests.media.conftest_app import asset_row, fs_storage, upload  # noqa: F401  (fixtures)


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_sniffing_recognises_packages_and_still_refuses_a_plain_zip(tmp_path):
    assert sniff(_write(tmp_path, "a", packages.html5_sim())) == Sniffed("package", "application/zip", ".zip")
    assert sniff(_write(tmp_path, "b", packages.scorm12())).kind == "package"
    assert sniff(_write(tmp_path, "c", packages.h5p_shaped())).ext == ".h5p"
    with pytest.raises(UnsupportedMedia):
        sniff(_write(tmp_path, "d", packages.zip_bytes({"notes.txt": "x"})))


def test_html5_sim_is_described_from_its_index(tmp_path):
    info = inspect_package(_write(tmp_path, "sim.zip", packages.html5_sim()))
    assert (info.type, info.title, info.launch, info.files) == ("html5", "Mô phỏng con lắc đơn", "index.html", 4)


def test_scorm12_launch_is_the_default_organizations_first_item(tmp_path):
    info = inspect_package(_write(tmp_path, "scorm.zip", packages.scorm12()))
    assert (info.type, info.version, info.title, info.launch) == ("scorm", "1.2", "Phân số (SCORM 1.2)",
                                                                  "sco/lesson.html")


def test_scorm_manifest_naming_a_missing_file_or_declaring_entities_fails(tmp_path):
    missing = packages.zip_bytes({"imsmanifest.xml": packages.SCORM12_MANIFEST, "wrong.html": "x"})
    with pytest.raises(PackageInvalid, match="Không tìm thấy tệp khởi chạy sco/lesson.html"):
        inspect_package(_write(tmp_path, "m.zip", missing))
    entity = packages.SCORM12_MANIFEST.replace('<?xml version="1.0" encoding="UTF-8"?>',
                                               '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "y">]>')
    with pytest.raises(PackageInvalid, match="DOCTYPE"):
        inspect_package(_write(tmp_path, "e.zip", packages.zip_bytes({"imsmanifest.xml": entity,
                                                                      "sco/lesson.html": "x"})))
    with pytest.raises(PackageInvalid, match="không hợp lệ"):
        inspect_package(_write(tmp_path, "x.zip", packages.zip_bytes({"imsmanifest.xml": "<manifest>",
                                                                      "index.html": "x"})))


def test_h5p_needs_a_main_library(tmp_path):
    info = inspect_package(_write(tmp_path, "q.h5p", packages.h5p_shaped()))
    assert (info.type, info.title, info.launch) == ("h5p", "Câu đố", "h5p.json")
    bad = packages.zip_bytes({"h5p.json": '{"title": "x"}', "content/content.json": "{}"})
    with pytest.raises(PackageInvalid, match="mainLibrary"):
        inspect_package(_write(tmp_path, "bad.h5p", bad))


@pytest.mark.parametrize("builder, reason", [
    (packages.traversal, "vượt ra ngoài thư mục"),
    (packages.absolute, "đường dẫn tuyệt đối"),
    (packages.with_symlink, "liên kết"),
    (packages.bomb, "bom nén"),
])
def test_hostile_zips_are_refused_before_anything_is_written(tmp_path, builder, reason):
    path = _write(tmp_path, "evil.zip", builder())
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PackageInvalid, match=reason):
        inspect_package(path)
    with pytest.raises(PackageInvalid):
        extract_package(path, out)
    assert not any(out.rglob("*")) and not (tmp_path.parent / "etc").exists()


def test_a_member_inflating_past_its_declared_size_stops_extraction(tmp_path, monkeypatch):
    """The directory's sizes are the attacker's words: what really comes out is checked (size and CRC)."""
    import zipfile

    path = _write(tmp_path, "lie.zip", packages.html5_sim())
    real_members = zipfile.ZipFile.infolist

    def lying(self):
        infos = real_members(self)
        for info in infos:
            if info.filename == "js/sim.js":
                info.file_size = 10  # smaller than the real content
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    with pytest.raises(PackageInvalid, match="hỏng|lớn hơn khai báo"):
        extract_package(path, tmp_path / "out")


def test_too_many_files_is_refused(tmp_path, monkeypatch):
    from media.processing import packages as mod

    monkeypatch.setattr(mod, "MAX_FILES", 3)
    with pytest.raises(PackageInvalid, match="quá nhiều tệp"):
        inspect_package(_write(tmp_path, "sim.zip", packages.html5_sim()))


def test_package_keys_keep_safe_names_and_encode_the_rest_one_to_one():
    assert package_key(7, "js/sim.js") == "assets/7/package/js/sim.js"
    odd = package_key(7, "img/ảnh minh hoạ (1).svg")
    assert odd.startswith("assets/7/package/img/=") and odd != package_key(7, "img/anh minh hoa (1).svg")
    assert package_key(7, "=x") != package_key(7, "x")
    with pytest.raises(InvalidKey):
        package_key(7, "../secret")


def _open(app, url):
    return app.test_client().get(url)


def test_upload_stores_the_package_unpacked_and_serves_it_sandboxed(world, fs_storage, app):
    teacher = world.as_("teacher")
    resp = upload(teacher, packages.html5_sim(), "con-lac.zip")
    assert resp.status_code == 201, resp.get_json()
    body = teacher.get(f"/media/{resp.get_json()['id']}").get_json()
    asset_id = body["id"]
    assert body["kind"] == "package" and body["status"] == "ready"
    assert body["package"]["type"] == "html5" and body["package"]["launch"] == "index.html"
    assert body["package_url"] == f"/api/v1/media/{asset_id}/package"
    keys = fs_storage.list(f"assets/{asset_id}/package/")
    assert f"assets/{asset_id}/package/js/sim.js" in keys and len(keys) == 4

    opened = teacher.get(f"/media/{asset_id}/package")
    assert opened.status_code == 302
    launch = opened.headers["Location"]
    assert re.match(rf"^/api/v1/media/{asset_id}/pkg/\d+/[\w-]+/index.html$", launch)
    page = _open(app, launch)
    assert page.status_code == 200 and "Con lắc đơn" in page.get_data(as_text=True)
    csp = page.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts allow-forms") and "allow-same-origin" not in csp
    assert page.headers["Set-Cookie"] is None if "Set-Cookie" in page.headers else True
    # Relative links of the package resolve below the same signed prefix.
    base = launch.rsplit("/", 1)[0]
    script = _open(app, base + "/js/sim.js")
    assert script.status_code == 200 and b"hoclieuso:progress" in script.get_data()
    assert "sandbox" in script.headers["Content-Security-Policy"]
    unicode_name = _open(app, base + "/img/%E1%BA%A3nh%20minh%20ho%E1%BA%A1%20(1).svg")
    assert unicode_name.status_code == 200
    assert _open(app, base + "/nope.js").status_code == 404


def test_package_urls_cannot_be_forged_stretched_or_moved(world, fs_storage, app, monkeypatch):
    teacher = world.as_("teacher")
    first = upload(teacher, packages.html5_sim(), "a.zip").get_json()["id"]
    second = upload(teacher, packages.html5_sim(), "b.zip").get_json()["id"]
    launch = teacher.get(f"/media/{first}/package").headers["Location"]
    _, exp, sig = re.search(r"/pkg/(\d+)/([\w-]+)/", launch).group(0).strip("/").split("/")
    assert _open(app, launch.replace(f"/pkg/{exp}/", f"/pkg/{int(exp) + 60}/")).status_code == 403
    assert _open(app, launch.replace(f"/media/{first}/", f"/media/{second}/")).status_code == 403
    assert _open(app, launch.replace(sig, sig[:-2] + "xx")).status_code == 403
    with app.test_request_context():
        from media import urls

        monkeypatch.setattr(urls, "PACKAGE_EXPIRY_STEP_S", 1)
        expired = urls.sign_package(first, "index.html", 1)
    time.sleep(2.1)
    assert _open(app, expired).status_code == 403


def test_only_viewers_may_open_a_package(world, fs_storage, app):
    from media import api, permissions

    asset_id = upload(world.as_("teacher"), packages.html5_sim(), "a.zip").get_json()["id"]
    assert world.as_("student").get(f"/media/{asset_id}/package").status_code == 404
    assert world.as_("teacher2").get(f"/media/{asset_id}/package").status_code == 404

    def lecture_check(user, media_id):
        return media_id == asset_id and user.id == world.student

    api.register_access_check(lecture_check)
    try:
        assert world.as_("student").get(f"/media/{asset_id}/package").status_code == 302
        assert world.as_("student2").get(f"/media/{asset_id}/package").status_code == 404
    finally:
        permissions._ACCESS_CHECKS.remove(lecture_check)


def test_scorm_and_h5p_uploads_are_described(world, fs_storage, app):
    teacher = world.as_("teacher")
    scorm = upload(teacher, packages.scorm12(), "phan-so.zip").get_json()
    scorm = teacher.get(f"/media/{scorm['id']}").get_json()
    assert scorm["package"] == {"type": "scorm", "version": "1.2", "title": "Phân số (SCORM 1.2)",
                                "launch": "sco/lesson.html", "files": 3, "unpacked_bytes": scorm["package"]
                                ["unpacked_bytes"]}
    launch = teacher.get(f"/media/{scorm['id']}/package").headers["Location"]
    assert launch.endswith("/sco/lesson.html")
    h5p = upload(teacher, packages.h5p_shaped(), "cau-do.h5p").get_json()
    assert teacher.get(f"/media/{h5p['id']}").get_json()["package"]["type"] == "h5p"


@pytest.mark.parametrize("builder, reason", [
    (packages.traversal, "vượt ra ngoài thư mục"),
    (packages.bomb, "bom nén"),
    (packages.with_symlink, "liên kết"),
])
def test_bad_packages_end_failed_with_a_readable_reason_and_store_no_files(world, fs_storage, app, builder,
                                                                            reason):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, builder(), "xau.zip").get_json()["id"]
    body = teacher.get(f"/media/{asset_id}").get_json()
    assert body["status"] == "failed" and reason in body["error"] and body["package"] is None
    assert fs_storage.list(f"assets/{asset_id}/package/") == []
    assert teacher.get(f"/media/{asset_id}/package").status_code == 409


def test_package_origin_prefixes_launch_urls(world, fs_storage, app, monkeypatch):
    monkeypatch.setitem(app.config, "PACKAGE_ORIGIN", "https://goi.example.edu.vn")
    teacher = world.as_("teacher")
    asset_id = upload(teacher, packages.html5_sim(), "a.zip").get_json()["id"]
    location = teacher.get(f"/media/{asset_id}/package").headers["Location"]
    assert location.startswith(f"https://goi.example.edu.vn/api/v1/media/{asset_id}/pkg/")


def test_an_unsupported_compression_method_is_refused_by_name(tmp_path):
    """Deflate64 (method 9, written by Windows' own zipper for big files) is not readable by zipfile."""
    data = bytearray(packages.html5_sim())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset:start + offset + 2] = (9).to_bytes(2, "little")
            start += 4
    path = _write(tmp_path, "deflate64.zip", bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PackageInvalid, match="kiểu nén không hỗ trợ"):
        inspect_package(path)
    with pytest.raises(PackageInvalid):
        extract_package(path, out)
    assert not any(out.rglob("*"))
