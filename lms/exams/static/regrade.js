// The regrade screen: a dry-run POST /exams/{id}/regrade shows each student's old and new score; the same
// choice can then be applied (dry_run false). Changing the choice asks for a new preview first.
(function () {
  "use strict";
  var form = document.getElementById("regrade-form");
  if (!form) { return; }
  var applyButton = document.getElementById("rg-apply");
  var previewButton = document.getElementById("rg-preview");
  var message = document.getElementById("rg-message");
  var result = document.getElementById("rg-result");
  var title = document.getElementById("rg-result-title");
  var previewed = null;

  function vn(value) { return value === null || value === undefined ? "—" : String(value).replace(".", ","); }

  function choice() {
    var action = form.querySelector('input[name="action"]:checked');
    return { question_id: parseInt(form.elements.question_id.value, 10), action: action ? action.value : "" };
  }

  function same(a, b) { return a && b && a.question_id === b.question_id && a.action === b.action; }

  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); }

  function render(doc) {
    var tbody = document.getElementById("rg-rows");
    tbody.textContent = "";
    var changed = 0;
    doc.changes.forEach(function (c) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = c.full_name || ("Học sinh #" + c.student_id);
      tr.appendChild(th);
      var td = document.createElement("td");
      var link = document.createElement("a");
      link.href = form.dataset.reviewUrl.replace(/0$/, String(c.attempt_id));
      link.textContent = "Bài #" + c.attempt_id;
      td.appendChild(link);
      tr.appendChild(td);
      cell(tr, vn(c.old_score)); cell(tr, vn(c.new_score)); cell(tr, vn(c.old_score_10)); cell(tr, vn(c.new_score_10));
      var delta = "—";
      if (c.old_score_10 !== null && c.new_score_10 !== null) {
        var d = Math.round((parseFloat(c.new_score_10) - parseFloat(c.old_score_10)) * 10) / 10;
        delta = (d > 0 ? "+" : "") + vn(d.toFixed(1));
        if (d !== 0) { changed += 1; tr.className = "changed"; }
      }
      cell(tr, delta);
      tbody.appendChild(tr);
    });
    title.textContent = doc.dry_run ? "Xem trước (chưa áp dụng)" : "Đã áp dụng";
    document.getElementById("rg-summary").textContent = doc.changes.length
      ? doc.changes.length + " bài đã nộp bị ảnh hưởng, " + changed + " bài thay đổi điểm hệ 10."
      : "Chưa có bài đã nộp nào bị ảnh hưởng; thay đổi sẽ áp dụng cho các bài nộp sau.";
    result.classList.remove("hidden");
  }

  function fail(err) {
    var errors = err.body && err.body.errors;
    var text = err.message || "Không thực hiện được.";
    if (errors) {
      text = Object.keys(errors).map(function (k) { return [].concat(errors[k]).join(" "); }).join(" ");
    }
    if (!err.status) { text = "Mất kết nối mạng, hãy thử lại."; }
    message.textContent = text;
    message.className = "flash flash-error";
  }

  function send(dryRun) {
    var body = choice();
    body.dry_run = dryRun;
    message.textContent = dryRun ? "Đang tính thử…" : "Đang chấm lại…";
    message.className = "";
    previewButton.disabled = true;
    applyButton.disabled = true;
    return window.LMS.api("POST", "/exams/" + form.dataset.examId + "/regrade", body).then(function (doc) {
      render(doc);
      if (dryRun) {
        previewed = choice();
        message.textContent = "Đã tính thử. Kiểm tra bảng bên dưới rồi bấm “Áp dụng chấm lại”.";
        applyButton.disabled = false;
      } else {
        previewed = null;
        message.textContent = "Đã chấm lại " + doc.changes.length + " bài. Điểm mới đã được ghi vào bảng kết quả và sổ điểm.";
        var link = document.createElement("a");
        link.href = form.dataset.resultsUrl;
        link.textContent = " Xem bảng kết quả";
        message.appendChild(link);
      }
      message.className = "flash";
      title.focus();
    }).catch(function (err) {
      fail(err);
      applyButton.disabled = !same(previewed, choice());
    }).then(function () { previewButton.disabled = false; });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); send(true); });
  form.addEventListener("change", function () {
    if (!same(previewed, choice())) {
      applyButton.disabled = true;
      if (previewed) { message.textContent = "Lựa chọn đã đổi: hãy xem trước lại trước khi áp dụng."; message.className = ""; }
    }
  });
  applyButton.addEventListener("click", function () {
    if (!same(previewed, choice())) { return; }
    var label = form.querySelector('input[name="action"]:checked').parentNode.textContent.trim();
    if (window.confirm("Áp dụng “" + label + "” cho câu mã " + previewed.question_id + "? Điểm của học sinh sẽ thay đổi.")) {
      send(false);
    }
  });
})();
