// Department actions: approve/reject a lecture with a comment; feature a shared collection.
(function () {
  "use strict";
  var box = document.getElementById("review-box");
  if (box) {
    var status = box.querySelector(".review-status");
    Array.prototype.forEach.call(box.querySelectorAll("button[data-decision]"), function (button) {
      button.addEventListener("click", function () {
        var comment = document.getElementById("review-comment").value;
        var decision = button.getAttribute("data-decision");
        if (decision === "reject" && !comment.trim()) {
          status.textContent = "Hãy ghi lý do không duyệt.";
          document.getElementById("review-comment").focus();
          return;
        }
        window.LMS.api("POST", "/lectures/" + box.getAttribute("data-lecture-id") + "/review",
          { decision: decision, comment: comment }).then(function () {
          status.textContent = decision === "approve" ? "Đã duyệt và xuất bản." : "Đã trả lại cho giáo viên.";
          window.setTimeout(function () { window.location.reload(); }, 600);
        }).catch(function (err) { status.textContent = err.message; });
      });
    });
  }
  var toggle = document.getElementById("feature-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var featured = toggle.getAttribute("data-featured") !== "true";
      window.LMS.api("PATCH", "/collections/" + toggle.getAttribute("data-collection-id"), { featured: featured })
        .then(function () { window.location.reload(); })
        .catch(function (err) { toggle.textContent = err.message; });
    });
  }
})();
