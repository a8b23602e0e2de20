/* SCORM on the package player page: the real runtime (scorm-again) lives here, the package gets a proxy.
 *
 * Why this split: the package runs sandboxed on another origin (opaque, or PACKAGE_ORIGIN's), so it can neither see
 * a JavaScript object of this page nor call the platform's API with the student's cookies. Its documents are served with scorm-again's
 * CrossFrameAPI installed as window.API / window.API_1484_11 (media.package_runtime); that proxy answers the
 * package synchronously from a cache and posts every call here. This page runs Scorm12API / Scorm2004API, answers
 * those calls (only from its own frame), and saves the cmi data model with the student's session on each
 * LMSCommit / LMSFinish (and every 30 s and on leaving the page when something changed).
 *
 * The proxy's cache starts from the frame's window.name, set here before the frame loads: a package reading
 * cmi.core.lesson_location right after LMSInitialize must already see where the student left off. The frame is
 * only loaded once this page listens, so no early call of the package is lost.
 */
(function () {
  "use strict";
  var player = window.LMS && window.LMS.packagePlayer;
  var launchEl = document.getElementById("scorm-launch");
  if (!player || !launchEl) return;
  var box = player.box;
  var launch = JSON.parse(launchEl.textContent);
  var is2004 = launch.version === "2004";
  var Runtime = is2004 ? window.Scorm2004API : window.Scorm12API;
  if (typeof Runtime !== "function") return;
  // lmsCommitUrl false: scorm-again keeps the data and fires its events; saving is ours (with the CSRF token).
  var api = new Runtime({ lmsCommitUrl: false, autocommit: false, logLevel: 5 });
  api.loadFromJSON(launch.cmi || {}, "cmi");

  // What CrossFrameAPI may call: the SCORM API of both versions and its cache refresh (cross-frame-lms's list).
  var ALLOWED = ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSGetLastError",
    "LMSGetErrorString", "LMSGetDiagnostic", "Initialize", "Terminate", "GetValue", "SetValue", "Commit",
    "GetLastError", "GetErrorString", "GetDiagnostic", "getFlattenedCMI"];

  window.addEventListener("message", function (event) {
    if (!player.fromPackage(event)) return;
    var msg = event.data;
    if (!msg || typeof msg !== "object" || typeof msg.messageId !== "string" || typeof msg.method !== "string") return;
    var reply = { messageId: msg.messageId };
    if (msg.isHeartbeat === true) {
      reply.isHeartbeat = true;
    } else if (ALLOWED.indexOf(msg.method) < 0) {
      reply.error = { message: "Method not allowed: " + msg.method, code: "101" };
    } else {
      try {
        reply.result = api[msg.method].apply(api, Array.isArray(msg.params) ? msg.params : []);
      } catch (e) {
        reply.error = { message: String((e && e.message) || e) };
      }
    }
    // The frame's origin may be opaque ("null" cannot be named as a target), and the answer only goes back to the
    // window that asked, checked above, about its own data.
    event.source.postMessage(reply, "*");
  });

  var url = "/packages/" + box.dataset.mediaId + "/runtime";
  var dirty = false, inflight = false, pending = null;

  function flush(keepalive, attempt) {
    var body = pending;
    pending = null;
    inflight = true;
    player.put(url, body, keepalive).then(function () {
      inflight = false;
      if (pending) flush(false, 0);
    }, function () {
      inflight = false;
      if (!pending) pending = body;  // a newer commit replaces this one: only the latest state is worth sending
      if (attempt < 4) setTimeout(function () { if (!inflight && pending) flush(false, attempt + 1); }, 2000 * (attempt + 1));
      else player.show("Chưa lưu được bài làm. Kiểm tra kết nối mạng.");
    });
  }

  function save(keepalive) {
    if (!player.tracks) return;
    dirty = false;
    pending = { cmi: api.renderCommitCMI(true).cmi };
    if (!inflight || keepalive) flush(keepalive, 0);
  }

  api.on(is2004 ? "SetValue.cmi.*" : "LMSSetValue.cmi.*", function () { dirty = true; });
  api.on(is2004 ? "Commit" : "LMSCommit", function () { save(false); });
  api.on(is2004 ? "Terminate" : "LMSFinish", function () { save(false); });
  setInterval(function () { if (dirty) save(false); }, 30000);
  window.addEventListener("pagehide", function () { if (dirty) save(true); });

  var values = {};
  var flat = api.getFlattenedCMI();
  Object.keys(flat).forEach(function (key) { if (typeof flat[key] === "string") values[key] = flat[key]; });
  // A browsing context takes its name when it is created (renaming the element later does not reach it), so
  // the named frame is a fresh copy of the placeholder.
  var placeholder = document.getElementById("package-frame");
  var frame = placeholder.cloneNode(false);
  frame.name = "hoclieuso-scorm:" + JSON.stringify({ origin: window.location.origin, version: launch.version, values: values });
  frame.src = placeholder.dataset.src;
  placeholder.parentNode.replaceChild(frame, placeholder);
})();
