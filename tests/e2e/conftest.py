"""End-to-end journeys: the real app (gunicorn + a real worker, embedded defaults in a temp data dir) driven by
Debian's Chromium through Playwright. Screenshots of key screens go to test-output/e2e/; on failure the last
screenshot and the browser console are printed."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=vi-VN"]
DEMO_PASSWORD = "hoclieuso2026"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with demo_site(tmp_path_factory.mktemp("e2e-data"), "server.log") as site:
        yield site


@contextlib.contextmanager
def demo_site(data: Path, log_name: str, **settings: str):
    """A migrated, seeded demo site in ``data`` (gunicorn + a job worker, ``settings`` added to its
    environment); yields ``{"url", "data_dir", "env"}``."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing at /usr/bin/chromium (make test installs the Debian package)")
        pytest.skip("Chromium not installed")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "S3_ENDPOINT"}}
    env.update(LMS_DATA_DIR=str(data), SECRET_KEY="e2e-secret-key-0123456789-0123456789", PYTHONUNBUFFERED="1")
    port = _free_port()
    env.update({key: value.format(port=port) for key, value in settings.items()})
    venv = Path(sys.executable).parent
    flask = [str(venv / "flask"), "--app", "wsgi"]
    OUT.mkdir(parents=True, exist_ok=True)
    for step in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(flask + step, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    with open(OUT / log_name, "w") as log:
        worker = subprocess.Popen(flask + ["worker", "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            web = start_web(env, port, log)
        except Exception:
            stop(worker)
            raise
        try:
            yield {"url": f"http://127.0.0.1:{port}", "data_dir": data, "env": env}
        finally:
            stop(web, worker)


def start_web(env: dict, port: int, log) -> subprocess.Popen:
    """gunicorn serving the app with ``env`` on 127.0.0.1:``port``; returns once ``/login`` answers."""
    venv = Path(sys.executable).parent
    web = subprocess.Popen([str(venv / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads",
                            "8", "--timeout", "120", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return web
        except Exception:
            if time.time() > deadline or web.poll() is not None:
                stop(web)
                raise RuntimeError(f"the app did not start; see {log.name}")
            time.sleep(0.3)


def stop(*procs: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# ---------------------------------------------------------------- every page: Vietnamese, no UTC, clean

#: Runs in every document before its own scripts (init scripts are not bound by the page's CSP). When the page
#: has loaded it notes what is wrong: not lang="vi", or "UTC" in the visible text. Kept in sessionStorage so pages
#: the journey only passed through (redirects, a form that navigates on) are reported too.
_PAGE_CHECK = """(() => {
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return;
  window.addEventListener('load', () => {
    const problems = [];
    const lang = document.documentElement.getAttribute('lang');
    if (document.contentType === 'text/html' && lang !== 'vi') problems.push('html lang is ' + lang);
    const text = document.body ? document.body.innerText : '';
    if (/\\bUTC\\b/.test(text)) problems.push('"UTC" in the visible text');
    if (!problems.length) return;
    try {
      const seen = JSON.parse(sessionStorage.getItem('__page_problems') || '[]');
      seen.push(location.pathname + location.search + ': ' + problems.join(', '));
      sessionStorage.setItem('__page_problems', JSON.stringify(seen));
    } catch (e) { /* storage disabled: assert_clean still checks the current page */ }
  });
})();"""

_CURRENT_PAGE = """() => {
  const problems = [];
  if (!document.body) return problems;
  const lang = document.documentElement.getAttribute('lang');
  if (document.contentType === 'text/html' && lang !== 'vi') problems.push('html lang is ' + lang);
  if (/\\bUTC\\b/.test(document.body.innerText)) problems.push('"UTC" in the visible text');
  let seen = [];
  try { seen = JSON.parse(sessionStorage.getItem('__page_problems') || '[]'); sessionStorage.removeItem('__page_problems'); } catch (e) {}
  return seen.concat(problems.map(p => location.pathname + location.search + ': ' + p));
}"""


class PageWatch:
    """What went wrong on the pages a Playwright page visited: console errors, uncaught exceptions, 5xx
    responses, and pages not in Vietnamese or showing "UTC". Attach with :func:`watch_page`, check with
    :meth:`assert_clean` (after each step, or once at the end: problems are kept until checked).

    ``allow_console`` holds regular expressions for console errors a step provokes on purpose (e.g.
    ``net::ERR_INTERNET_DISCONNECTED`` while a journey is offline).
    """

    def __init__(self, page, allow_console=()):
        import re

        self.page = page
        self.allow = [re.compile(p) for p in allow_console]
        self.console_errors: list[str] = []
        self.server_errors: list[str] = []
        page.add_init_script(_PAGE_CHECK)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"{page.url}: uncaught {exc}"))
        page.on("response", self._on_response)

    def _on_console(self, msg):
        if msg.type == "error" and not any(p.search(msg.text) for p in self.allow):
            self.console_errors.append(f"{self.page.url}: {msg.text}")

    def _on_response(self, response):
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def allowing(self, *patterns):
        """Also tolerate console errors matching ``patterns`` from now on (returns self)."""
        import re

        self.allow.extend(re.compile(p) for p in patterns)
        return self

    def problems(self) -> list[str]:
        """Everything noticed since the last check (the current page is checked now), and forget it."""
        found = []
        try:
            found += self.page.evaluate(_CURRENT_PAGE)
        except Exception as exc:  # the page is mid-navigation: its load listener reports it instead
            if "Execution context was destroyed" not in str(exc):
                raise
        found += [f"console error: {e}" for e in self.console_errors]
        found += [f"server error: {e}" for e in self.server_errors]
        self.console_errors.clear()
        self.server_errors.clear()
        return found

    def assert_clean(self):
        problems = self.problems()
        assert problems == [], "page problems:\n  " + "\n  ".join(problems)


def watch_page(page, allow_console=()) -> PageWatch:
    """Watch ``page`` (every document it loads from now on); the watch is also kept as ``page._lms_watch``."""
    watch = PageWatch(page, allow_console)
    page._lms_watch = watch
    return watch


def assert_clean(page):
    """Assert the pages ``page`` visited since the last check were Vietnamese, without "UTC", console errors or
    5xx responses. ``page`` must have been passed to :func:`watch_page` (every :class:`Journey` page is)."""
    watch = getattr(page, "_lms_watch", None)
    assert watch is not None, "call watch_page(page) before visiting pages"
    watch.assert_clean()


@contextlib.contextmanager
def phone_on(browser, base_url: str):
    """A watched page on a 390x844 phone (Vietnamese locale) at ``base_url``, signed in as nobody yet; checked
    clean when the block ends without an error."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN", base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(20000)
    watch_page(page)
    try:
        yield page
        assert_clean(page)
    finally:
        context.close()


@pytest.fixture
def phone(browser, live_server):
    """:func:`phone_on` the live server."""
    with phone_on(browser, live_server["url"]) as page:
        yield page


class Journey:
    """One browser context with console capture, named screenshots and a :class:`PageWatch` (``self.watch``)."""

    def __init__(self, browser, base_url, name, viewport=None):
        self.name = name
        self.base_url = base_url
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="vi-VN",
                                           base_url=base_url)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20000)
        self.console: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.shots: list[Path] = []
        self.watch = watch_page(self.page)

    def _on_console(self, msg):
        line = f"{msg.type}: {msg.text}"
        self.console.append(line)
        if msg.type == "error":
            self.errors.append(line)

    def shot(self, label: str) -> Path:
        path = OUT / f"{self.name}-{len(self.shots) + 1:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def login(self, username: str, password: str = DEMO_PASSWORD):
        self.page.goto("/login")
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill(password)
        self.page.get_by_role("button", name="Đăng nhập").click()
        self.page.wait_for_url("**/dashboard")

    def check_accessibility(self):
        """Basics on the current page: lang=vi, one h1 and headings in order, every field labelled,
        every control reachable by keyboard (no positive tabindex, no disabled focus on links/buttons)."""
        report = self.page.evaluate("""() => {
          const problems = [];
          if (document.documentElement.lang !== 'vi') problems.push('html lang is ' + document.documentElement.lang);
          const hs = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(h => h.offsetParent !== null);
          if (!hs.length || hs[0].tagName !== 'H1') problems.push('first heading is not h1');
          let prev = 0;
          for (const h of hs) { const l = +h.tagName[1]; if (prev && l > prev + 1) problems.push('heading jumps to ' + h.tagName + ': ' + h.textContent.trim().slice(0, 40)); prev = l; }
          for (const el of document.querySelectorAll('input,select,textarea')) {
            if (el.type === 'hidden' || el.offsetParent === null) continue;
            const labelled = (el.id && document.querySelector('label[for="' + el.id + '"]')) || el.closest('label')
              || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
            if (!labelled) problems.push('unlabelled field ' + (el.name || el.id || el.type));
          }
          for (const el of document.querySelectorAll('[tabindex]')) if (+el.getAttribute('tabindex') > 0) problems.push('positive tabindex');
          for (const el of document.querySelectorAll('[onclick]')) if (!['A','BUTTON','INPUT','SELECT','SUMMARY'].includes(el.tagName)) problems.push('click handler on ' + el.tagName);
          return problems;
        }""")
        assert report == [], f"accessibility problems on {self.page.url}: {report}"

    def assert_no_console_errors(self):
        assert self.errors == [], f"console errors: {self.errors}"

    def assert_clean(self):
        """Every page since the last check: Vietnamese, no "UTC", no console error, no 5xx (see PageWatch)."""
        self.watch.assert_clean()

    def open_menu(self):
        """On a phone the main navigation folds behind the Menu button: open it (no-op on a wide screen)."""
        toggle = self.page.locator(".menu-toggle")
        if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()

    def close(self):
        self.context.close()


@pytest.fixture
def journey(request, browser, live_server):
    made: list[Journey] = []

    def start(name: str, viewport=None) -> Journey:
        j = Journey(browser, live_server["url"], name, viewport)
        made.append(j)
        return j

    yield start
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for j in made:
        if failed:
            try:
                path = j.shot("failure")
                print(f"\n[{j.name}] failure screenshot: {path}")
            except Exception:
                pass
            print(f"[{j.name}] console:\n  " + "\n  ".join(j.console[-50:]))
        j.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
