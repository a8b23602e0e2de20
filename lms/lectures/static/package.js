/* The package player's side of the progress API.
 *
 * An HTML5 simulation reports with one message to its parent (documented in docs/packages.md):
 *   parent.postMessage({type: "hoclieuso:progress", completed: true, score: 0.8}, "*");
 * completed (boolean) and score (0..1) are both optional. Only messages from this page's package frame count
 * (event.source), and the frame is sandboxed, so its origin is "null" (or PACKAGE_ORIGIN when set). Reports
 * go to PUT /api/v1/lectures/{id}/progress; the server keeps completion sticky and the best score.
 */
(function () {
  "use strict";
  var box = document.getElementById("package-player");
  var frame = document.getElementById("package-frame");
  if (!box || !frame || box.dataset.track !== "true") return;
  var status = box.querySelector(".package-status");
  var packageOrigin = box.dataset.packageOrigin || "";
  var allowedOrigin = packageOrigin ? new URL(packageOrigin).origin : "null";

  function show(text) { if (status) status.textContent = text; }

  function send(body, attempt) {
    fetch("/api/v1/lectures/" + box.dataset.lectureId + "/progress", {
      method: "PUT", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.LMS.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    }).then(function (state) {
      var text = state.completed ? "Đã hoàn thành" : "Đã ghi nhận tiến độ";
      if (state.score !== null && state.score !== undefined) {
        text += " · điểm cao nhất " + (Math.round(state.score * 1000) / 100).toLocaleString("vi-VN") + "/10";
      }
      show(text + ".");
    }).catch(function () {
      // 3G drops: retry a few times with a growing pause, then say so.
      if (attempt < 4) setTimeout(function () { send(body, attempt + 1); }, 2000 * (attempt + 1));
      else show("Chưa gửi được tiến độ. Kiểm tra kết nối mạng.");
    });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== allowedOrigin) return;
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "hoclieuso:progress") return;
    var body = { media_id: Number(box.dataset.mediaId) };
    if (typeof data.completed === "boolean") body.completed = data.completed;
    if (typeof data.score === "number" && isFinite(data.score)) body.score = Math.max(0, Math.min(1, data.score));
    if (body.completed === undefined && body.score === undefined) return;
    send(body, 0);
  });
})();
