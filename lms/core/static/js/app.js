// Shared helpers for the pages' small scripts: the API with the session's CSRF token.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');

  // Phone menu: the header is one line (brand + button); the menu opens below it and closes with Escape.
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("site-menu");
  if (toggle && menu) {
    var setOpen = function (open) {
      menu.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    toggle.addEventListener("click", function () { setOpen(!menu.classList.contains("open")); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && menu.classList.contains("open")) { setOpen(false); toggle.focus(); }
    });
  }

  // Day and time fields (core/_moments.html): dd/mm/yyyy [HH:mm] whatever the phone's locale. Digits typed
  // at the end get the / and : put in, so the number pad is enough; text typed with its own separators,
  // pasted or edited is left to the server, which reads every usual spelling.
  function maskMoment(digits, withTime) {
    var marks = withTime ? [[2, "/"], [4, "/"], [8, " "], [10, ":"]] : [[2, "/"], [4, "/"]];
    var out = "";
    digits = digits.slice(0, withTime ? 12 : 8);
    for (var i = 0; i < digits.length; i++) {
      for (var m = 0; m < marks.length; m++) { if (marks[m][0] === i) { out += marks[m][1]; } }
      out += digits.charAt(i);
    }
    return out;
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-vn-moment]"), function (input) {
    var withTime = input.getAttribute("data-vn-moment") === "datetime";
    input.setAttribute("inputmode", "numeric");
    input.addEventListener("input", function (ev) {
      var value = input.value, before = value.slice(0, -1);
      var deleting = ev.inputType && ev.inputType.indexOf("delete") === 0;
      // Only a digit typed at the end of text the mask itself wrote ("5/" typed by hand is left alone).
      if (deleting || input.selectionStart !== value.length || !/[0-9]$/.test(value) ||
          before !== maskMoment(before.replace(/\D/g, ""), withTime)) { return; }
      input.value = maskMoment(value.replace(/\D/g, ""), withTime);
    });
  });

  // Numbers the Vietnamese way for the pages' scripts, like the server's vn_number filter: "8.25" -> "8,25".
  function vn(value) {
    if (value === null || value === undefined || value === "") { return ""; }
    var text = String(value);
    return /^-?\d+(\.\d+)?$/.test(text) ? text.replace(".", ",") : text;
  }

  window.LMS = {
    csrf: meta ? meta.content : "",
    vn: vn,
    api: function (method, path, body) {
      var opts = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
      if (method !== "GET") { opts.headers["X-CSRFToken"] = window.LMS.csrf; }
      if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
      return fetch("/api/v1" + path, opts).then(function (resp) {
        var type = resp.headers.get("Content-Type") || "";
        var parse = type.indexOf("json") >= 0 ? resp.json() : Promise.resolve(null);
        return parse.then(function (data) {
          if (!resp.ok) { var err = new Error((data && data.detail) || resp.statusText); err.status = resp.status; err.body = data; throw err; }
          return data;
        });
      });
    }
  };
})();
