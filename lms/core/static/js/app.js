// Shared helpers for the pages' small scripts: the API with the session's CSRF token.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  window.LMS = {
    csrf: meta ? meta.content : "",
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
