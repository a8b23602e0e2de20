"""The sandbox of interactive packages, tested in a real browser in both ways the app serves them:

* **sandbox**: no PACKAGE_ORIGIN; the package comes from the site's own host under a CSP ``sandbox`` without
  ``allow-same-origin`` (an opaque origin);
* **origin**: the site at ``http://127.0.0.1:P`` with ``PACKAGE_ORIGIN=http://localhost:P`` (another host of the
  same server: browsers keep cookies per host, and these two are different sites), where packages get
  ``allow-same-origin``.

A hostile HTML5 package tries to read cookies, to reach into the lecture page, and to call the API with the
student's session (relative to where it is served and at the site's own address); it reports what it got to the
page by ``postMessage``. Besides what the package saw, the browser's own record of the requests says whether any
of them carried the student's cookies. The SCORM and H5P journeys of ``test_packages`` are played again with the
packages on their own host.
"""
from __future__ import annotations

import json

import pytest

from tests.e2e import test_packages as journeys
from tests.e2e.conftest import OUT, demo_site, phone_on
from tests.media import packages

pytestmark = pytest.mark.browser

#: The hostile package's script; SITE is replaced by the site's origin (what a package author could learn).
HOSTILE_JS = """(async function () {
  const SITE = %(site)s;
  const out = {origin: String(self.origin)};
  async function attempt(name, fn) {
    try { out[name] = await fn(); } catch (e) { out[name] = 'denied:' + e.name; }
  }
  await attempt('cookie', () => document.cookie);
  await attempt('storage', () => JSON.stringify(Object.keys(localStorage)));
  await attempt('parent_cookie', () => parent.document.cookie);
  await attempt('parent_title', () => parent.document.title);
  await attempt('top_url', () => String(top.location.href));
  async function call(url, init) {
    const r = await fetch(url, Object.assign({credentials: 'include'}, init || {}));
    return r.type + ':' + r.status + ':' + (await r.text()).slice(0, 300);
  }
  await attempt('api_here', () => call('/api/v1/me?probe=here'));
  await attempt('api_site', () => call(SITE + '/api/v1/me?probe=site'));
  await attempt('api_site_no_cors', () => call(SITE + '/api/v1/me?probe=no-cors', {mode: 'no-cors'}));
  await attempt('progress_put', () => call(SITE + '/api/v1/lectures/1/progress?probe=put', {
    method: 'PUT', headers: {'Content-Type': 'application/json'}, body: '{"media_id": 1, "completed": true}'}));
  parent.postMessage({type: 'hoclieuso:probe', seen: out}, '*');
})();
"""
HOSTILE_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Thí nghiệm lạ</title></head>
<body><h1>Thí nghiệm lạ</h1><script src="hostile.js"></script></body></html>"""

#: In the lecture page only: keep what a package frame posts as "hoclieuso:probe", with the origin it came from.
CATCH_PROBE = """(() => {
  if (window !== window.top) return;
  window.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'hoclieuso:probe') window.__probe = {origin: e.origin, seen: e.data.seen};
  });
})();"""

#: Chromium logs each refused request as a console error: refusing them is what is tested here.
EXPECTED_CONSOLE = (r"blocked by CORS policy", r"net::ERR_FAILED", r"status of 404", r"status of 401")


@pytest.fixture(scope="module")
def origin_server(tmp_path_factory):
    """A demo site of its own (so the journeys played again here add nothing to the shared site's gradebook)
    with packages on their own host: the site on 127.0.0.1, packages on localhost, same port."""
    with demo_site(tmp_path_factory.mktemp("e2e-package-origin"), "server-package-origin.log",
                   APP_ORIGINS="http://127.0.0.1:{port}", PACKAGE_ORIGIN="http://localhost:{port}") as site:
        yield {**site, "package_origin": site["env"]["PACKAGE_ORIGIN"]}


@pytest.mark.parametrize("mode", ["sandbox", "origin"])
def test_a_hostile_package_gets_no_cookie_no_page_and_no_api_as_the_student(live_server, browser, request, mode):
    server = live_server if mode == "sandbox" else request.getfixturevalue("origin_server")
    base = server["url"]
    teacher = journeys._token(base, "teacher")
    hostile = journeys._upload_ready(base, teacher, packages.zip_bytes({
        "index.html": HOSTILE_HTML, "hostile.js": HOSTILE_JS % {"site": json.dumps(base)}}), "thi-nghiem-la.zip")
    assert hostile["status"] == "ready", hostile
    lecture_id = journeys._lecture_with(base, teacher, [hostile["id"]], f"Thí nghiệm lạ ({mode})")

    with phone_on(browser, server["url"]) as page:
        journeys._student_login(page)
        page.goto(f"/lectures/{lecture_id}")
        page.evaluate("document.cookie = 'bi_mat=khong-duoc-doc; path=/'")
        session = {c["name"]: c["value"] for c in page.context.cookies(base)}
        assert "session" in session and "bi_mat" in session, session
        page._lms_watch.assert_clean()
        page._lms_watch.allowing(*EXPECTED_CONSOLE)

        probes = []
        page.on("request", lambda req: probes.append(req) if "probe=" in req.url else None)
        page.add_init_script(CATCH_PROBE)
        page.goto(f"/lectures/{lecture_id}/packages/{hostile['id']}")
        page.wait_for_function("() => window.__probe !== undefined", timeout=30000)
        report = page.evaluate("window.__probe")
        page.screenshot(path=str(OUT / f"package-origin-{mode}.png"), full_page=True)
        sent = {req.url.split("probe=")[1]: req.all_headers().get("cookie", "") for req in probes}

    seen, text = report["seen"], json.dumps(report)
    expected_origin = "null" if mode == "sandbox" else server["package_origin"]
    assert report["origin"] == seen["origin"] == expected_origin, report
    # No cookie of the site is readable: none at all on an opaque origin, an empty jar on the packages' host.
    assert seen["cookie"] == ("denied:SecurityError" if mode == "sandbox" else ""), seen
    # Web storage: none on an opaque origin; on the packages' host the host's own (empty), or none where the
    # browser blocks third-party storage (Chromium's off-the-record contexts, which Playwright's are).
    assert seen["storage"] in (("denied:SecurityError",) if mode == "sandbox" else ("[]", "denied:SecurityError"))
    for reach in ("parent_cookie", "parent_title", "top_url"):
        assert seen[reach] == "denied:SecurityError", (reach, seen)
    # The API answers nothing readable: refused by CORS, or the packages' host's 404 for anything not a package.
    assert seen["api_site"] == "denied:TypeError" and seen["progress_put"] == "denied:TypeError", seen
    assert seen["api_site_no_cors"] == "opaque:0:", seen
    assert seen["api_here"] == ("denied:TypeError" if mode == "sandbox" else seen["api_here"]), seen
    if mode == "origin":
        assert seen["api_here"].startswith("basic:404:"), seen
    for secret in ("khong-duoc-doc", session["session"], '"username"', "student"):
        assert secret not in text, (secret, report)
    # And the browser sent none of the student's cookies with any of those requests (the PUT's preflight failed,
    # so it was never sent at all).
    assert {"here", "site", "no-cors"} <= set(sent), sent
    for probe, cookie in sent.items():
        assert session["session"] not in cookie and "bi_mat" not in cookie, (probe, cookie)


def test_scorm_and_h5p_play_from_the_packages_own_host(origin_server, browser):
    with phone_on(browser, origin_server["url"]) as page:
        journeys.test_student_resumes_a_scorm_package_and_scores_on_an_h5p_package(origin_server, page, browser)
    with phone_on(browser, origin_server["url"]) as page:
        journeys.test_a_scorm_2004_package_resumes_and_reports_its_scaled_score(origin_server, page)
