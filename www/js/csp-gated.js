// Demo gated script for the strict-CSP pages (category given by the tag's data-ran): an
// external file, since a strict script-src runs no inline code without a nonce.
(function () {
  var name = document.currentScript && document.currentScript.getAttribute('data-ran');
  if (name) window.demoRan(name);
})();
