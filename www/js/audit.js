// The tracker-audit dashboard (www/audit.html): for each service in the site's Accord config,
// whether it may run, whether and when it loaded, and its cookies set now; cookies no service
// declares; and a timeline of Accord's audit log. Plain DOM and textContent only. Not part of
// Accord: a page any site can copy.
(function () {
  'use strict';
  var config = null;
  var start = performance.timeOrigin || Date.now();

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function pick(t) { return typeof t === 'string' ? t : (t && (t.en || t['zh-CN'])) || ''; }
  function clock(iso) { return new Date(iso).toLocaleTimeString('en-GB'); }
  // A declared cookie name, with `*` matching any run of characters.
  function matches(pattern, name) {
    var parts = pattern.split('*').map(function (p) { return p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'); });
    return new RegExp('^' + parts.join('.*') + '$').test(name);
  }
  function cookiesNow() {
    return document.cookie.split(';').map(function (c) { return c.split('=')[0].trim(); }).filter(Boolean);
  }
  function declared(service) {
    return (service.cookies || []).map(function (c) { return typeof c === 'string' ? c : c.name; })
      .filter(function (n) { return n.charAt(0) !== '/' && n.indexOf('.') < 0; });
  }
  function entriesFor(service) {
    return window.Accord.audit().filter(function (e) { return e.service === service.id; });
  }

  function render() {
    if (!config || !window.Accord || typeof window.Accord.audit !== 'function') return;
    var now = cookiesNow();
    var body = document.querySelector('[data-audit="services"]');
    body.textContent = '';
    var claimed = {};
    config.services.forEach(function (s) {
      var category = config.categories.filter(function (c) { return c.id === s.category; })[0];
      var allowed = window.Accord.acceptedService(s.id);
      var entries = entriesFor(s);
      var loaded = entries.filter(function (e) { return e.state === 'loaded'; })[0];
      var status = loaded ? 'loaded at ' + clock(loaded.time)
        : entries.some(function (e) { return e.state === 'failed'; }) ? 'failed to load'
        : entries.length ? (allowed ? 'allowed, loading' : 'blocked') : 'not on this page';
      var mine = now.filter(function (name) {
        return declared(s).some(function (p) { return matches(p, name); });
      });
      mine.forEach(function (n) { claimed[n] = true; });
      var row = el('tr');
      row.setAttribute('data-service', s.id);
      row.appendChild(el('td', pick(category && category.title)));
      row.appendChild(el('td', s.name));
      row.appendChild(el('td', allowed ? 'allowed · 允许' : 'blocked · 拦截', allowed ? 'ok' : 'no'));
      var st = el('td', status, loaded ? 'ok' : '');
      st.setAttribute('data-audit-status', loaded ? 'loaded' : entries.length ? (allowed ? 'allowed' : 'blocked') : 'absent');
      row.appendChild(st);
      row.appendChild(el('td', mine.length ? mine.join(', ') : '—'));
      body.appendChild(row);
    });
    var stray = now.filter(function (n) { return !claimed[n]; });
    document.querySelector('[data-audit="undeclared"]').textContent = stray.length ? stray.join(', ') : 'None · 无';

    var list = document.querySelector('[data-audit="timeline"]');
    list.textContent = '';
    var log = window.Accord.audit();
    var last = log.reduce(function (m, e) { return Math.max(m, Date.parse(e.time) - start); }, 1);
    log.forEach(function (e) {
      var at = Date.parse(e.time) - start;
      var item = el('li', '', 'state-' + e.state);
      var bar = el('span', '', 'bar');
      bar.style.setProperty('inline-size', Math.max(1, Math.round(100 * at / last)) + '%');
      item.appendChild(el('span', (at / 1000).toFixed(2) + ' s', 'at'));
      item.appendChild(bar);
      item.appendChild(el('span', e.state + ' · ' + (e.service || '?') + ' · ' + e.kind + ' ' + e.url, 'what'));
      list.appendChild(item);
    });

    var consent = window.Accord.consent && window.Accord.consent();
    document.querySelector('[data-audit="consent"]').textContent = consent
      ? 'Choice made at ' + clock(new Date(consent.timestamp).toISOString()) + ' · 已选择: ' +
        Object.keys(consent.categories).filter(function (k) { return consent.categories[k]; }).join(', ')
      : 'No choice yet · 尚未选择';
  }

  fetch('/accord-config.json').then(function (r) { return r.json(); }).then(function (c) {
    config = c;
    render();
  });
  ['accord:ready', 'accord:consent', 'accord:tracker'].forEach(function (name) {
    window.addEventListener(name, function () { setTimeout(render, 0); });
  });
  // Cookies change without events.
  setInterval(render, 1000);
})();
