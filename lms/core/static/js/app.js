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
