// The exam form: shows the part of the form for the chosen way of building the paper, offers the 2025
// presets of the chosen subject, loads the topic tree for blueprint rows, adds rows, and picks questions
// from the bank into the question id field. Without this script every part stays visible and usable.
(function () {
  "use strict";
  var form = document.getElementById("exam-form");
  if (!form) { return; }
  var subject = document.getElementById("subject");
  var grade = document.getElementById("grade");

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // -- build mode ------------------------------------------------------------------------------------------
  function buildMode() {
    var checked = form.querySelector('input[name="build"]:checked');
    return checked ? checked.value : "preset";
  }
  function showParts() {
    var mode = buildMode();
    form.querySelectorAll(".build-part").forEach(function (part) {
      part.classList.toggle("hidden", part.dataset.build.split(" ").indexOf(mode) < 0);
    });
  }
  form.querySelectorAll('input[name="build"]').forEach(function (r) { r.addEventListener("change", showParts); });
  showParts();

  // -- presets of the chosen subject -----------------------------------------------------------------------
  var preset = document.getElementById("preset");
  function filterPresets() {
    if (!preset) { return; }
    var firstMatch = null;
    Array.prototype.forEach.call(preset.options, function (opt) {
      var fits = opt.dataset.subjects.split(" ").indexOf(subject.value) >= 0;
      opt.disabled = !fits;
      if (fits && !firstMatch) { firstMatch = opt; }
    });
    if (preset.selectedOptions[0] && preset.selectedOptions[0].disabled && firstMatch) { firstMatch.selected = true; }
    var hint = document.getElementById("preset-hint");
    if (hint) {
      hint.textContent = firstMatch ? "Câu hỏi được rút từ ngân hàng, chấm theo quy chế 2025, tổng 10 điểm."
        : "Môn này chưa có mẫu đề 2025: hãy lập đề theo ma trận hoặc chọn từng câu.";
    }
  }
  subject.addEventListener("change", filterPresets);
  filterPresets();

  // -- topics for blueprint rows ---------------------------------------------------------------------------
  var topics = [];
  function fillTopicSelect(select) {
    var current = select.value || select.dataset.selected || "";
    while (select.options.length > 1) { select.remove(1); }
    topics.forEach(function (t) {
      var opt = document.createElement("option");
      opt.value = String(t.id);
      opt.textContent = "\u00a0\u00a0".repeat(t.depth) + t.name;
      if (opt.value === current) { opt.selected = true; }
      select.appendChild(opt);
    });
  }
  function ordered(list) {
    // Parents before children, children indented by depth, siblings by position.
    var byParent = {};
    list.forEach(function (t) { var k = t.parent_id || 0; (byParent[k] = byParent[k] || []).push(t); });
    var out = [];
    function walk(parent, depth) {
      (byParent[parent] || []).sort(function (a, b) { return (a.position || 0) - (b.position || 0); })
        .forEach(function (t) { t.depth = depth; out.push(t); walk(t.id, depth + 1); });
    }
    walk(0, 0);
    return out;
  }
  function loadTopics() {
    var g = parseInt(grade.value, 10);
    if (!subject.value || !(g >= 1 && g <= 12)) { return; }
    window.LMS.api("GET", "/topics?subject=" + encodeURIComponent(subject.value) + "&grade=" + g).then(function (list) {
      topics = ordered(Array.isArray(list) ? list : (list.items || []));
      form.querySelectorAll(".bp-topic").forEach(fillTopicSelect);
    }).catch(function () { /* rows keep "Mọi chủ đề"; the form still works */ });
  }
  subject.addEventListener("change", loadTopics);
  grade.addEventListener("change", loadTopics);
  loadTopics();

  // -- more blueprint rows ---------------------------------------------------------------------------------
  var rowsList = document.getElementById("bp-rows");
  var addRow = document.getElementById("bp-add");
  if (rowsList && addRow) {
    addRow.classList.remove("hidden");
    addRow.addEventListener("click", function () {
      var rows = rowsList.querySelectorAll(".bp-row");
      var index = rows.length;
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.classList.remove("has-error");
      copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
      copy.querySelector("legend").textContent = "Dòng " + (index + 1);
      copy.querySelectorAll("select, input").forEach(function (el) {
        var base = el.id.replace(/-\d+$/, "");
        var label = copy.querySelector('label[for="' + el.id + '"]');
        el.id = base + "-" + index;
        if (label) { label.htmlFor = el.id; }
        el.removeAttribute("aria-invalid");
        el.removeAttribute("aria-describedby");
        if (el.tagName === "SELECT") { el.selectedIndex = 0; el.dataset.selected = ""; } else { el.value = ""; }
      });
      rowsList.appendChild(copy);
      copy.querySelector("select").focus();
    });
  }

  // -- picking questions from the bank ---------------------------------------------------------------------
  var picker = document.getElementById("picker");
  var ids = document.getElementById("question_ids");
  if (picker && ids) {
    picker.classList.remove("hidden");
    var status = document.getElementById("picker-status");
    var box = document.getElementById("picker-results-box");
    var list = document.getElementById("picker-results");
    var TYPES = { single_choice: "Nhiều lựa chọn", multiple_choice: "Nhiều đáp án", true_false: "Đúng/sai",
      true_false_group: "Đúng/sai 4 ý", short_answer: "Trả lời ngắn", essay: "Tự luận" };
    var LEVELS = { nhan_biet: "Nhận biết", thong_hieu: "Thông hiểu", van_dung: "Vận dụng", van_dung_cao: "Vận dụng cao" };

    var chosen = function () { return ids.value.split(/[\s,;]+/).filter(function (x) { return /^\d+$/.test(x); }); };
    var plain = function (html) { return new DOMParser().parseFromString(html || "", "text/html").body.textContent.trim(); };

    var search = function () {
      var g = parseInt(grade.value, 10);
      var q = document.getElementById("picker-q").value.trim();
      var path = "/questions?per_page=50&subject=" + encodeURIComponent(subject.value) + (g ? "&grade=" + g : "") +
        (q ? "&q=" + encodeURIComponent(q) : "");
      status.textContent = "Đang tìm…";
      window.LMS.api("GET", path).then(function (page) {
        var items = page.items || [];
        list.textContent = "";
        var have = chosen();
        items.forEach(function (item) {
          var li = document.createElement("li");
          var label = document.createElement("label");
          var box1 = document.createElement("input");
          box1.type = "checkbox";
          box1.value = String(item.id);
          box1.checked = have.indexOf(String(item.id)) >= 0;
          box1.addEventListener("change", function () {
            var now = chosen().filter(function (x) { return x !== box1.value; });
            if (box1.checked) { now.push(box1.value); }
            ids.value = now.join(", ");
          });
          label.appendChild(box1);
          var text = plain(item.stem);
          label.appendChild(document.createTextNode(" #" + item.id + " · " + (TYPES[item.type] || item.type) + " · " +
            (LEVELS[item.level] || item.level || "") + " — " + (text.length > 120 ? text.slice(0, 120) + "…" : text)));
          li.appendChild(label);
          list.appendChild(li);
        });
        box.classList.toggle("hidden", items.length === 0);
        status.textContent = items.length ? "Tìm thấy " + page.total + " câu" + (page.total > items.length ? " (hiện " + items.length + " câu đầu)" : "") + "."
          : "Không có câu hỏi nào phù hợp.";
      }).catch(function (err) { status.textContent = "Không tải được ngân hàng câu hỏi: " + err.message; });
    };
    document.getElementById("picker-search").addEventListener("click", search);
    document.getElementById("picker-q").addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); search(); }
    });
  }
  // -- which gradebook column each class's score goes into (Thông tư 22 counts are checked on save) ---------
  var kindSelect = document.getElementById("gradebook_kind");
  var semesterSelect = document.getElementById("semester");
  var columnsBox = document.getElementById("gradebook-columns");
  var columnsList = document.getElementById("gradebook-columns-list");
  var KIND_LABELS = { tx: "ĐĐGtx", gk: "ĐĐGgk", ck: "ĐĐGck" };
  function loadColumns() {
    if (!kindSelect || !columnsBox) { return; }
    var kind = kindSelect.value;
    var boxes = Array.prototype.filter.call(form.querySelectorAll('input[name="class_ids"]'), function (b) { return b.checked; });
    var previous = {};
    columnsList.querySelectorAll("select").forEach(function (s) { previous[s.name] = s.value; });
    columnsList.textContent = "";
    columnsBox.classList.toggle("hidden", !kind || boxes.length === 0);
    if (!kind) { return; }
    boxes.forEach(function (box) {
      var classId = box.value;
      var label = box.parentNode.textContent.trim().split(" – ")[0];
      var field = document.createElement("div");
      field.className = "field";
      var lab = document.createElement("label");
      lab.htmlFor = "gradebook-column-" + classId;
      lab.textContent = "Lớp " + label;
      var select = document.createElement("select");
      select.id = "gradebook-column-" + classId;
      select.name = "gradebook_column_" + classId;
      var fresh = document.createElement("option");
      fresh.value = "";
      fresh.textContent = "Tạo cột " + KIND_LABELS[kind] + " mới";
      select.appendChild(fresh);
      field.appendChild(lab);
      field.appendChild(select);
      columnsList.appendChild(field);
      var path = "/gradebook?class_id=" + classId + "&subject=" + encodeURIComponent(subject.value) +
        "&semester=" + encodeURIComponent(semesterSelect.value);
      window.LMS.api("GET", path).then(function (book) {
        var same = (book.columns || []).filter(function (c) { return c.kind === kind; });
        same.forEach(function (c) {
          var opt = document.createElement("option");
          opt.value = String(c.id);
          opt.textContent = c.title + (c.exam_id ? " (đã gắn bài kiểm tra khác)" : "");
          opt.disabled = Boolean(c.exam_id);
          if (previous[select.name] === opt.value) { opt.selected = true; }
          select.appendChild(opt);
        });
        if (kind === "tx" && book.required_tx && same.length >= book.required_tx) {
          fresh.textContent = "Tạo cột mới (không được: đã đủ " + book.required_tx + " cột ĐĐGtx)";
          fresh.disabled = true;
          var firstFree = same.filter(function (c) { return !c.exam_id; })[0];
          if (firstFree && !select.value) { select.value = String(firstFree.id); }
        } else if (kind !== "tx" && same.length >= 1) {
          fresh.textContent = "Tạo cột mới (không được: mỗi học kì chỉ 1 cột " + KIND_LABELS[kind] + ")";
          fresh.disabled = true;
          var free = same.filter(function (c) { return !c.exam_id; })[0];
          if (free && !select.value) { select.value = String(free.id); }
        }
      }).catch(function () { /* no gradebook yet for this class: a new column it is */ });
    });
  }
  if (kindSelect) {
    [kindSelect, semesterSelect, subject].forEach(function (el) { el.addEventListener("change", loadColumns); });
    form.querySelectorAll('input[name="class_ids"]').forEach(function (b) { b.addEventListener("change", loadColumns); });
    loadColumns();
  }
})();
