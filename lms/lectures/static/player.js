// Lecture player: poster and play button first; on play, HLS through hls.js (loaded then; native HLS on Safari),
// a quality menu, resume, and watch reporting.
// The page reports the spans actually played; the server merges them, so seeking never counts as watching.
(function () {
  "use strict";
  var root = document.getElementById("lecture");
  if (!root) { return; }
  // Where hls.js lives (a fingerprinted URL): fetched on the first press of play, never with the page.
  var me = document.currentScript;
  var hlsScript = me ? me.getAttribute("data-hls-script") : null;
  var hlsLoading = null;

  function loadHls() {
    if (window.Hls) { return Promise.resolve(); }
    if (!hlsLoading) {
      hlsLoading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = hlsScript;
        tag.onload = function () { resolve(); };
        tag.onerror = function () { hlsLoading = null; reject(new Error("hls.js")); };
        document.head.appendChild(tag);
      });
    }
    return hlsLoading;
  }

  function needsHlsJs(video) {
    // Media Source Extensions present: hls.js plays it (Chrome, Firefox, Android). Otherwise Safari/iOS
    // play HLS natively without the library.
    if (window.MediaSource || window.ManagedMediaSource) { return true; }
    return !video.canPlayType("application/vnd.apple.mpegurl");
  }
  var lectureId = root.getAttribute("data-lecture-id");
  var tracking = root.getAttribute("data-track") === "true";
  var REPORT_EVERY_MS = 15000;
  var MAX_STEP_S = 3; // a jump larger than this between timeupdates is a seek, not playback

  function qualityLabel(level) {
    if (level.height) { return level.height + "p"; }
    return Math.round((level.bitrate || 0) / 1000) + " kbps";
  }

  function setupQuality(video, hls) {
    var select = document.querySelector('.quality-select[data-media-id="' + video.getAttribute("data-media-id") + '"]');
    if (!select || !hls.levels || hls.levels.length < 2) { return; }
    hls.levels.forEach(function (level, index) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = qualityLabel(level);
      select.appendChild(option);
    });
    select.closest(".quality").classList.remove("hidden");
    select.addEventListener("change", function () {
      // currentLevel switches now (flushing the buffer); -1 hands control back to the bandwidth estimator.
      hls.currentLevel = parseInt(select.value, 10);
    });
  }

  function attach(video) {
    var url = video.getAttribute("data-hls");
    if (window.Hls && window.Hls.isSupported()) {
      // hls.js transmuxes in a worker built from a blob: URL (the CSP allows worker-src blob:), which keeps a
      // cheap phone's main thread free for the page.
      var hls = new window.Hls({ capLevelToPlayerSize: true });
      hls.loadSource(url);
      hls.attachMedia(video);
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () { setupQuality(video, hls); });
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (!data.fatal) { return; }
        if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) { hls.startLoad(); }
        else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); }
        else { hls.destroy(); }
      });
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url; // Safari and iOS play HLS themselves and pick the rendition
    } else {
      var note = document.createElement("p");
      note.className = "flash flash-error";
      note.textContent = "Trình duyệt này không phát được video. Hãy dùng bản Chrome, Firefox, Edge hoặc Safari mới.";
      video.parentNode.insertBefore(note, video.nextSibling);
    }
  }

  function Tracker(video) {
    this.video = video;
    this.mediaId = parseInt(video.getAttribute("data-media-id"), 10);
    this.spans = [];
    this.start = null;
    this.last = null;
    this.note = document.querySelector('.progress-note[data-media-id="' + this.mediaId + '"]');
  }
  Tracker.prototype.close = function () {
    if (this.start !== null && this.last !== null && this.last > this.start) {
      this.spans.push([Math.round(this.start * 100) / 100, Math.round(this.last * 100) / 100]);
    }
    this.start = null;
    this.last = null;
  };
  Tracker.prototype.tick = function () {
    var t = this.video.currentTime;
    if (this.video.paused || this.video.seeking) { return; }
    if (this.last !== null && t >= this.last && t - this.last <= MAX_STEP_S) {
      this.last = t;
    } else {
      this.close();
      this.start = t;
      this.last = t;
    }
  };
  Tracker.prototype.payload = function () {
    this.close();
    var spans = this.spans;
    this.spans = [];
    if (!this.video.paused) { this.start = this.video.currentTime; this.last = this.start; }
    return { media_id: this.mediaId, position_s: Math.max(0, this.video.currentTime || 0), watched: spans };
  };
  Tracker.prototype.show = function (data) {
    if (this.note && data) {
      this.note.textContent = "Đã xem " + Math.round(data.watched_ratio * 100) + "%" + (data.completed ? " — đã hoàn thành" : "");
    }
  };

  var trackers = [];

  function send(tracker, leaving) {
    var body = tracker.payload();
    if (!body.watched.length && !leaving && tracker.sentPosition === body.position_s) { return; }
    tracker.sentPosition = body.position_s;
    var path = "/lectures/" + lectureId + "/progress";
    if (leaving) {
      // keepalive lets the request outlive the page; sendBeacon cannot PUT or carry the CSRF header.
      fetch("/api/v1" + path, { method: "PUT", keepalive: true, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": window.LMS.csrf, "Accept": "application/json" },
        body: JSON.stringify(body) }).catch(function () {});
      return;
    }
    window.LMS.api("PUT", path, body).then(function (data) { tracker.show(data); }).catch(function (err) {
      // Put the spans back so the next report retries them (the server's merge makes that safe).
      if (err.status !== 409 && err.status !== 422) { tracker.spans = body.watched.concat(tracker.spans); }
    });
  }

  function start(video, button) {
    if (video.getAttribute("data-started")) { return; }
    video.setAttribute("data-started", "true");
    button.setAttribute("aria-busy", "true");
    var go = function () {
      attach(video);
      video.controls = true;
      button.parentNode.removeChild(button);
      video.focus();
      var playing = video.play();
      if (playing && playing.catch) { playing.catch(function () { /* the controls stay for a second press */ }); }
    };
    // Safari/iOS only play inside the tap's own handler: the native path runs synchronously.
    if (!(needsHlsJs(video) && hlsScript)) { go(); return; }
    loadHls().then(go, function () {
      video.removeAttribute("data-started");
      button.removeAttribute("aria-busy");
      var note = document.createElement("p");
      note.className = "flash flash-error";
      note.setAttribute("role", "alert");
      note.textContent = "Chưa tải được trình phát video. Kiểm tra kết nối mạng rồi bấm phát lại.";
      button.parentNode.parentNode.insertBefore(note, button.parentNode.nextSibling);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("video.lecture-video"), function (video) {
    var button = video.parentNode.querySelector(".video-start");
    if (button) {
      button.addEventListener("click", function () { start(video, button); });
    } else {
      attach(video);
    }
    var resume = parseFloat(video.getAttribute("data-resume") || "0");
    video.addEventListener("loadedmetadata", function () {
      // Resume where the student stopped, unless that was the very end (the last 5 s, or the last tenth of
      // a short clip, where 5 s would be most of it).
      var end = video.duration ? video.duration - Math.min(5, video.duration / 10) : Infinity;
      if (resume > 1 && resume < end) { video.currentTime = resume; }
    }, { once: true });
    if (!tracking) { return; }
    var tracker = new Tracker(video);
    trackers.push(tracker);
    video.addEventListener("timeupdate", function () { tracker.tick(); });
    video.addEventListener("seeking", function () { tracker.close(); });
    // The server credits watching only for time it has seen the viewer, counted from their previous report:
    // an empty report when playback starts opens that clock, so the first 15 s of watching count too.
    video.addEventListener("play", function () {
      if (!tracker.started) { tracker.started = true; send(tracker, false); }
    });
    video.addEventListener("pause", function () { send(tracker, false); });
    video.addEventListener("ended", function () { send(tracker, false); });
  });

  if (tracking && trackers.length) {
    window.setInterval(function () {
      trackers.forEach(function (t) { if (!t.video.paused) { send(t, false); } });
    }, REPORT_EVERY_MS);
    var leave = function () { trackers.forEach(function (t) { send(t, true); }); };
    window.addEventListener("pagehide", leave);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { leave(); } });
  }
})();
