// Lecture editor: uploads with real byte progress (XHR), transcoding progress by polling GET /media/{id},
// attachment ordering, save (POST/PATCH /lectures) and submit.
(function () {
  "use strict";
  var form = document.getElementById("lecture-form");
  if (!form) { return; }
  var list = document.getElementById("attachments");
  var uploads = document.getElementById("uploads");
  var statusLine = document.getElementById("form-status");
  var lectureId = form.getAttribute("data-lecture-id");
  var POLL_MS = 2000;

  function say(text) { statusLine.textContent = text; }

  var KINDS = { video: "Video", audio: "Âm thanh", pdf: "PDF", image: "Hình ảnh", document: "Tài liệu" };
  var STATES = { uploaded: "đã tải lên", processing: "đang xử lý", ready: "sẵn sàng", failed: "lỗi xử lý" };
  function stateText(media) { return (KINDS[media.kind] || media.kind) + " · " + (STATES[media.status] || media.status); }

  // ---- topics follow subject and grade
  var subject = document.getElementById("subject");
  var grade = document.getElementById("grade");
  var topic = document.getElementById("topic_id");
  function loadTopics() {
    var selected = topic.getAttribute("data-selected");
    window.LMS.api("GET", "/topics?subject=" + encodeURIComponent(subject.value) + "&grade=" + encodeURIComponent(grade.value))
      .then(function (data) {
        var items = (data && (data.items || data)) || [];
        topic.length = 1;
        items.forEach(function (t) {
          var option = document.createElement("option");
          option.value = String(t.id);
          option.textContent = t.name;
          if (String(t.id) === selected) { option.selected = true; }
          topic.appendChild(option);
        });
      }).catch(function () {});
  }
  subject.addEventListener("change", function () { topic.setAttribute("data-selected", ""); loadTopics(); });
  grade.addEventListener("change", function () { topic.setAttribute("data-selected", ""); loadTopics(); });
  loadTopics();

  // ---- attachment rows
  function button(label, attr, aria) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = label;
    b.setAttribute(attr, attr === "data-move" ? aria : "");
    if (attr === "data-move") { b.setAttribute("aria-label", aria === "up" ? "Đưa lên" : "Đưa xuống"); }
    else { b.setAttribute("aria-label", "Gỡ tệp"); }
    return b;
  }
  function addRow(media) {
    var li = document.createElement("li");
    li.setAttribute("data-media-id", String(media.id));
    var label = document.createElement("label");
    label.className = "att-label";
    label.setAttribute("for", "att-" + media.id);
    label.textContent = "Tiêu đề tệp (hiển thị cho học sinh)";
    var input = document.createElement("input");
    input.type = "text";
    input.id = "att-" + media.id;
    input.className = "att-title";
    input.maxLength = 300;
    input.value = (media.filename || "").replace(/\.[^.]+$/, "");
    input.placeholder = "Ví dụ: Phần 1 – Khái niệm vectơ";
    var state = document.createElement("span");
    state.className = "muted att-state";
    state.textContent = stateText(media);
    li.appendChild(label);
    li.appendChild(input);
    li.appendChild(state);
    li.appendChild(button("↑", "data-move", "up"));
    li.appendChild(button("↓", "data-move", "down"));
    li.appendChild(button("Gỡ", "data-remove"));
    list.appendChild(li);
    return li;
  }
  list.addEventListener("click", function (event) {
    var target = event.target;
    var li = target.closest("li");
    if (!li) { return; }
    if (target.hasAttribute("data-remove")) { li.parentNode.removeChild(li); return; }
    var move = target.getAttribute("data-move");
    if (move === "up" && li.previousElementSibling) { list.insertBefore(li, li.previousElementSibling); target.focus(); }
    if (move === "down" && li.nextElementSibling) { list.insertBefore(li.nextElementSibling, li); target.focus(); }
  });

  // ---- uploads
  function poll(mediaId, bar, text, row) {
    window.LMS.api("GET", "/media/" + mediaId).then(function (media) {
      var state = row && row.querySelector(".att-state");
      if (state) { state.textContent = stateText(media); }
      if (media.status === "ready") { bar.value = 100; text.textContent = "Sẵn sàng"; return; }
      if (media.status === "failed") { text.textContent = "Xử lý lỗi: " + (media.error || ""); return; }
      bar.value = media.progress || 0;
      text.textContent = "Đang xử lý video " + (media.progress || 0) + "%";
      window.setTimeout(function () { poll(mediaId, bar, text, row); }, POLL_MS);
    }).catch(function (err) { text.textContent = err.message; });
  }
  function upload(file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name + " ";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Tiến độ tải lên " + file.name);
    var text = document.createElement("span");
    text.className = "muted";
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(text);
    uploads.appendChild(li);
    var data = new FormData();
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/media");
    xhr.setRequestHeader("X-CSRFToken", window.LMS.csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) {
        bar.value = Math.round(event.loaded * 100 / event.total);
        text.textContent = "Đang tải lên " + bar.value + "%";
      }
    };
    xhr.onerror = function () { text.textContent = "Mất kết nối khi tải lên."; };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status !== 201 || !body) {
        text.textContent = (body && body.detail) || ("Lỗi " + xhr.status);
        return;
      }
      var row = addRow(body);
      bar.value = 0;
      poll(body.id, bar, text, row);
    };
    xhr.send(data);
  }
  document.getElementById("upload").addEventListener("change", function (event) {
    Array.prototype.forEach.call(event.target.files, upload);
    event.target.value = "";
  });

  // ---- save and submit
  function payload() {
    var visibility = form.querySelector('input[name="visibility"]:checked');
    var classes = Array.prototype.map.call(form.querySelectorAll('input[name="class_ids"]:checked'),
      function (box) { return parseInt(box.value, 10); });
    var attachments = Array.prototype.map.call(list.querySelectorAll("li"), function (li) {
      return { media_id: parseInt(li.getAttribute("data-media-id"), 10), title: li.querySelector(".att-title").value };
    });
    return {
      title: document.getElementById("title").value,
      description: document.getElementById("description").value,
      subject: subject.value,
      grade: parseInt(grade.value, 10),
      topic_id: topic.value ? parseInt(topic.value, 10) : null,
      visibility: visibility ? visibility.value : "private",
      class_ids: visibility && visibility.value === "class" ? classes : [],
      licence_note: document.getElementById("licence_note").value,
      attachments: attachments
    };
  }
  function showErrors(err) {
    var parts = [err.message];
    if (err.body && err.body.errors) {
      Object.keys(err.body.errors).forEach(function (key) { parts.push(key + ": " + [].concat(err.body.errors[key]).join(", ")); });
    }
    say(parts.join(" — "));
  }
  function save() {
    var request = lectureId ? window.LMS.api("PATCH", "/lectures/" + lectureId, payload())
      : window.LMS.api("POST", "/lectures", payload());
    return request.then(function (lecture) {
      if (!lectureId) { window.location.href = "/lectures/" + lecture.id + "/edit"; }
      say("Đã lưu bản nháp (bản " + lecture.version_number + ").");
      return lecture;
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    save().catch(showErrors);
  });
  var submitButton = document.getElementById("submit-lecture");
  if (submitButton) {
    submitButton.addEventListener("click", function () {
      save().then(function () {
        return window.LMS.api("POST", "/lectures/" + lectureId + "/submit");
      }).then(function (lecture) {
        say(lecture.status === "in_review" ? "Đã gửi lên kho học liệu chung, chờ duyệt." : "Đã xuất bản.");
      }).catch(showErrors);
    });
  }
})();
