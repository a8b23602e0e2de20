// Bank pages: topic pickers that follow subject and grade, exporting the ticked questions, and the
// submit / delete / approve / reject buttons (all through the JSON API).
(function () {
  "use strict";

  function fillTopics(form) {
    var select = form.querySelector("[data-topic-select]");
    var subject = form.querySelector("[data-topic-subject]");
    var grade = form.querySelector("[data-topic-grade]");
    if (!select || !subject || !grade) { return; }
    var wanted = select.getAttribute("data-selected") || select.value;
    var first = select.options[0];
    select.innerHTML = "";
    select.appendChild(first);
    if (!subject.value || !grade.value) { return; }
    window.LMS.api("GET", "/topics?subject=" + encodeURIComponent(subject.value) + "&grade=" + encodeURIComponent(grade.value))
      .then(function (topics) {
        (topics || []).forEach(function (t) {
          var opt = document.createElement("option");
          opt.value = String(t.id); opt.textContent = t.name;
          if (String(t.id) === String(wanted)) { opt.selected = true; }
          select.appendChild(opt);
        });
      }).catch(function () { /* no topics: the filter simply stays at "all" */ });
  }
  window.QB = window.QB || {};
  window.QB.fillTopics = fillTopics;

  function setStatus(box, text) {
    var status = box.querySelector("[data-action-status]");
    if (status) { status.textContent = text; }
  }

  function onAction(box, button) {
    var action = button.getAttribute("data-action");
    var id = box.getAttribute("data-question-id");
    var call;
    if (action === "delete") {
      if (!window.confirm("Xoá câu hỏi này khỏi ngân hàng?")) { return; }
      call = window.LMS.api("DELETE", "/questions/" + id);
    } else if (action === "submit") {
      call = window.LMS.api("POST", "/questions/" + id + "/submit", { scope: button.getAttribute("data-scope") || "shared" });
    } else {
      var comment = box.querySelector("[data-review-comment]");
      call = window.LMS.api("POST", "/questions/" + id + "/review",
        { decision: action, comment: comment ? comment.value : "" });
    }
    setStatus(box, "Đang xử lý…");
    call.then(function (data) {
      if (action === "delete") { window.location.href = "/questions/"; return; }
      if (data && data.duplicates && data.duplicates.length) {
        window.alert("Lưu ý: có câu gần trùng trong ngân hàng: #" + data.duplicates.join(", #"));
      }
      window.location.reload();
    }).catch(function (err) {
      var fields = err.body && err.body.errors ? " " + Object.keys(err.body.errors).map(function (k) { return err.body.errors[k].join(" "); }).join(" ") : "";
      setStatus(box, "Không thực hiện được: " + err.message + fields);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if (!form.querySelector("[data-topic-select]")) { return; }
      fillTopics(form);
      ["[data-topic-subject]", "[data-topic-grade]"].forEach(function (sel) {
        var el = form.querySelector(sel);
        if (el) { el.addEventListener("change", function () { fillTopics(form); }); }
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-question-actions]"), function (box) {
      box.addEventListener("click", function (event) {
        var button = event.target.closest("[data-action]");
        if (!button) { return; }
        onAction(box, button);
      });
    });
    // Fetched rather than navigated to, so that what the format could not write (X-Export-Warnings) and a
    // refusal (problem+json) can be shown next to the button instead of being lost in a download.
    function exportFile(status, url) {
      fetch(url, {credentials: "same-origin"}).then(function (response) {
        if (!response.ok) {
          return response.json().then(function (problem) {
            var details = (problem.errors && problem.errors.ids) || [];
            status.textContent = [problem.detail || problem.title || "Không xuất được."].concat(details).join(" ");
          }, function () { status.textContent = "Không xuất được (lỗi " + response.status + ")."; });
        }
        var warnings = [];
        try { warnings = JSON.parse(decodeURIComponent(response.headers.get("X-Export-Warnings") || "[]")); } catch (e) { warnings = []; }
        var match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
        return response.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = match ? decodeURIComponent(match[1]) : "ngan-hang-cau-hoi";
          document.body.appendChild(link);
          link.click();
          link.remove();
          setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
          status.textContent = warnings.length ? "Đã xuất. Lưu ý: " + warnings.join(" ") : "Đã xuất.";
        });
      }, function () { status.textContent = "Không kết nối được máy chủ."; });
    }
    var exportForm = document.querySelector("[data-export]");
    if (exportForm) {
      exportForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var ids = Array.prototype.map.call(document.querySelectorAll("[data-export-id]:checked"), function (c) { return c.value; });
        var status = exportForm.querySelector("[data-export-status]");
        if (!ids.length) { status.textContent = "Hãy chọn ít nhất một câu hỏi."; return; }
        status.textContent = "Đang xuất…";
        exportFile(status, "/api/v1/questions/export?format=" + encodeURIComponent(document.getElementById("export-format").value) + "&ids=" + ids.join(","));
      });
    }
  });
})();
