// The online test page: renders the paper from the API, keeps a server-synchronised timer and autosaves.
//
// Saving (issue 12/16): the answers changed since the last acknowledged save go in one request with an
// increasing `seq` (the server keeps, per question, the answer of the newest seq, so a late retry never rolls an
// answer back); never more than one request in flight; 429/503/5xx/network errors back off exponentially with
// jitter, so a room of phones does not retry in step. Answers stay in localStorage until the server
// acknowledges them. The paper itself is kept too, and a small service worker (take-sw.js, scoped to this page)
// keeps the page and its static files: a reload without network shows the paper with the answers kept on the
// device and sends them when the network returns.
(function () {
  "use strict";
  var root = document.getElementById("exam-app");
  if (!root) { return; }
  var examId = root.getAttribute("data-exam-id");
  var reviewBase = root.getAttribute("data-review-url").replace(/0$/, "");
  var SAVE_EVERY_MS = 5000, DEBOUNCE_MS = 1200, BACKOFF_MIN_MS = 2000, BACKOFF_MAX_MS = 60000;
  var OFFLINE_TEXT = "Mất kết nối — câu trả lời được lưu trên máy";
  var attempt = null, answers = {}, pending = {}, seq = 0, clockOffset = 0, finished = false, debounce = null;
  var inFlight = null, failures = 0, retryAt = 0, retryTimer = null, lastError = null, submitting = false, leaving = false;
  var $ = function (id) { return document.getElementById(id); };

  function storageKey() { return "lms-exam-attempt-" + attempt.id; }
  function paperKey() { return "lms-exam-paper-" + examId; }
  function persist() {
    try { localStorage.setItem(storageKey(), JSON.stringify({ answers: answers, pending: pending, seq: seq })); } catch (e) { /* private mode */ }
  }
  function keepPaper(doc) {
    // The paper as the server sent it (the student view: no key), for a reload without network.
    try { localStorage.setItem(paperKey(), JSON.stringify({ doc: doc, clockOffset: clockOffset })); } catch (e) { /* full or private */ }
  }
  function keptPaper() {
    try { return JSON.parse(localStorage.getItem(paperKey()) || "null"); } catch (e) { return null; }
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function hasPending() { return Object.keys(pending).length > 0; }
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
    // "change" after "input" (a text field losing focus) repeats an answer already kept: nothing to send.
    if (String(q.id) in answers && same(answers[String(q.id)], value)) { return; }
    answers[String(q.id)] = value;
    pending[String(q.id)] = value;
    persist();
    renderNavigator();
    setState("Đang chờ lưu…", "warn");
    clearTimeout(debounce);
    debounce = setTimeout(save, DEBOUNCE_MS);
  }

  function backOff() {
    // Exponential, capped, with full jitter: phones that lost the same network do not come back in step.
    failures += 1;
    var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, failures - 1));
    var wait = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
    retryAt = Date.now() + wait;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(save, wait);
    return wait;
  }

  // One save of everything not yet acknowledged. Resolves when it is answered (never rejects: the outcome is
  // in lastError); while a save is in flight, a second call returns the same promise.
  function save(force) {
    if (inFlight) { return inFlight; }
    if (finished || !hasPending()) { return Promise.resolve(); }
    if (!navigator.onLine) {
      lastError = { status: 0, message: OFFLINE_TEXT };  // what a submit waiting on this save reports
      offline(true);
      return Promise.resolve();
    }
    if (!force && Date.now() < retryAt) { return Promise.resolve(); }
    var sent = JSON.parse(JSON.stringify(pending));
    seq += 1;
    var mySeq = seq;
    persist();
    setState("Đang lưu…", "warn");
    inFlight = window.LMS.api("PUT", "/attempts/" + attempt.id + "/answers", { answers: sent, seq: mySeq }).then(function (res) {
      lastError = null;
      failures = 0;
      retryAt = 0;
      // Acknowledged: forget what was sent, unless the student changed it again meanwhile.
      Object.keys(sent).forEach(function (k) { if (k in pending && same(pending[k], sent[k])) { delete pending[k]; } });
      persist();
      var at = new Date(res.saved_at);
      setState("Đã lưu lúc " + at.toLocaleTimeString("vi-VN"), "ok");
      offline(false);
    }, function (err) {
      lastError = err;
      if (err.status === 409) { finish(); return; }
      if (err.status === 422) {
        // An answer the server will never take (it names it): drop it instead of retrying for ever.
        var field = (Object.keys((err.body && err.body.errors) || {})[0] || "").replace("answers.", "");
        if (field in sent) { delete pending[field]; } else {
          // Refused as a whole (say, text the server cannot store): retrying the same batch cannot succeed.
          Object.keys(sent).forEach(function (k) { if (k in pending && same(pending[k], sent[k])) { delete pending[k]; } });
        }
        persist();
        setState(err.message, "danger");
        return;
      }
      var wait = backOff();
      if (!err.status) {
        offline(true);
        setState("Chưa lưu — câu trả lời vẫn ở trên máy", "danger");
      } else if (err.status === 429 || err.status >= 500) {
        setState("Máy chủ đang bận — sẽ lưu lại sau " + Math.ceil(wait / 1000) + " giây", "warn");
      } else {
        setState("Chưa lưu được: " + err.message, "danger");
      }
    }).then(function () {
      inFlight = null;
      if (hasPending() && !finished && !lastError) {
        clearTimeout(debounce);
        debounce = setTimeout(save, DEBOUNCE_MS);  // changed while that save was in flight
      }
    });
    return inFlight;
  }

  // Everything acknowledged, or a rejection with the error that stopped it (submit waits for this).
  function flush() {
    if (inFlight) { return inFlight.then(flush); }
    if (finished || !hasPending()) { return Promise.resolve(); }
    return save(true).then(function () {
      if (lastError) { throw lastError; }
      return flush();
    });
  }

  function offline(on) {
    $("offline-banner").classList.toggle("hidden", !on);
    if (on && !hasPending()) { setState(OFFLINE_TEXT, "warn"); }
  }

  function tick() {
    if (!attempt.deadline || finished) { $("timer").textContent = attempt.deadline ? "00:00" : "Không giới hạn"; return; }
    var left = Math.max(0, Math.floor((new Date(attempt.deadline).getTime() - (Date.now() + clockOffset)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    $("timer").textContent = (h ? h + ":" : "") + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0 && navigator.onLine) { submit(); }
  }

  function forget() {
    try {
      localStorage.removeItem(storageKey());
      localStorage.removeItem(paperKey());
    } catch (e) { /* ignore */ }
    // A shared computer keeps no copy of the paper once it is handed in.
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ forget: window.location.pathname });
    }
  }

  function finish() {
    if (leaving) { return; }
    leaving = true;
    finished = true;
    forget();
    window.location.href = reviewBase + attempt.id;
  }

  function submit() {
    if (finished || submitting) { return; }
    submitting = true;
    flush().then(function () {
      return window.LMS.api("POST", "/attempts/" + attempt.id + "/submit");
    }).then(finish, function (err) {
      submitting = false;
      if (err.status === 409) { finish(); return; }
      setState("Chưa nộp được: " + err.message + ". Em bấm Nộp bài lại khi có mạng.", "danger");
      offline(!err.status);
    });
  }

  function start(doc, fromDevice) {
    attempt = doc;
    if (!fromDevice) {
      clockOffset = new Date(doc.server_now).getTime() - Date.now();
      keepPaper(doc);
    }
    answers = {};
    Object.keys(doc.answers || {}).forEach(function (k) { answers[k] = doc.answers[k]; });
    seq = doc.seq || 0;
    try {
      var kept = JSON.parse(localStorage.getItem(storageKey()) || "null");
      if (kept) {
        // Count on from the highest seq either side has seen (another device may have saved meanwhile).
        seq = Math.max(seq, kept.seq || 0);
        // Answers typed while offline (or just before a reload) win over the server's older copy.
        Object.keys(kept.pending || {}).forEach(function (k) { answers[k] = kept.pending[k]; pending[k] = kept.pending[k]; });
        if (fromDevice) {
          Object.keys(kept.answers || {}).forEach(function (k) { if (!(k in pending)) { answers[k] = kept.answers[k]; } });
        }
      }
    } catch (e) { /* ignore a corrupt entry */ }
    persist();
    var list = $("questions");
    doc.questions.forEach(function (q) { list.appendChild(renderQuestion(q)); });
    if (window.QB && window.QB.renderMath) { window.QB.renderMath(list); } // $...$ formulas, with KaTeX
    renderNavigator();
    tick();
    setInterval(tick, 1000);
    setInterval(save, SAVE_EVERY_MS);
    if (fromDevice || !navigator.onLine) { offline(true); }
    if (hasPending()) { setState(fromDevice ? OFFLINE_TEXT : "Đang gửi lại câu trả lời chưa lưu…", "warn"); save(); }
  }

  function keepPageOffline() {
    // Only this page (its own scope) and the static files it loaded; the API is never cached by the worker.
    if (!navigator.serviceWorker || !window.isSecureContext) { return; }
    var page = window.location.pathname;
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: page }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = [page];
      // Formulas' KaTeX files are fetched later by math.js (preloaded here); this worker keeps them as they pass.
      document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=preload][href]").forEach(function (node) {
        urls.push(node.getAttribute("src") || node.getAttribute("href"));
      });
      if (reg.active) { reg.active.postMessage({ keep: urls }); }
    }).catch(function () { /* no offline copy: the page still works online */ });
  }

  window.addEventListener("online", function () { offline(false); failures = 0; retryAt = 0; save(); });
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

  window.LMS.api("POST", "/exams/" + examId + "/attempts").then(function (doc) {
    start(doc, false);
    keepPageOffline();
  }, function (err) {
    var kept = err.status ? null : keptPaper();
    if (kept && kept.doc && kept.doc.status === "in_progress") {
      // No network: the paper and answers kept on this device; saves go out when the network returns.
      clockOffset = kept.clockOffset || 0;
      start(kept.doc, true);
      return;
    }
    var box = $("load-error");
    box.textContent = err.status ? err.message : OFFLINE_TEXT + ". Em mở lại trang khi có mạng.";
    box.classList.remove("hidden");
    $("paper").classList.add("hidden");
  });
})();
