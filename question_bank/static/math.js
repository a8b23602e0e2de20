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

  function renderMath(el) {
    if (el && window.renderMathInElement) {
      window.renderMathInElement(el, { delimiters: DELIMITERS, throwOnError: false });
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
