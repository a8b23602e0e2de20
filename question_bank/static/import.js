// Import page: upload -> dry-run report per item (location + message) -> "Nhập N câu" imports the good ones.
(function () {
  "use strict";

  function upload(form, dryRun) {
    var params = new URLSearchParams();
    ["format", "subject", "grade", "topic_id", "level"].forEach(function (name) {
      var value = form.elements[name].value;
      if (value) { params.set(name, value); }
    });
    params.set("mode", "partial");
    params.set("dry_run", dryRun ? "true" : "false");
    var data = new FormData();
    data.append("file", form.elements.file.files[0]);
    return fetch("/api/v1/questions/import?" + params.toString(), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": window.LMS.csrf }
    }).then(function (resp) {
      return resp.json().then(function (body) {
        if (!resp.ok) {
          var err = new Error(body.detail || resp.statusText);
          err.body = body;
          throw err;
        }
        return body;
      });
    });
  }

  function row(location, message, bad) {
    var tr = document.createElement("tr");
    var td1 = document.createElement("td"); td1.textContent = location || "—";
    var td2 = document.createElement("td");
    var badge = document.createElement("span");
    // bad: true (error), "warn" (imported with a change) or false (fine).
    badge.className = "badge " + (bad === "warn" ? "warn" : bad ? "danger" : "ok");
    badge.textContent = bad === "warn" ? "Lưu ý" : bad ? "Lỗi" : "Hợp lệ";
    td2.appendChild(badge);
    td2.appendChild(document.createTextNode(" " + message));
    tr.appendChild(td1); tr.appendChild(td2);
    return tr;
  }

  var TYPES = { single_choice: "Trắc nghiệm một đáp án", multiple_choice: "Nhiều đáp án", true_false: "Đúng/sai",
    true_false_group: "Đúng/sai 4 ý", short_answer: "Trả lời ngắn", essay: "Tự luận", matching: "Ghép đôi",
    ordering: "Sắp xếp", cloze: "Điền khuyết" };

  // The stem and option texts come sanitised by the server; they are rebuilt again through the editor's
  // allow-list (QB.safeFragment) before display, everything else is text.
  function html(el, markup) {
    if (window.QB && window.QB.safeFragment) { el.appendChild(window.QB.safeFragment(markup)); }
    else { el.textContent = markup || ""; }
  }
  function previewItem(item) {
    var li = document.createElement("li");
    li.className = "card import-item";
    var head = document.createElement("p");
    head.className = "muted";
    head.textContent = (item.location || "") + " · " + (TYPES[item.type] || item.type) +
      (item.has_explanation ? " · có lời giải" : "");
    li.appendChild(head);
    var stem = document.createElement("div");
    html(stem, item.stem);
    li.appendChild(stem);
    if (item.choices && item.choices.length) {
      var list = document.createElement("ul");
      list.className = "review-options";
      item.choices.forEach(function (c) {
        var opt = document.createElement("li");
        var label = document.createElement("strong");
        label.textContent = c.label + " ";
        opt.appendChild(label);
        var text = document.createElement("span");
        html(text, c.text);
        opt.appendChild(text);
        if (item.type === "true_false_group") {
          var mark = document.createElement("span");
          mark.className = "opt-mark" + (c.correct ? " ok" : "");
          mark.textContent = c.correct ? "Đúng" : "Sai";
          opt.appendChild(mark);
        } else if (c.correct) {
          opt.className = "opt-correct";
          var ok = document.createElement("span");
          ok.className = "opt-mark ok";
          ok.textContent = "Đáp án";
          opt.appendChild(ok);
        }
        list.appendChild(opt);
      });
      li.appendChild(list);
    }
    var answer = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = "Đáp án đọc được: ";
    answer.appendChild(strong);
    answer.appendChild(document.createTextNode(item.answer || "(không có)"));
    li.appendChild(answer);
    return li;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-import-form]");
    if (!form) { return; }
    var report = document.querySelector("[data-import-report]");
    var rows = document.querySelector("[data-import-rows]");
    var summary = document.querySelector("[data-import-summary]");
    var commit = document.querySelector("[data-import-commit]");
    var preview = document.querySelector("[data-import-preview]");

    function show(result) {
      report.classList.remove("hidden");
      rows.innerHTML = "";
      preview.innerHTML = "";
      (result.items || []).forEach(function (item) {
        rows.appendChild(row(item.location, item.title, false));
        if (result.dry_run) { preview.appendChild(previewItem(item)); }
      });
      if (window.QB && window.QB.renderMath) { window.QB.renderMath(preview); }
      (result.errors || []).forEach(function (e) { rows.appendChild(row(e.location || (e.line ? "dòng " + e.line : ""), e.message, true)); });
      (result.warnings || []).forEach(function (w) { rows.appendChild(row(w.location, w.message, "warn")); });
      // Categories of the file (GIFT $CATEGORY, Moodle XML) filed as curriculum topics.
      (result.topics || []).forEach(function (t) {
        var what = t.new ? (result.dry_run ? "sẽ tạo chủ đề mới" : "đã tạo chủ đề mới") : "xếp vào chủ đề có sẵn";
        rows.appendChild(row("Chủ đề", what + " “" + t.path + "” (" + t.questions + " câu)", t.new ? "warn" : false));
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      commit.classList.add("hidden");
      summary.textContent = "Đang kiểm tra…";
      upload(form, true).then(function (result) {
        show(result);
        summary.textContent = result.importable + " câu hợp lệ, " + result.errors.length + " lỗi" +
          ((result.warnings || []).length ? ", " + result.warnings.length + " lưu ý." : ".");
        if (result.importable > 0) {
          commit.textContent = "Nhập " + result.importable + " câu";
          commit.classList.remove("hidden");
        }
      }).catch(function (err) {
        report.classList.remove("hidden");
        rows.innerHTML = "";
        summary.textContent = "Không đọc được tệp: " + err.message;
      });
    });

    commit.addEventListener("click", function () {
      commit.classList.add("hidden");
      summary.textContent = "Đang nhập…";
      upload(form, false).then(function (result) {
        show(result);
        summary.textContent = "Đã nhập " + result.imported + " câu (ở trạng thái nháp).";
        var link = document.createElement("a");
        link.href = "/questions/?mine=1&status=draft";
        link.textContent = " Xem các câu vừa nhập";
        summary.appendChild(link);
      }).catch(function (err) { summary.textContent = "Không nhập được: " + err.message; });
    });
  });
})();
