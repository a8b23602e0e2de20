// Printed versions: POST /exams/{id}/versions {count}, then reload so the list and download links are the server's.
(function () {
  "use strict";
  var form = document.getElementById("versions-form");
  if (!form) { return; }
  var input = form.elements.count;
  var msg = document.getElementById("version-count-msg");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var count = parseInt(input.value, 10);
    var max = parseInt(input.max, 10);
    if (!(count >= 1 && count <= max)) {
      msg.textContent = "Số mã đề phải từ 1 đến " + max + ".";
      msg.className = "flash flash-error";
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    msg.textContent = "Đang tạo " + count + " mã đề…";
    msg.className = "";
    window.LMS.api("POST", "/exams/" + form.dataset.examId + "/versions", { count: count }).then(function (rows) {
      msg.textContent = "Đã tạo " + rows.length + " mã đề. Đang tải lại danh sách…";
      window.location.reload();
    }).catch(function (err) {
      var errors = err.body && err.body.errors;
      var text = errors ? Object.keys(errors).map(function (k) { return [].concat(errors[k]).join(" "); }).join(" ")
        : (err.status ? err.message : "Mất kết nối mạng, hãy thử lại.");
      msg.textContent = "Không tạo được mã đề: " + text;
      msg.className = "flash flash-error";
      button.disabled = false;
    });
  });
})();
