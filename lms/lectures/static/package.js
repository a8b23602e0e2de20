/* The package player page: progress reports of the package in the sandboxed frame.
 *
 * An HTML5 simulation (and the H5P player, media.package_runtime) reports with one message to its parent
 * (documented in docs/packages.md):
 *   parent.postMessage({type: "hoclieuso:progress", completed: true, score: 0.8}, "*");
 * completed (boolean) and score (0..1) are both optional. Only messages from this page's package frame count
 * (event.source) and from the origin the server says the frame has (data-package-origin): "null" when this site
 * serves the package (sandboxed without allow-same-origin), PACKAGE_ORIGIN when that host does. Reports
 * go to PUT /api/v1/lectures/{id}/progress; the server keeps completion sticky and the best score.
 * SCORM packages talk through scorm-player.js, which uses window.LMS.packagePlayer from here.
 */
(function () {
  "use strict";
  var box = document.getElementById("package-player");
  if (!box || !document.getElementById("package-frame")) return;
  var status = box.querySelector(".package-status");
  var allowedOrigin = box.dataset.packageOrigin || "null";
  var tracks = box.dataset.track === "true";
  var lectureApi = "/api/v1/lectures/" + box.dataset.lectureId;

  function show(text) { if (status) status.textContent = text; }

  function describe(state) {
    var text = state.completed ? "Đã hoàn thành" : "Đã ghi nhận tiến độ";
    if (state.score !== null && state.score !== undefined) {
      text += " · điểm cao nhất " + (Math.round(state.score * 1000) / 100).toLocaleString("vi-VN") + "/10";
    }
    return text + ".";
  }

  /* PUT ``body`` to ``path`` below the lecture's API with the student's session; resolves with the progress. */
  function put(path, body, keepalive) {
    return fetch(lectureApi + path, {
      method: "PUT", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.LMS.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    }).then(function (state) {
      show(describe(state));
      return state;
    });
  }

  // Looked up each time: scorm-player.js replaces the frame element to give it a name before it loads.
  function fromPackage(event) {
    var frame = document.getElementById("package-frame");
    return !!frame && event.source === frame.contentWindow && event.origin === allowedOrigin;
  }

  window.LMS = window.LMS || {};
  window.LMS.packagePlayer = { box: box, tracks: tracks, fromPackage: fromPackage, put: put, show: show };

  if (!tracks) return;

  function send(body, attempt) {
    put("/progress", body).catch(function () {
      // 3G drops: retry a few times with a growing pause, then say so.
      if (attempt < 4) setTimeout(function () { send(body, attempt + 1); }, 2000 * (attempt + 1));
      else show("Chưa gửi được tiến độ. Kiểm tra kết nối mạng.");
    });
  }

  window.addEventListener("message", function (event) {
    if (!fromPackage(event)) return;
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "hoclieuso:progress") return;
    var body = { media_id: Number(box.dataset.mediaId) };
    if (typeof data.completed === "boolean") body.completed = data.completed;
    if (typeof data.score === "number" && isFinite(data.score)) body.score = Math.max(0, Math.min(1, data.score));
    if (body.completed === undefined && body.score === undefined) return;
    send(body, 0);
  });
})();
