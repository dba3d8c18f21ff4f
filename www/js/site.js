// The demo site's own (ungated) script: a status board that gated scripts report to, so a
// visitor can see what ran and when. Not part of Accord.
(function () {
  'use strict';
  window.__demo = { ran: {} };
  window.demoRan = function (name) {
    var at = new Date();
    window.__demo.ran[name] = at.toISOString();
    var cell = document.querySelector('[data-demo-status="' + name + '"]');
    if (cell) {
      cell.textContent = (document.documentElement.lang === 'en' ? 'ran at ' : '已于 ') +
        at.toLocaleTimeString() + (document.documentElement.lang === 'en' ? '' : ' 运行');
      cell.classList.add('ran');
    }
  };
  function showCookies() {
    var out = document.querySelector('[data-demo-cookies]');
    if (out) out.textContent = document.cookie || '—';
  }
  document.addEventListener('DOMContentLoaded', function () {
    showCookies();
    setInterval(showCookies, 500);
    document.querySelectorAll('[data-add-to-basket]').forEach(function (button) {
      button.addEventListener('click', function () {
        document.cookie = 'lt_basket=' + encodeURIComponent(button.getAttribute('data-add-to-basket')) + '; Path=/; SameSite=Lax';
        button.textContent = button.getAttribute('data-added');
      });
    });
  });
})();
