// The question editor: one row builder per question type (options, statements, pairs, items, gaps,
// accepted answers), a live KaTeX preview, and saving through POST /questions or PATCH /questions/{id}.
(function () {
  "use strict";

  var form, fieldsBox, typeSelect, preview, errorsBox;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  var uid = 0;
  function labelled(labelText, input) {
    uid += 1;
    input.id = input.id || "qb-f" + uid;
    return el("div", { "class": "field" }, [el("label", { "for": input.id, text: labelText }), input]);
  }

  // Column definitions of each repeatable row type: [key, label, kind].
  var ROWS = {
    single_choice: { key: "options", title: "Phương án", cols: [["text", "Nội dung phương án", "text"], ["correct", "Đúng", "radio"]], min: 4 },
    multiple_choice: { key: "options", title: "Phương án", cols: [["text", "Nội dung phương án", "text"], ["correct", "Đúng", "check"]], min: 4 },
    true_false_group: { key: "statements", title: "Ý", cols: [["text", "Nội dung ý", "text"], ["correct", "Đúng", "check"]], min: 4 },
    matching: { key: "pairs", title: "Cặp", cols: [["left", "Vế trái", "text"], ["right", "Vế phải", "text"]], min: 3 },
    ordering: { key: "items", title: "Mục (theo thứ tự đúng)", cols: [["text", "Nội dung mục", "text"]], min: 3 },
    cloze: { key: "gaps", title: "Chỗ trống", cols: [["id", "Mã chỗ trống (vd 1)", "text"], ["answers", "Đáp án chấp nhận (cách nhau bởi |)", "text"]], min: 1 },
    short_answer: { key: "answers", title: "Đáp án chấp nhận", cols: [["text", "Đáp án (chữ hoặc số, vd -1,5)", "text"], ["tolerance", "Sai số cho phép (nếu là số)", "text"]], min: 1 }
  };

  function letter(i) { return String.fromCharCode(65 + i); }

  function addRow(list, spec, values) {
    var index = list.children.length;
    var row = el("div", { "class": "qb-row", "data-row": "1" });
    spec.cols.forEach(function (col) {
      var input;
      var label = col[1] + " " + (spec.key === "options" || spec.key === "statements" ? letter(index) : index + 1);
      if (col[2] === "radio") {
        input = el("input", { type: "radio", name: "qb-correct", value: String(index) });
        input.checked = !!(values && values[col[0]]);
      } else if (col[2] === "check") {
        input = el("input", { type: "checkbox" });
        input.checked = !!(values && values[col[0]]);
      } else {
        input = el("input", { type: "text", "data-preview-source": "1" });
        var v = values ? values[col[0]] : "";
        if (Array.isArray(v)) { v = v.join(" | "); }
        input.value = v === undefined || v === null ? "" : String(v);
      }
      input.setAttribute("data-col", col[0]);
      row.appendChild(labelled(label, input));
    });
    if (values && values.id !== undefined && spec.key !== "gaps") { row.setAttribute("data-id", values.id); }
    var controls = el("div", { "class": "qb-row-controls" });
    if (spec.key === "items") {
      controls.appendChild(el("button", { type: "button", "class": "button", "data-move": "-1", "aria-label": "Đưa lên", text: "↑" }));
      controls.appendChild(el("button", { type: "button", "class": "button", "data-move": "1", "aria-label": "Đưa xuống", text: "↓" }));
    }
    controls.appendChild(el("button", { type: "button", "class": "button danger", "data-remove": "1", text: "Xoá dòng" }));
    row.appendChild(controls);
    list.appendChild(row);
  }

  function buildFields(type, body) {
    fieldsBox.innerHTML = "";
    body = body || {};
    if (type === "true_false") {
      var sel = el("select", { "data-answer": "1" }, [el("option", { value: "true", text: "Đúng" }), el("option", { value: "false", text: "Sai" })]);
      sel.value = body.answer === false ? "false" : "true";
      fieldsBox.appendChild(labelled("Đáp án", sel));
    } else if (type === "essay") {
      var rubric = el("textarea", { "data-rubric": "1", "data-preview-source": "1" });
      rubric.value = body.rubric || "";
      fieldsBox.appendChild(labelled("Hướng dẫn chấm", rubric));
    }
    if (type === "cloze") {
      var text = el("textarea", { "data-cloze-text": "1", "data-preview-source": "1" });
      text.value = body.text || "";
      fieldsBox.appendChild(labelled("Đoạn văn có chỗ trống {{1}}, {{2}}…", text));
    }
    if (type === "short_answer") {
      var rule = el("input", { type: "checkbox", "data-rule": "1" });
      rule.checked = body.rule === "thpt2025";
      fieldsBox.appendChild(labelled("Theo mẫu thi 2025 (tối đa 4 ký tự: -, dấu phẩy, chữ số)", rule));
    }
    var spec = ROWS[type];
    if (!spec) { return; }
    var list = el("div", { "data-rows": "1" });
    fieldsBox.appendChild(el("h3", { text: spec.title }));
    fieldsBox.appendChild(list);
    var existing = body[spec.key] || [];
    if (type === "short_answer") {
      existing = existing.map(function (a) { return a.text !== undefined ? { text: a.text } : { text: String(a.value).replace(".", ","), tolerance: a.tolerance }; });
    }
    existing.forEach(function (v) { addRow(list, spec, v); });
    for (var i = existing.length; i < spec.min; i++) { addRow(list, spec, null); }
    var add = el("button", { type: "button", "class": "button", text: "Thêm dòng" });
    add.addEventListener("click", function () { addRow(list, spec, null); renderPreview(); });
    fieldsBox.appendChild(add);
  }

  function rowsValues() {
    return Array.prototype.map.call(fieldsBox.querySelectorAll("[data-row]"), function (row) {
      var out = {};
      Array.prototype.forEach.call(row.querySelectorAll("[data-col]"), function (input) {
        out[input.getAttribute("data-col")] = input.type === "radio" || input.type === "checkbox" ? input.checked : input.value.trim();
      });
      if (row.getAttribute("data-id")) { out.id = row.getAttribute("data-id"); }
      return out;
    });
  }

  function typeFields(type) {
    var rows = rowsValues();
    if (type === "single_choice" || type === "multiple_choice") { return { options: rows }; }
    if (type === "true_false_group") { return { statements: rows }; }
    if (type === "matching") { return { pairs: rows }; }
    if (type === "ordering") { return { items: rows }; }
    var field = function (selector) { return fieldsBox.querySelector(selector) || { value: "", checked: false }; };
    if (type === "true_false") { return { answer: field("[data-answer]").value === "true" }; }
    if (type === "essay") { return { rubric: field("[data-rubric]").value || null }; }
    if (type === "cloze") {
      return { text: field("[data-cloze-text]").value,
        gaps: rows.map(function (r) { return { id: r.id, answers: (r.answers || "").split("|").map(function (a) { return a.trim(); }).filter(Boolean) }; }) };
    }
    if (type === "short_answer") {
      var isThpt = field("[data-rule]").checked;
      var answers = rows.filter(function (r) { return r.text; }).map(function (r) {
        var numeric = /^-?\d+([.,]\d+)?$/.test(r.text);
        if (numeric && (r.tolerance || !isThpt)) {
          return { value: r.text.replace(",", "."), tolerance: (r.tolerance || "0").replace(",", ".") };
        }
        return { text: r.text };
      });
      var out = { answers: answers };
      if (isThpt) { out.rule = "thpt2025"; }
      return out;
    }
    return {};
  }

  function collect() {
    var type = typeSelect.value;
    var val = function (name) { return form.elements[name].value; };
    var body = { type: type, stem: val("stem"), explanation: val("explanation") || null, subject: val("subject"),
      grade: parseInt(val("grade"), 10), level: val("level"),
      topic_id: val("topic_id") ? parseInt(val("topic_id"), 10) : null,
      difficulty: val("difficulty") ? parseInt(val("difficulty"), 10) : null,
      tags: val("tags").split(",").map(function (t) { return t.trim(); }).filter(Boolean) };
    var extra = typeFields(type);
    Object.keys(extra).forEach(function (k) { body[k] = extra[k]; });
    return body;
  }

  function renderPreview() {
    var body = collect();
    preview.innerHTML = "";
    preview.appendChild(QB.safeFragment(body.stem));
    if (body.text) { preview.appendChild(QB.safeFragment(body.text)); }
    var list = body.options || body.statements || body.items;
    if (list) {
      var ol = el("ol", { type: body.statements ? "a" : (body.items ? "1" : "A") });
      list.forEach(function (o) { var li = el("li"); li.appendChild(QB.safeFragment(o.text)); ol.appendChild(li); });
      preview.appendChild(ol);
    }
    if (body.pairs) {
      var ul = el("ul");
      body.pairs.forEach(function (p) { var li = el("li"); li.appendChild(QB.safeFragment(p.left)); li.appendChild(document.createTextNode(" ↔ ")); li.appendChild(QB.safeFragment(p.right)); ul.appendChild(li); });
      preview.appendChild(ul);
    }
    if (body.explanation) { var ex = el("div", { "class": "qb-explanation" }); ex.appendChild(QB.safeFragment(body.explanation)); preview.appendChild(ex); }
    QB.renderMath(preview);
  }

  function showErrors(err) {
    var lines = [err.message];
    if (err.body && err.body.errors) {
      Object.keys(err.body.errors).forEach(function (k) { lines.push(k + ": " + err.body.errors[k].join(" ")); });
    }
    errorsBox.textContent = lines.join(" — ");
    errorsBox.classList.remove("hidden");
  }

  function load(id) {
    window.LMS.api("GET", "/questions/" + id).then(function (q) {
      typeSelect.value = q.type;
      ["stem", "explanation", "subject", "grade", "level", "difficulty"].forEach(function (k) {
        if (q[k] !== null && q[k] !== undefined) { form.elements[k].value = q[k]; }
      });
      form.elements.tags.value = (q.tags || []).join(", ");
      var topic = form.querySelector("[data-topic-select]");
      topic.setAttribute("data-selected", q.topic_id || "");
      if (window.QB.fillTopics) { window.QB.fillTopics(form); }
      buildFields(q.type, q);
      renderPreview();
    }).catch(showErrors);
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.querySelector("[data-editor]");
    if (!form) { return; }
    fieldsBox = form.querySelector("[data-type-fields]");
    typeSelect = form.querySelector("[data-type]");
    preview = form.querySelector("[data-preview]");
    errorsBox = form.querySelector("[data-errors]");
    var id = form.getAttribute("data-question-id");
    typeSelect.addEventListener("change", function () { buildFields(typeSelect.value, null); renderPreview(); });
    // Choosing a type fires "input" before "change": the preview must wait for the new type's fields, or it
    // reads the old type's (missing) fields and throws.
    function onEdit(event) { if (event.target !== typeSelect) { renderPreview(); } }
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    fieldsBox.addEventListener("click", function (event) {
      var row = event.target.closest("[data-row]");
      if (!row) { return; }
      if (event.target.hasAttribute("data-remove")) { row.parentNode.removeChild(row); renderPreview(); }
      var move = event.target.getAttribute("data-move");
      if (move === "-1" && row.previousElementSibling) { row.parentNode.insertBefore(row, row.previousElementSibling); renderPreview(); }
      if (move === "1" && row.nextElementSibling) { row.parentNode.insertBefore(row.nextElementSibling, row); renderPreview(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errorsBox.classList.add("hidden");
      var body = collect();
      var call = id ? window.LMS.api("PATCH", "/questions/" + id, body) : window.LMS.api("POST", "/questions", body);
      call.then(function (q) {
        window.location.href = form.getAttribute("data-detail-url").replace(/0$/, String(q.id));
      }).catch(showErrors);
    });
    if (id) { load(id); } else { buildFields(typeSelect.value, null); renderPreview(); }
  });
})();
