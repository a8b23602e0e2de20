// The online test page: renders the paper from the API, keeps a server-synchronised timer, autosaves
// every few seconds and on change, keeps unsent answers in localStorage across reloads and offline spells.
(function () {
  "use strict";
  var root = document.getElementById("exam-app");
  if (!root) { return; }
  var examId = root.getAttribute("data-exam-id");
  var reviewBase = root.getAttribute("data-review-url").replace(/0$/, "");
  var SAVE_EVERY_MS = 5000, DEBOUNCE_MS = 1200;
  var attempt = null, answers = {}, pending = {}, clockOffset = 0, saving = false, finished = false, debounce = null;
  var $ = function (id) { return document.getElementById(id); };

  function storageKey() { return "lms-exam-attempt-" + attempt.id; }
  function persist() {
    try { localStorage.setItem(storageKey(), JSON.stringify({ answers: answers, pending: pending })); } catch (e) { /* private mode */ }
  }
  function setState(text, kind) {
    var el = $("save-state");
    el.textContent = text;
    el.className = "badge" + (kind ? " " + kind : "");
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function rich(tag, html, cls) {
    // Stems and options are HTML sanitised by the question bank when they were written.
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    node.innerHTML = html || "";
    return node;
  }
  function choiceInput(q, type, name, value, checked, label) {
    var wrap = el("label", { "class": "choice" });
    var input = el("input", { type: type, name: name, value: value });
    input.checked = !!checked;
    input.setAttribute("data-qid", q.id);
    wrap.appendChild(input);
    wrap.appendChild(typeof label === "string" ? document.createTextNode(" " + label) : label);
    return wrap;
  }

  function readAnswer(q, box) {
    var qid = String(q.id), inputs = box.querySelectorAll("[data-qid='" + qid + "']");
    var i, out;
    switch (q.type) {
      case "single_choice":
        for (i = 0; i < inputs.length; i++) { if (inputs[i].checked) { return inputs[i].value; } }
        return null;
      case "multiple_choice":
        out = [];
        for (i = 0; i < inputs.length; i++) { if (inputs[i].checked) { out.push(inputs[i].value); } }
        return out.length ? out : null;
      case "true_false":
        for (i = 0; i < inputs.length; i++) { if (inputs[i].checked) { return inputs[i].value === "true"; } }
        return null;
      case "true_false_group": case "matching": case "cloze":
        out = {};
        for (i = 0; i < inputs.length; i++) {
          var key = inputs[i].getAttribute("data-part");
          if (inputs[i].type === "radio") { if (inputs[i].checked) { out[key] = inputs[i].value === "true"; } }
          else if (inputs[i].value) { out[key] = inputs[i].value; }
        }
        return Object.keys(out).length ? out : null;
      case "ordering":
        out = [];
        for (i = 0; i < inputs.length; i++) { out.push({ id: inputs[i].getAttribute("data-part"), pos: parseInt(inputs[i].value, 10) || 99 }); }
        out.sort(function (a, b) { return a.pos - b.pos; });
        return out.map(function (x) { return x.id; });
      default:
        return inputs.length && inputs[0].value.trim() ? inputs[0].value : null;
    }
  }

  function renderQuestion(q) {
    var box = el("section", { id: "q-" + q.id, "class": "card question", "aria-labelledby": "qh-" + q.id });
    var head = el("h2", { id: "qh-" + q.id }, "Câu " + q.number + " (" + String(q.points).replace(".", ",") + " điểm)");
    box.appendChild(head);
    box.appendChild(el("p", { "class": "muted" }, q.section));
    box.appendChild(rich("div", q.stem, "stem"));
    var given = answers[String(q.id)], name = "q" + q.id;
    var fs = el("fieldset", {});
    fs.appendChild(el("legend", { "class": "sr-only" }, "Trả lời câu " + q.number));
    if (q.type === "single_choice" || q.type === "multiple_choice") {
      (q.options || []).forEach(function (o, i) {
        var label = rich("span", o.text);
        label.insertBefore(document.createTextNode(String.fromCharCode(65 + i) + ". "), label.firstChild);
        var on = q.type === "single_choice" ? given === o.id : (given || []).indexOf(o.id) >= 0;
        fs.appendChild(choiceInput(q, q.type === "single_choice" ? "radio" : "checkbox", name, o.id, on, label));
      });
    } else if (q.type === "true_false") {
      fs.appendChild(choiceInput(q, "radio", name, "true", given === true, "Đúng"));
      fs.appendChild(choiceInput(q, "radio", name, "false", given === false, "Sai"));
    } else if (q.type === "true_false_group") {
      (q.statements || []).forEach(function (s, i) {
        var row = el("div", { "class": "statement" });
        row.appendChild(rich("span", String.fromCharCode(97 + i) + ") " + s.text));
        [["true", "Đúng"], ["false", "Sai"]].forEach(function (pair) {
          var lab = choiceInput(q, "radio", name + "-" + s.id, pair[0], given && String(given[s.id]) === pair[0], pair[1]);
          lab.firstChild.setAttribute("data-part", s.id);
          row.appendChild(lab);
        });
        fs.appendChild(row);
      });
    } else if (q.type === "matching") {
      (q.lefts || []).forEach(function (left) {
        var id = "m-" + q.id + "-" + left.id, lab = rich("label", left.text);
        lab.setAttribute("for", id);
        var sel = el("select", { id: id, "data-qid": q.id, "data-part": left.id });
        sel.appendChild(el("option", { value: "" }, "— chọn —"));
        (q.rights || []).forEach(function (r) {
          var opt = el("option", { value: r.id }); opt.innerHTML = r.text;
          if (given && given[left.id] === r.id) { opt.selected = true; }
          sel.appendChild(opt);
        });
        var row = el("div", { "class": "field" }); row.appendChild(lab); row.appendChild(sel); fs.appendChild(row);
      });
    } else if (q.type === "ordering") {
      (q.items || []).forEach(function (item, i) {
        var id = "o-" + q.id + "-" + item.id, row = el("div", { "class": "field" });
        var lab = rich("label", item.text); lab.setAttribute("for", id);
        var pos = given ? given.indexOf(item.id) + 1 : i + 1;
        var input = el("input", { id: id, type: "number", min: "1", max: String(q.items.length), value: String(pos || i + 1), "data-qid": q.id, "data-part": item.id });
        row.appendChild(lab); row.appendChild(input); fs.appendChild(row);
      });
    } else if (q.type === "cloze") {
      fs.appendChild(rich("div", q.text, "cloze-text"));
      (q.gaps || []).forEach(function (gap) {
        var id = "g-" + q.id + "-" + gap.id, row = el("div", { "class": "field" });
        row.appendChild(el("label", { "for": id }, "Chỗ trống " + gap.id));
        var input = el("input", { id: id, type: "text", "data-qid": q.id, "data-part": gap.id });
        input.value = given && given[gap.id] ? given[gap.id] : "";
        row.appendChild(input); fs.appendChild(row);
      });
    } else {
      var id = "t-" + q.id, essay = q.type === "essay";
      fs.appendChild(el("label", { "for": id }, essay ? "Bài làm" : "Đáp số"));
      var input = el(essay ? "textarea" : "input", essay ? { id: id, rows: "8", "data-qid": q.id } :
        { id: id, type: "text", inputmode: q.rule === "thpt2025" ? "decimal" : "text", maxlength: q.rule === "thpt2025" ? "4" : "500", "data-qid": q.id });
      input.value = typeof given === "string" ? given : "";
      fs.appendChild(input);
    }
    box.appendChild(fs);
    box.addEventListener("change", function () { changed(q, box); });
    box.addEventListener("input", function () { changed(q, box); });
    return box;
  }

  function renderNavigator() {
    var nav = $("navigator");
    nav.textContent = "";
    attempt.questions.forEach(function (q) {
      var a = el("a", { href: "#q-" + q.id, "class": "nav-q" + (answers[String(q.id)] != null ? " done" : "") }, String(q.number));
      a.setAttribute("aria-label", "Câu " + q.number + (answers[String(q.id)] != null ? ", đã trả lời" : ", chưa trả lời"));
      nav.appendChild(a);
    });
  }

  function changed(q, box) {
    if (finished) { return; }
    var value = readAnswer(q, box);
    answers[String(q.id)] = value;
    pending[String(q.id)] = value;
    persist();
    renderNavigator();
    setState("Đang chờ lưu…", "warn");
    clearTimeout(debounce);
    debounce = setTimeout(save, DEBOUNCE_MS);
  }

  function save() {
    if (saving || finished || !Object.keys(pending).length) { return Promise.resolve(); }
    if (!navigator.onLine) { offline(true); return Promise.resolve(); }
    saving = true;
    var sent = pending, sentJson = JSON.stringify(sent);
    pending = {};
    setState("Đang lưu…", "warn");
    return window.LMS.api("PUT", "/attempts/" + attempt.id + "/answers", { answers: JSON.parse(sentJson) }).then(function (res) {
      saving = false;
      persist();
      var at = new Date(res.saved_at);
      setState("Đã lưu lúc " + at.toLocaleTimeString("vi-VN"), "ok");
      offline(false);
    }, function (err) {
      saving = false;
      // Put back what was not acknowledged, unless the student changed it again meanwhile.
      Object.keys(sent).forEach(function (k) { if (!(k in pending)) { pending[k] = sent[k]; } });
      persist();
      if (err.status === 409) { finish(); return; }
      if (err.status === 422) {
        var field = Object.keys((err.body && err.body.errors) || {})[0] || "";
        delete pending[field.replace("answers.", "")];
        persist();
        setState(err.message, "danger");
        return;
      }
      if (!err.status) { offline(true); }
      setState("Chưa lưu được — sẽ thử lại", "danger");
    });
  }

  function offline(on) { $("offline-banner").classList.toggle("hidden", !on); }

  function tick() {
    if (!attempt.deadline || finished) { $("timer").textContent = attempt.deadline ? "00:00" : "Không giới hạn"; return; }
    var left = Math.max(0, Math.floor((new Date(attempt.deadline).getTime() - (Date.now() + clockOffset)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    $("timer").textContent = (h ? h + ":" : "") + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0) { submit(); }
  }

  function finish() {
    finished = true;
    try { localStorage.removeItem(storageKey()); } catch (e) { /* ignore */ }
    window.location.href = reviewBase + attempt.id;
  }

  function submit() {
    if (finished) { return; }
    save().then(function () {
      return window.LMS.api("POST", "/attempts/" + attempt.id + "/submit");
    }).then(finish, function (err) {
      if (err.status === 409) { finish(); return; }
      setState("Chưa nộp được: " + err.message + ". Em bấm Nộp bài lại khi có mạng.", "danger");
      offline(!err.status);
    });
  }

  function start(doc) {
    attempt = doc;
    clockOffset = new Date(doc.server_now).getTime() - Date.now();
    answers = {};
    Object.keys(doc.answers || {}).forEach(function (k) { answers[k] = doc.answers[k]; });
    try {
      var kept = JSON.parse(localStorage.getItem(storageKey()) || "null");
      if (kept && kept.pending) {
        // Answers typed while offline (or just before a reload) win over the server's older copy.
        Object.keys(kept.pending).forEach(function (k) { answers[k] = kept.pending[k]; pending[k] = kept.pending[k]; });
      }
    } catch (e) { /* ignore a corrupt entry */ }
    var list = $("questions");
    doc.questions.forEach(function (q) { list.appendChild(renderQuestion(q)); });
    if (window.QB && window.QB.renderMath) { window.QB.renderMath(list); } // $...$ formulas, with KaTeX
    renderNavigator();
    tick();
    setInterval(tick, 1000);
    setInterval(save, SAVE_EVERY_MS);
    if (Object.keys(pending).length) { setState("Đang gửi lại câu trả lời chưa lưu…", "warn"); save(); }
  }

  window.addEventListener("online", function () { offline(false); save(); });
  window.addEventListener("offline", function () { offline(true); });
  $("submit-button").addEventListener("click", function () {
    var blank = attempt.questions.filter(function (q) { return answers[String(q.id)] == null; }).length;
    $("confirm-text").textContent = (blank ? "Em còn " + blank + " câu chưa trả lời. " : "") +
      "Sau khi nộp em không sửa được câu trả lời.";
    var dialog = $("confirm-submit");
    if (dialog.showModal) { dialog.showModal(); } else if (window.confirm($("confirm-text").textContent)) { submit(); }
  });
  $("confirm-yes").addEventListener("click", function () { $("confirm-submit").close(); submit(); });
  $("confirm-no").addEventListener("click", function () { $("confirm-submit").close(); });

  window.LMS.api("POST", "/exams/" + examId + "/attempts").then(start, function (err) {
    var box = $("load-error");
    box.textContent = err.message;
    box.classList.remove("hidden");
    $("paper").classList.add("hidden");
  });
})();
