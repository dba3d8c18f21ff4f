// Demo analytics (category "analytics"): sets a visitor-id cookie and reports that it ran.
(function () {
  var id = Math.random().toString(36).slice(2, 12);
  document.cookie = 'lt_stats_id=' + id + '; Max-Age=31536000; Path=/; SameSite=Lax';
  window.demoRan('analytics');
})();
