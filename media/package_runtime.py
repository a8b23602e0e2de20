"""What a package's sandboxed frame runs besides the package's own files: the SCORM bridge and the H5P player.

Packages are served with a CSP sandbox and no ``allow-same-origin`` (media.package_origin), so each document in the
frame has an opaque origin (or, from PACKAGE_ORIGIN, that other host's origin): it cannot read the platform's
cookies, and it cannot touch a JavaScript object of the player page either. A SCORM package finds its LMS by looking for ``window.API`` (1.2) or
``window.API_1484_11`` (2004) on itself, its parents and its opener; a parent on another origin throws. So the
API object has to live in the package's own document:

* SCORM: every HTML document of a SCORM package is served with two scripts put first in its ``<head>``:
  scorm-again's ``CrossFrameAPI`` (vendored) and the bridge below, which installs it as ``window.API`` /
  ``window.API_1484_11``. ``CrossFrameAPI`` answers the package synchronously from a cache and relays every call
  by ``postMessage`` to the player page, which runs the real scorm-again runtime and saves ``cmi.*`` with the
  student's session (lms.lectures: package.js, scorm-player.js). The cache starts from the state the player
  page put in the frame's ``window.name`` before loading it, so a package that reads
  ``cmi.core.lesson_location`` right after ``LMSInitialize`` sees where the student left off, not "".
* H5P: the launch URL of an H5P package is :data:`H5P_PLAYER`, a page made here that runs the vendored
  h5p-standalone player over the package's own ``h5p.json``, content and libraries, and reports H5P's xAPI
  results to the player page with the same ``hoclieuso:progress`` message an HTML5 simulation sends.

Scripts are inline or the vendored files at their fingerprinted ``/static/vendor`` URLs (root-relative: the same
app also answers on PACKAGE_ORIGIN; cached immutable, so a returning student fetches none of them): an inline
script saves a round trip per page on 3G, and package documents carry no ``script-src`` restriction.
"""
from __future__ import annotations

import json
import re
from html import escape

from flask import url_for

#: The H5P player page's name inside a package URL. Not a file of any package: the dot-folder is reserved here.
H5P_PLAYER = ".hoclieuso/h5p-player.html"
#: HTML documents larger than this are served as they are (no SCORM bridge): none of a real SCO's pages is.
MAX_INJECT_BYTES = 4 * 1024 * 1024
#: What the player page puts before the JSON of the launch state in the frame's ``window.name``.
WINDOW_NAME_PREFIX = "hoclieuso-scorm:"



def _vendor(name: str) -> str:
    return url_for("vendor", filename=name)

_SCORM_BRIDGE = """(function () {
  "use strict";
  var prefix = %(prefix)s, raw = String(window.name || "");
  if (raw.indexOf(prefix) !== 0 || window.parent === window || typeof CrossFrameAPI !== "function") return;
  var launch;
  try { launch = JSON.parse(raw.slice(prefix.length)); } catch (e) { return; }
  if (!launch || typeof launch.origin !== "string") return;
  var api = new CrossFrameAPI(launch.origin, window.parent);
  var values = launch.values || {};
  // CrossFrameAPI has no option to start its cache; its _cache Map is what GetValue answers from (pinned 3.4.3).
  Object.keys(values).forEach(function (key) {
    if (typeof values[key] === "string") api._cache.set(key, values[key]);
  });
  if (launch.version === "2004") window.API_1484_11 = api; else window.API = api;
  // A multi-page package loads its next page into this frame: hand that page what this one knows now.
  window.addEventListener("pagehide", function () {
    var now = {};
    api._cache.forEach(function (value, key) { if (key.indexOf("cmi.") === 0) now[key] = value; });
    launch.values = now;
    window.name = prefix + JSON.stringify(launch);
  });
})();"""

#: Web storage throws in a sandboxed document without allow-same-origin (SecurityError on merely reading
#: ``window.localStorage``), and H5P libraries and many SCORM authoring tools touch it unguarded. A per-page
#: memory store keeps them running; what must survive a reload goes through cmi or the progress API instead.
_MEMORY_STORAGE = """(function () {
  "use strict";
  function MemoryStorage() {
    var data = {};
    return {
      getItem: function (k) { return Object.prototype.hasOwnProperty.call(data, k) ? data[k] : null; },
      setItem: function (k, v) { data[String(k)] = String(v); },
      removeItem: function (k) { delete data[k]; },
      clear: function () { data = {}; },
      key: function (i) { var keys = Object.keys(data); return i < keys.length ? keys[i] : null; },
      get length() { return Object.keys(data).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { window[name]; } catch (e) { Object.defineProperty(window, name, { value: MemoryStorage(), configurable: true }); }
  });
})();"""

_HEAD_RE = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HTML_RE = re.compile(rb"<html(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE_RE = re.compile(rb"<!doctype[^>]*>", re.IGNORECASE)


def is_html(name: str) -> bool:
    """Whether ``name`` is an HTML document of a package (what the SCORM bridge goes into)."""
    return name.lower().endswith((".html", ".htm", ".xhtml"))


def scorm_bridge() -> bytes:
    """The ``<script>`` tags that give a SCORM document its ``window.API`` (see the module docstring)."""
    bridge = _SCORM_BRIDGE % {"prefix": json.dumps(WINDOW_NAME_PREFIX)}
    return (f'<script src="{escape(_vendor("scorm-again/cross-frame-api.min.js"))}"></script>'
            f"<script>{_MEMORY_STORAGE}\n{bridge}</script>").encode("utf-8")


def inject_scorm_bridge(document: bytes) -> bytes:
    """``document`` with the SCORM bridge first in its ``<head>`` (or after ``<html>``/the doctype, or first).

    It must run before the package's own scripts, which may look for the API as soon as they load.
    """
    snippet = scorm_bridge()
    for pattern in (_HEAD_RE, _HTML_RE, _DOCTYPE_RE):
        match = pattern.search(document, 0, 65536)
        if match:
            return document[:match.end()] + snippet + document[match.end():]
    return snippet + document


_H5P_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%(title)s</title>
<style>html,body{margin:0;padding:0;background:#fff}#h5p{min-height:100vh}</style>
<script>%(storage)s</script>
<script src="%(main)s"></script>
</head><body><div id="h5p" data-base="%(base)s" data-frame-js="%(frame_js)s" data-frame-css="%(frame_css)s"></div>
<script>%(script)s</script>
</body></html>
"""

_H5P_SCRIPT = """(function () {
  "use strict";
  var el = document.getElementById("h5p"), base = el.getAttribute("data-base");
  function report(body) { body.type = "hoclieuso:progress"; window.parent.postMessage(body, "*"); }
  new H5PStandalone.H5P(el, {
    // "div": the content runs in this document. h5p-standalone's default makes an about:blank iframe and writes
    // into it, which a sandboxed document cannot do (each nested frame gets an opaque origin of its own); this
    // page is already the content's own sandboxed frame, so nothing is lost.
    embedType: "div", h5pJsonPath: base, frameJs: el.getAttribute("data-frame-js"),
    frameCss: el.getAttribute("data-frame-css"), frame: false, copyright: false, export: false,
    icon: false, fullScreen: false, embed: false
  }).then(function () {
    H5P.externalDispatcher.on("xAPI", function (event) {
      var statement = event.data && event.data.statement;
      if (!statement || !statement.verb || !statement.result) return;
      // Sub-contents (each question of a quiz set) report too; only the content as a whole counts.
      var context = statement.context && statement.context.contextActivities;
      if (context && context.parent && context.parent.length) return;
      var verb = String(statement.verb.id).split("/").pop();
      if (["answered", "completed", "passed", "failed"].indexOf(verb) < 0) return;
      var body = { completed: statement.result.completion !== false };
      var score = statement.result.score;
      if (score && typeof score.scaled === "number") body.score = Math.max(0, Math.min(1, score.scaled));
      else if (score && score.max > 0 && typeof score.raw === "number") body.score = Math.max(0, Math.min(1, score.raw / score.max));
      report(body);
    });
  });
})();"""


def h5p_player_page(base_url: str, title: str) -> bytes:
    """The H5P player document for a package whose files are at ``base_url`` (signed, no trailing ``/``)."""
    page = _H5P_PAGE % {"title": escape(title or "H5P"), "base": escape(base_url, quote=True),
                        "main": escape(_vendor("h5p-standalone/main.bundle.js")),
                        "frame_js": escape(_vendor("h5p-standalone/frame.bundle.js")),
                        "frame_css": escape(_vendor("h5p-standalone/styles/h5p.css")),
                        "script": _H5P_SCRIPT, "storage": _MEMORY_STORAGE}
    return page.encode("utf-8")
