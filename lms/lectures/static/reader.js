// The e-textbook reader: one PDF page at a time on a canvas, fetched by HTTP range requests.
//
// pdf.js asks only for the byte ranges the page being shown needs (disableAutoFetch, disableStream), so on 3G
// the first page appears after a few 64 KB chunks of the reader copy, not after the whole book. The page
// the student is on is reported to PUT /api/v1/lectures/{id}/progress as position_s (the page number); the
// server reopens the reader there and counts the PDF as completed on its last page.
const root = document.getElementById("reader");
const bar = root.querySelector(".reader-bar");
const input = root.querySelector(".reader-page");
const prev = root.querySelector(".reader-prev");
const next = root.querySelector(".reader-next");
const canvas = root.querySelector(".reader-canvas");
const status = root.querySelector(".reader-status");
const pagesLabel = root.querySelector(".reader-pages");
const tracks = root.dataset.track === "true";
const lectureId = root.dataset.lectureId;
const mediaId = Number(root.dataset.mediaId);

let pdf = null;
let pageNumber = Math.max(1, Number(root.dataset.page) || 1);
let renderTask = null;
let wanted = pageNumber;
let reportTimer = null;
let reported = null;

function say(text) { status.textContent = text; }

function report(page) {
  if (!tracks || page === reported) return;
  reported = page;
  fetch(`/api/v1/lectures/${lectureId}/progress`, {
    method: "PUT", keepalive: true, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": window.LMS.csrf, "Accept": "application/json" },
    body: JSON.stringify({ media_id: mediaId, position_s: page }),
  }).then((r) => r.ok ? r.json() : null).then((body) => {
    if (body && body.completed && page === pdf.numPages) say(`Trang ${page} / ${pdf.numPages} · Đã đọc hết tài liệu.`);
  }).catch(() => { reported = null; });  // offline: the next page turn reports again
}

// Turning pages quickly reports once, for the page the student stops on.
function reportSoon(page) {
  clearTimeout(reportTimer);
  reportTimer = setTimeout(() => report(page), page === (pdf && pdf.numPages) ? 0 : 1500);
}

async function render(number) {
  wanted = number;
  if (renderTask) { renderTask.cancel(); }
  say(`Đang tải trang ${number}…`);
  const page = await pdf.getPage(number);
  if (wanted !== number) return;  // a newer page was asked for while this one was loading
  // As wide as the sheet, at the screen's pixel density (at most 2x: a phone's memory, not print quality).
  const width = Math.max(200, root.querySelector(".reader-sheet").clientWidth - 8);
  const base = page.getViewport({ scale: 1 });
  const density = Math.min(2, window.devicePixelRatio || 1);
  const viewport = page.getViewport({ scale: (width / base.width) * density });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${Math.floor(viewport.width / density)}px`;
  canvas.setAttribute("aria-label", `Trang ${number} của tài liệu`);
  renderTask = page.render({ canvasContext: canvas.getContext("2d"), viewport });
  try {
    await renderTask.promise;
  } catch (err) {
    if (err && err.name === "RenderingCancelledException") return;
    throw err;
  }
  renderTask = null;
  root.dataset.rendered = String(number);
  say(`Trang ${number} / ${pdf.numPages}`);
  reportSoon(number);
}

function go(number) {
  if (!pdf) return;
  const target = Math.min(pdf.numPages, Math.max(1, Math.round(number) || 1));
  pageNumber = target;
  input.value = String(target);
  prev.disabled = target <= 1;
  next.disabled = target >= pdf.numPages;
  render(target).catch(() => say(`Không hiển thị được trang ${target}. Hãy thử lại hoặc tải tệp về máy.`));
  if (target < pdf.numPages) {
    // The next page's bytes while the student reads this one: a turn then shows at once.
    pdf.getPage(target + 1).catch(() => {});
  }
}

prev.addEventListener("click", () => go(pageNumber - 1));
next.addEventListener("click", () => go(pageNumber + 1));
input.addEventListener("change", () => go(Number(input.value)));
document.addEventListener("keydown", (e) => {
  if (e.target === input) return;
  if (e.key === "ArrowRight" || e.key === "PageDown") go(pageNumber + 1);
  if (e.key === "ArrowLeft" || e.key === "PageUp") go(pageNumber - 1);
});
// A horizontal swipe on the page turns it, as in a book app.
let touchX = null;
canvas.addEventListener("touchstart", (e) => { touchX = e.touches.length === 1 ? e.touches[0].clientX : null; },
  { passive: true });
canvas.addEventListener("touchend", (e) => {
  if (touchX === null) return;
  const dx = e.changedTouches[0].clientX - touchX;
  touchX = null;
  if (Math.abs(dx) > 60) go(pageNumber + (dx < 0 ? 1 : -1));
});
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => pdf && render(pageNumber).catch(() => {}), 250);
});
window.addEventListener("pagehide", () => { if (pdf) report(pageNumber); });

async function open() {
  const pdfjs = await import(root.dataset.pdfjs);
  pdfjs.GlobalWorkerOptions.workerSrc = root.dataset.worker;
  const task = pdfjs.getDocument({
    url: root.dataset.src,
    disableAutoFetch: true,   // only the pages shown (and the next one) are fetched
    disableStream: true,      // ranges, not one long download that would compete with them
    rangeChunkSize: 65536,
    useWasm: false,           // no WebAssembly: the CSP allows scripts from this origin only
    isEvalSupported: false,
  });
  pdf = await task.promise;
  pagesLabel.textContent = String(pdf.numPages);
  input.max = String(pdf.numPages);
  bar.dataset.ready = "true";
  go(Math.min(pageNumber, pdf.numPages));
}

open().catch(() => say("Không mở được tài liệu. Kiểm tra kết nối rồi tải lại trang, hoặc tải tệp về máy."));
