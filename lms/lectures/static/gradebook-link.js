/* Class progress page: count an interactive package of the lecture in a column of the class's gradebook.
 *
 * The columns come from the gradebook's own API (GET /api/v1/gradebook) and the choice is saved there
 * (PUT/DELETE /api/v1/gradebook/columns/{id}/package), so the gradebook's rules (the teacher's books only, no
 * exam column, no comment-only column, a signed book untouched) decide, and say why not.
 */
(function () {
  "use strict";
  var box = document.getElementById("package-gradebook");
  if (!box || !window.LMS) return;
  var status = document.getElementById("pg-status");
  var semester = document.getElementById("pg-semester");
  var lectureId = Number(box.dataset.lectureId);
  var KINDS = { tx: "ĐĐGtx", gk: "ĐĐGgk", ck: "ĐĐGck" };
  var columns = [];

  function say(text) { status.textContent = text; }

  function reason(err) {
    var errs = err.body && err.body.errors ? Object.keys(err.body.errors).map(function (k) { return [].concat(err.body.errors[k]).join(" "); }) : [];
    return errs.join(" ") || err.message;
  }

  function fill() {
    Array.prototype.forEach.call(box.querySelectorAll(".package-gradebook-row"), function (form) {
      var mediaId = Number(form.dataset.mediaId);
      var select = form.elements.column;
      while (select.options.length > 1) select.remove(1);
      columns.forEach(function (c) {
        var mine = c.lecture_id === lectureId && c.package_media_id === mediaId;
        var usable = c.exam_id === null && (c.value_kind === "score" || c.value_kind === "test") && (c.lecture_id === null || mine);
        if (!usable) return;
        var option = new Option((KINDS[c.kind] || c.kind) + " · " + c.title, String(c.id), false, mine);
        select.add(option);
      });
      form.dataset.linked = (columns.filter(function (c) { return c.lecture_id === lectureId && c.package_media_id === mediaId; })[0] || {}).id || "";
    });
  }

  function load() {
    var query = "?class_id=" + box.dataset.classId + "&subject=" + encodeURIComponent(box.dataset.subject) + "&semester=" + semester.value;
    return window.LMS.api("GET", "/gradebook" + query).then(function (book) {
      columns = book.columns || [];
      fill();
      say(columns.length ? "" : "Sổ điểm học kì này chưa có cột nào: thêm cột trong Sổ điểm trước.");
    }).catch(function (err) {
      columns = [];
      fill();
      say("Không mở được sổ điểm môn này của lớp: " + reason(err));
    });
  }

  Array.prototype.forEach.call(box.querySelectorAll(".package-gradebook-row"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var chosen = form.elements.column.value, linked = form.dataset.linked;
      var steps = Promise.resolve();
      if (linked && linked !== chosen) steps = steps.then(function () { return window.LMS.api("DELETE", "/gradebook/columns/" + linked + "/package"); });
      if (chosen && chosen !== linked) {
        steps = steps.then(function () {
          return window.LMS.api("PUT", "/gradebook/columns/" + chosen + "/package", { lecture_id: lectureId, media_id: Number(form.dataset.mediaId) });
        });
      }
      steps.then(load).then(function () {
        say(chosen ? "Đã lưu: điểm bài tương tác được ghi vào cột đã chọn." : "Đã bỏ tính bài tương tác vào sổ điểm.");
      }).catch(function (err) { say("Không lưu được: " + reason(err)); });
    });
  });

  semester.addEventListener("change", load);
  load();
})();
