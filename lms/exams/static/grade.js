// Hand grading on the attempt review page: each essay's form PUTs /attempts/{id}/grades/{question_id}
// and the page shows the total the server recomputed (the API is the only place that adds points up).
(function () {
  "use strict";
  var STATUS = { in_progress: "Đang làm", needs_grading: "Chờ chấm", graded: "Đã chấm" };

  function vn(value) { return value === null || value === undefined ? "—" : String(value).replace(".", ","); }
  function setText(id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } }

  function showTotals(doc) {
    setText("total-score", vn(doc.score));
    setText("total-max", vn(doc.max_score));
    setText("total-10", vn(doc.score_10));
    var badge = document.getElementById("attempt-status");
    if (badge) {
      badge.textContent = STATUS[doc.status] || doc.status;
      badge.className = "badge " + (doc.status === "graded" ? "ok" : "warn");
    }
    var note = document.getElementById("total-note");
    if (note) { note.classList.toggle("hidden", doc.status !== "needs_grading"); }
    (doc.questions || []).forEach(function (q) {
      var span = document.querySelector('.q-earned[data-question-id="' + q.id + '"]');
      if (span) { span.textContent = q.points_earned === null || q.points_earned === undefined ? "chờ chấm" : vn(q.points_earned); }
    });
  }

  function firstError(err) {
    var errors = err.body && err.body.errors;
    if (errors) {
      for (var key in errors) {
        if (Object.prototype.hasOwnProperty.call(errors, key)) {
          var msgs = errors[key];
          if (key === "points") { return "Điểm không hợp lệ: " + (Array.isArray(msgs) ? msgs.join(" ") : msgs); }
        }
      }
    }
    if (err.status === 409) { return "Không chấm được: " + err.message; }
    if (err.status === 404) { return "Không tìm thấy bài làm hoặc câu hỏi."; }
    if (!err.status) { return "Mất kết nối mạng: điểm chưa được lưu, hãy thử lại."; }
    return err.message || "Không lưu được điểm.";
  }

  document.querySelectorAll("form.grade-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.elements.points;
      var msg = document.getElementById("grade-msg-" + form.dataset.questionId);
      var text = input.value.trim().replace(",", ".");
      var max = parseFloat(form.dataset.max);
      var value = parseFloat(text);
      if (!/^\d+(\.\d{1,2})?$/.test(text) || isNaN(value) || value < 0 || value > max) {
        msg.textContent = "Nhập điểm từ 0 đến " + vn(form.dataset.max) + " (tối đa 2 chữ số thập phân).";
        msg.className = "grade-msg error";
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      msg.textContent = "Đang lưu…";
      msg.className = "grade-msg";
      var comment = form.elements.comment.value.trim();
      var path = "/attempts/" + form.dataset.attemptId + "/grades/" + form.dataset.questionId;
      window.LMS.api("PUT", path, { points: text, comment: comment || null }).then(function (doc) {
        showTotals(doc);
        msg.textContent = "Đã lưu điểm. Tổng điểm đã được tính lại.";
        msg.className = "grade-msg ok";
      }).catch(function (err) {
        msg.textContent = firstError(err);
        msg.className = "grade-msg error";
      }).then(function () { button.disabled = false; });
    });
  });
})();
