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
    badge.className = "badge " + (bad ? "danger" : "ok");
    badge.textContent = bad ? "Lỗi" : "Hợp lệ";
    td2.appendChild(badge);
    td2.appendChild(document.createTextNode(" " + message));
    tr.appendChild(td1); tr.appendChild(td2);
    return tr;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-import-form]");
    if (!form) { return; }
    var report = document.querySelector("[data-import-report]");
    var rows = document.querySelector("[data-import-rows]");
    var summary = document.querySelector("[data-import-summary]");
    var commit = document.querySelector("[data-import-commit]");

    function show(result) {
      report.classList.remove("hidden");
      rows.innerHTML = "";
      (result.items || []).forEach(function (item) { rows.appendChild(row(item.location, item.title, false)); });
      (result.errors || []).forEach(function (e) { rows.appendChild(row(e.location || (e.line ? "dòng " + e.line : ""), e.message, true)); });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      commit.classList.add("hidden");
      summary.textContent = "Đang kiểm tra…";
      upload(form, true).then(function (result) {
        show(result);
        summary.textContent = result.importable + " câu hợp lệ, " + result.errors.length + " lỗi.";
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
