// Renders $...$ and $$...$$ with the vendored KaTeX in question texts, and offers a small allow-list
// sanitiser for the editor's live preview (the server sanitises again on save; this only keeps the preview
// from running anything typed into it).
(function () {
  "use strict";
  var DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "$", right: "$", display: false }
  ];
  var TAGS = { P: 1, BR: 1, B: 1, STRONG: 1, I: 1, EM: 1, U: 1, SUB: 1, SUP: 1, UL: 1, OL: 1, LI: 1, TABLE: 1,
    THEAD: 1, TBODY: 1, TR: 1, TD: 1, TH: 1, SPAN: 1, CODE: 1, PRE: 1, BLOCKQUOTE: 1, IMG: 1 };

  // A page for phones may opt in with data-mathml="prefer" on this script: browsers that lay out MathML
  // themselves (Chrome and Android WebView 109+, Safari, Firefox) then get KaTeX's MathML alone, so neither
  // KaTeX's stylesheet nor its 20-70 KB of fonts is downloaded; older browsers get KaTeX's HTML rendering and
  // the stylesheet named by data-katex-css, fetched only when a formula is actually rendered.
  var me = document.currentScript;
  var cssUrl = me ? me.getAttribute("data-katex-css") : null;
  var nativeMathml = typeof window.MathMLElement === "function";
  var output = me && me.getAttribute("data-mathml") === "prefer" && nativeMathml ? "mathml" : "htmlAndMathml";
  var cssAdded = false;

  function ensureStylesheet() {
    if (output === "mathml" || !cssUrl || cssAdded) { return; }
    cssAdded = true;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = cssUrl;
    document.head.appendChild(link);
  }

  // KaTeX itself (60 KB compressed) may be named by data-katex-js / data-katex-autorender instead of being
  // loaded by the page's script tags: it is then fetched at once but without blocking the scripts after this
  // one, so on a slow phone the paper's own request runs alongside the typesetter's download instead of
  // after it; formulas are typeset as soon as both have arrived.
  var katexJs = me ? me.getAttribute("data-katex-js") : null;
  var autoRenderJs = me ? me.getAttribute("data-katex-autorender") : null;
  var loading = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = function () { resolve(); };
      tag.onerror = function () { reject(new Error(src)); };
      document.head.appendChild(tag);
    });
  }

  function loadKatex() {
    if (!loading) {
      loading = loadScript(katexJs).then(function () { return loadScript(autoRenderJs); });
      loading.catch(function () { loading = null; }); // a later call tries again (the network came back)
    }
    return loading;
  }

  if (katexJs && autoRenderJs && !window.renderMathInElement) { loadKatex(); }

  function hasMath(el) { return /\$|\\\(|\\\[/.test(el.textContent || ""); }

  function typeset(el) {
    if (hasMath(el)) { ensureStylesheet(); }
    window.renderMathInElement(el, { delimiters: DELIMITERS, throwOnError: false, output: output });
  }

  function renderMath(el) {
    if (!el) { return; }
    if (window.renderMathInElement) { typeset(el); return; }
    if (katexJs && autoRenderJs && hasMath(el)) {
      loadKatex().then(function () { typeset(el); }, function () { /* formulas stay as written: $x^2$ */ });
    }
  }

  function cleanNode(node, out) {
    Array.prototype.forEach.call(node.childNodes, function (child) {
      if (child.nodeType === 3) { out.appendChild(document.createTextNode(child.textContent)); return; }
      if (child.nodeType !== 1) { return; }
      if (!TAGS[child.tagName]) { cleanNode(child, out); return; }
      var copy = document.createElement(child.tagName.toLowerCase());
      if (child.tagName === "IMG") {
        var src = child.getAttribute("src") || "";
        if (/^\/(api\/v1\/)?media\/\d+\//.test(src) || /^data:image\/(png|jpeg);base64,/.test(src)) { copy.src = src; }
        copy.alt = child.getAttribute("alt") || "";
      }
      out.appendChild(copy);
      cleanNode(child, copy);
    });
  }

  // Parse untrusted markup inertly (DOMParser never runs scripts) and rebuild only allow-listed elements.
  function safeFragment(markup) {
    var doc = new DOMParser().parseFromString("<body>" + (markup || "") + "</body>", "text/html");
    var frag = document.createDocumentFragment();
    cleanNode(doc.body, frag);
    return frag;
  }

  window.QB = window.QB || {};
  window.QB.renderMath = renderMath;
  window.QB.safeFragment = safeFragment;
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".qb-math, .qb-render"), renderMath);
  });
})();
