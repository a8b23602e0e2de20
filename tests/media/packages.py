"""Builders of real interactive packages for tests: an HTML5 simulation, SCORM 1.2 packages written per the
ADL SCORM 1.2 Content Aggregation Model (imsmanifest.xml with the adlcp namespace; one whose SCO really uses the
API), a SCORM 2004 package, an H5P-shaped zip and a real public .h5p (fixtures/), and hostile zips (path
traversal, absolute paths, symlinks, a zip bomb)."""
from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

SIM_HTML = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Mô phỏng con lắc đơn</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="css/sim.css"></head>
<body><h1>Con lắc đơn</h1><p id="status">đang tải</p><button id="done">Hoàn thành</button>
<script src="js/sim.js"></script></body></html>
"""
SIM_JS = """document.getElementById('status').textContent = 'sẵn sàng';
document.getElementById('done').addEventListener('click', function () {
  parent.postMessage({type: 'hoclieuso:progress', completed: true, score: 0.8}, '*');
  document.getElementById('status').textContent = 'đã gửi';
});
"""

SCORM12_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="vn.hoclieuso.test.scorm12" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                      http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-0"><title>Không phải mặc định</title>
      <item identifier="I0" identifierref="RES-0"><title>Sai</title></item></organization>
    <organization identifier="ORG-1"><title>Phân số (SCORM 1.2)</title>
      <item identifier="ITEM-1" identifierref="RES-1" isvisible="true"><title>Bài 1</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-0" type="webcontent" adlcp:scormtype="sco" href="wrong.html">
      <file href="wrong.html"/></resource>
    <resource identifier="RES-1" type="webcontent" adlcp:scormtype="sco" href="sco/lesson.html">
      <file href="sco/lesson.html"/></resource>
  </resources>
</manifest>
"""
SCORM12_LESSON = """<!doctype html><html><head><meta charset="utf-8"><title>Bài 1</title></head>
<body><p id="s">SCO</p></body></html>
"""


def zip_bytes(files: dict[str, bytes | str], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def html5_sim() -> bytes:
    return zip_bytes({"index.html": SIM_HTML, "js/sim.js": SIM_JS, "css/sim.css": "body{font:16px sans-serif}",
                      "img/ảnh minh hoạ (1).svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})


def scorm12() -> bytes:
    return zip_bytes({"imsmanifest.xml": SCORM12_MANIFEST, "sco/lesson.html": SCORM12_LESSON,
                      "wrong.html": "<p>x</p>"})


def h5p_shaped() -> bytes:
    return zip_bytes({"h5p.json": '{"title": "Câu đố", "mainLibrary": "H5P.MultiChoice", "language": "vi"}',
                      "content/content.json": '{"question": "1+1?"}'})


def traversal() -> bytes:
    return zip_bytes({"index.html": SIM_HTML, "../../etc/evil.sh": "echo pwned"})


def absolute() -> bytes:
    return zip_bytes({"index.html": SIM_HTML, "/tmp/evil.html": "x"})


def with_symlink() -> bytes:
    return zip_bytes({"index.html": SIM_HTML}, symlinks={"secret": "/etc/passwd"})


def bomb(megabytes: int = 64) -> bytes:
    """64 MB of zeros deflated to ~64 KB: a 1000x ratio no lesson has."""
    return zip_bytes({"index.html": SIM_HTML, "data.bin": b"\0" * (megabytes * 1024 * 1024)})


#: A SCO that really talks SCORM 1.2: finds the API the ADL way (walking parents, then the opener), resumes at
#: cmi.core.lesson_location, moves between three pages (committing each), and on "Nộp bài" reports a raw score
#: of 8/10 and "passed". Its page shows what the API answered, for the browser test to read.
SCORM12_RUNTIME_LESSON = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Phân số - bài 1</title>
<script src="api.js"></script></head>
<body><h1>Phân số</h1><p id="page">đang mở</p><p id="entry"></p>
<button id="next" type="button">Trang tiếp</button> <button id="finish" type="button">Nộp bài</button>
<p id="result"></p><script src="lesson.js"></script></body></html>
"""
SCORM12_API_JS = """function findAPI(win) {
  var tries = 0;
  while (win.API == null && win.parent != null && win.parent != win) {
    if (++tries > 7) return null;
    win = win.parent;
  }
  return win.API;
}
function getAPI() {
  var api = null;
  try { api = findAPI(window); } catch (e) { api = null; }
  if (api == null && window.opener != null) { try { api = findAPI(window.opener); } catch (e) { api = null; } }
  return api;
}
"""
SCORM12_LESSON_JS = """var api = getAPI();
var page = 1;
function show() { document.getElementById('page').textContent = 'Trang ' + page + '/3'; }
if (!api) {
  document.getElementById('page').textContent = 'không tìm thấy API';
} else {
  api.LMSInitialize('');
  var where = api.LMSGetValue('cmi.core.lesson_location');
  if (where) page = parseInt(where, 10) || 1;
  document.getElementById('entry').textContent = 'entry=' + api.LMSGetValue('cmi.core.entry') +
    ' student=' + api.LMSGetValue('cmi.core.student_name');
  if (api.LMSGetValue('cmi.core.lesson_status') === 'not attempted') api.LMSSetValue('cmi.core.lesson_status', 'incomplete');
  api.LMSSetValue('cmi.core.exit', 'suspend');
  show();
  document.getElementById('next').addEventListener('click', function () {
    page = Math.min(3, page + 1);
    api.LMSSetValue('cmi.core.lesson_location', String(page));
    api.LMSSetValue('cmi.suspend_data', 'trang=' + page);
    api.LMSCommit('');
    show();
  });
  document.getElementById('finish').addEventListener('click', function () {
    api.LMSSetValue('cmi.core.score.min', '0');
    api.LMSSetValue('cmi.core.score.max', '10');
    api.LMSSetValue('cmi.core.score.raw', '8');
    api.LMSSetValue('cmi.core.lesson_status', 'passed');
    api.LMSCommit('');
    document.getElementById('result').textContent = 'đã nộp: ' + api.LMSGetValue('cmi.core.score.raw') + '/10';
  });
}
"""


def scorm12_runtime() -> bytes:
    """A SCORM 1.2 package whose SCO uses the API (see SCORM12_RUNTIME_LESSON)."""
    return zip_bytes({"imsmanifest.xml": SCORM12_MANIFEST, "sco/lesson.html": SCORM12_RUNTIME_LESSON,
                      "sco/api.js": SCORM12_API_JS, "sco/lesson.js": SCORM12_LESSON_JS, "wrong.html": "<p>x</p>"})


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def h5p_true_false() -> bytes:
    """A real public H5P package (H5P.TrueFalse with its libraries; see fixtures/README.md for its licence)."""
    return (FIXTURES / "h5p-true-false.h5p").read_bytes()


SCORM2004_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="vn.hoclieuso.test.scorm2004" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG"><title>Hình học (SCORM 2004)</title>
      <item identifier="ITEM" identifierref="RES"><title>Bài 1</title></item></organization>
  </organizations>
  <resources>
    <resource identifier="RES" type="webcontent" adlcp:scormType="sco" href="index.html">
      <file href="index.html"/><file href="sco.js"/></resource>
  </resources>
</manifest>
"""
SCORM2004_LESSON = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Hình học</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Hình học</h1><p id="where">đang mở</p>
<button id="next" type="button">Phần tiếp</button> <button id="finish" type="button">Hoàn thành</button>
<p id="result"></p><script src="sco.js"></script></body></html>
"""
#: A SCORM 2004 SCO: finds API_1484_11 the ADL way, resumes at cmi.location, reports score.scaled 0.9 and
#: completed/passed on "Hoàn thành".
SCORM2004_JS = """function findAPI(win) {
  var tries = 0;
  while (win.API_1484_11 == null && win.parent != null && win.parent != win) {
    if (++tries > 7) return null;
    win = win.parent;
  }
  return win.API_1484_11;
}
var api = null;
try { api = findAPI(window); } catch (e) { api = null; }
var part = 1;
function show() { document.getElementById('where').textContent = 'Phần ' + part + ' (' + api.GetValue('cmi.entry') + ')'; }
if (!api) {
  document.getElementById('where').textContent = 'không tìm thấy API';
} else {
  api.Initialize('');
  part = parseInt(api.GetValue('cmi.location'), 10) || 1;
  api.SetValue('cmi.exit', 'suspend');
  show();
  document.getElementById('next').addEventListener('click', function () {
    part += 1;
    api.SetValue('cmi.location', String(part));
    api.Commit('');
    show();
  });
  document.getElementById('finish').addEventListener('click', function () {
    api.SetValue('cmi.score.scaled', '0.9');
    api.SetValue('cmi.completion_status', 'completed');
    api.SetValue('cmi.success_status', 'passed');
    api.Commit('');
    document.getElementById('result').textContent = 'xong: ' + api.GetValue('cmi.score.scaled');
  });
}
"""


def scorm2004_runtime() -> bytes:
    """A SCORM 2004 package whose SCO uses API_1484_11 (see SCORM2004_JS)."""
    return zip_bytes({"imsmanifest.xml": SCORM2004_MANIFEST, "index.html": SCORM2004_LESSON, "sco.js": SCORM2004_JS})
