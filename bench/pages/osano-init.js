// cookieconsent 3.1.1 (Osano) in opt-in mode. It has no categories: on "allow" this page
// loads both gated scripts itself, which is how sites use it.
(function () {
  function load() {
    ['analytics', 'marketing'].forEach(function (c) {
      var s = document.createElement('script');
      s.src = '/bench/pages/gated-' + c + '.js';
      document.body.appendChild(s);
    });
  }
  window.cookieconsent.initialise({
    type: 'opt-in',
    position: 'bottom',
    content: { message: 'We use cookies. Strictly necessary ones keep the site working; the others run only if you agree.', allow: 'Accept all', deny: 'Reject all', link: 'Privacy policy', href: '/privacy.html' },
    onInitialise: function () { if (this.hasConsented()) load(); },
    onStatusChange: function () { if (this.hasConsented()) load(); },
  });
})();
