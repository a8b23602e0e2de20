// Gradebook grid: spreadsheet-like keyboard moves, validation as you type, save through the JSON API.
(function () {
  "use strict";
  var root = document.getElementById("gb-root");
  if (!root) { return; }
  var editable = root.dataset.editable === "true";
  var comment = root.dataset.gradedBy === "comment";
  var status = document.getElementById("gb-status");
  var book = { class_id: Number(root.dataset.classId), subject: root.dataset.subject, semester: Number(root.dataset.semester) };
  var SCORE = /^(10([.,]0+)?|\d([.,]\d+)?)$/;
  var COMMENT = /^(đ|d|cđ|cd|đạt|chưa đạt)$/i;
  // Primary (Thông tư 27): periodic tests take whole points, the other columns a level T/H/C.
  var TEST = /^(10|\d)$/;
  var LEVEL = /^(t|h|c)$/i;

  function say(text) { if (status) { status.textContent = text; } }
  // Scores as the page prints them (decimal comma, "8,0"); the API speaks "8.0".
  function score(value) { return window.LMS.vn(value); }

  function valid(value, kind) {
    var v = value.trim();
    if (v === "") { return true; }
    if (kind === "test") { return TEST.test(v); }
    if (kind === "level") { return LEVEL.test(v); }
    return comment ? COMMENT.test(v) : SCORE.test(v);
  }

  function cellAt(r, c) { return root.querySelector('input.gb-cell[data-r="' + r + '"][data-c="' + c + '"]'); }

  function move(input, dr, dc) {
    var next = cellAt(Number(input.dataset.r) + dr, Number(input.dataset.c) + dc);
    if (next) { next.focus(); next.select(); }
  }

  function render(data) {
    // Averages come from the server: the browser never does decimal arithmetic on scores.
    data.rows.forEach(function (row) {
      var cell = root.querySelector('[data-average-for="' + row.student_id + '"]');
      if (cell) {
        cell.textContent = "";
        var span = document.createElement(row.average ? "strong" : "span");
        if (row.average) { span.textContent = score(row.average); }
        else if (row.provisional) { span.className = "muted"; span.textContent = score(row.provisional) + " (tạm tính)"; }
        cell.appendChild(span);
      }
      Object.keys(row.scores).forEach(function (columnId) {
        var input = root.querySelector('input.gb-cell[data-column="' + columnId + '"][data-student="' + row.student_id + '"]');
        if (input && document.activeElement !== input) {
          input.value = score(row.scores[columnId]);
          input.dataset.saved = input.value;
        }
      });
    });
  }

  function save(input) {
    var value = input.value.trim();
    if (value === (input.dataset.saved || "")) { return; }
    if (!valid(value, input.dataset.kind)) { say("Giá trị không hợp lệ: " + value); return; }
    var scores = {};
    scores[input.dataset.student] = value === "" ? null : value;
    input.setAttribute("aria-busy", "true");
    window.LMS.api("PUT", "/gradebook/columns/" + input.dataset.column + "/scores", { scores: scores })
      .then(function (data) {
        input.removeAttribute("aria-busy");
        var row = data.rows.filter(function (r) { return String(r.student_id) === input.dataset.student; })[0];
        if (row) { input.value = score(row.scores[input.dataset.column]); input.dataset.saved = input.value; }
        render(data);
        say("Đã lưu " + input.getAttribute("aria-label") + (input.value ? ": " + input.value : " (đã xóa)"));
      })
      .catch(function (err) {
        input.removeAttribute("aria-busy");
        input.setAttribute("aria-invalid", "true");
        var detail = err.body && err.body.errors && err.body.errors.scores;
        var msg = detail ? detail[input.dataset.student] : null;
        say("Không lưu được: " + ((msg && msg.join(" ")) || err.message));
      });
  }

  Array.prototype.forEach.call(root.querySelectorAll("input.gb-cell"), function (input) {
    input.dataset.saved = input.value;
    input.addEventListener("input", function () {
      if (valid(input.value, input.dataset.kind)) { input.removeAttribute("aria-invalid"); }
      else { input.setAttribute("aria-invalid", "true"); }
    });
    input.addEventListener("keydown", function (ev) {
      var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
      var atEnd = input.selectionStart === input.value.length;
      var all = input.selectionStart === 0 && input.selectionEnd === input.value.length;
      if (ev.key === "ArrowDown" || ev.key === "Enter") { ev.preventDefault(); move(input, ev.shiftKey ? -1 : 1, 0); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); move(input, -1, 0); }
      else if (ev.key === "ArrowLeft" && (atStart || all)) { ev.preventDefault(); move(input, 0, -1); }
      else if (ev.key === "ArrowRight" && (atEnd || all)) { ev.preventDefault(); move(input, 0, 1); }
      else if (ev.key === "Escape") { input.value = input.dataset.saved || ""; input.removeAttribute("aria-invalid"); }
    });
    if (editable && !input.readOnly) { input.addEventListener("change", function () { save(input); }); }
  });

  Array.prototype.forEach.call(root.querySelectorAll("button[data-release]"), function (button) {
    button.addEventListener("click", function () {
      var released = button.dataset.released !== "true";
      window.LMS.api("PATCH", "/gradebook/columns/" + button.dataset.release, { released: released })
        .then(function () { window.location.reload(); })
        .catch(function (err) { say("Không đổi được trạng thái công bố: " + err.message); });
    });
  });

  var add = document.getElementById("gb-add-column");
  if (add) {
    add.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = { class_id: book.class_id, subject: book.subject, semester: book.semester,
                   kind: add.elements.kind.value, title: add.elements.title.value };
      window.LMS.api("POST", "/gradebook/columns", body)
        .then(function () { window.location.reload(); })
        .catch(function (err) {
          var errs = err.body && err.body.errors ? Object.keys(err.body.errors).map(function (k) { return [].concat(err.body.errors[k]).join(" "); }) : [];
          say("Không thêm được cột: " + (errs.join(" ") || err.message));
        });
    });
  }

  var unlock = document.getElementById("gb-unlock");
  if (unlock) {
    unlock.addEventListener("submit", function (ev) {
      ev.preventDefault();
      window.LMS.api("POST", "/gradebook/unlock", { class_id: book.class_id, subject: book.subject,
                                                    semester: book.semester, reason: unlock.elements.reason.value })
        .then(function () { window.location.reload(); })
        .catch(function (err) { say("Không mở khóa được: " + err.message); });
    });
  }

  var sign = document.getElementById("gb-sign");
  if (sign) {
    sign.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var form = new FormData(sign);
      form.append("class_id", book.class_id);
      form.append("subject", book.subject);
      form.append("semester", book.semester);
      fetch("/api/v1/gradebook/sign", { method: "POST", body: form, credentials: "same-origin",
                                        headers: { "Accept": "application/json", "X-CSRFToken": window.LMS.csrf } })
        .then(function (resp) { return resp.json().then(function (data) { return { ok: resp.ok, data: data }; }); })
        .then(function (res) {
          if (res.ok) { window.location.reload(); return; }
          var errs = res.data.errors ? Object.keys(res.data.errors).map(function (k) { return [].concat(res.data.errors[k]).join(" "); }) : [];
          say("Không ký được: " + (errs.join(" ") || res.data.detail));
        })
        .catch(function (err) { say("Không ký được: " + err.message); });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-verify]"), function (button) {
    button.addEventListener("click", function () {
      var out = document.querySelector('[data-verify-result="' + button.dataset.verify + '"]');
      window.LMS.api("GET", "/gradebook/signatures/" + button.dataset.verify + "/verify")
        .then(function (res) {
          out.textContent = (res.valid ? "Hợp lệ: " : "KHÔNG hợp lệ: ") +
            (res.signature_valid ? "chữ ký đúng" : "chữ ký sai") +
            (res.data_unchanged ? "; dữ liệu không đổi từ khi ký" : "; dữ liệu đã khác dữ liệu đã ký") +
            (res.signer_trusted === null ? "; chưa cấu hình tổ chức chứng thực tin cậy."
              : res.signer_trusted ? "; người ký được tin cậy." : "; người ký KHÔNG được tin cậy.") +
            (res.reason ? " " + res.reason : "");
        })
        .catch(function (err) { out.textContent = "Không kiểm tra được: " + err.message; });
    });
  });
})();
