// Accord loader: appended to wasm-bindgen's glue inside one function scope. It runs
// synchronously in <head>, before any other script, and:
// 1. pushes Google Consent Mode's all-denied default (unless data-consent-mode="off");
// 2. installs the auto-blocker: requests to declared trackers made by scripts (script, img and
//    iframe src, fetch, sendBeacon, XMLHttpRequest, and elements a tag manager inserts) are
//    held until the visitor chooses, then sent or dropped. Until Accord has started it holds
//    every cross-origin request of these kinds, since it cannot yet tell which are trackers;
//    if Accord cannot start (bad config, no wasm), they stay held: it fails closed;
// 3. reads the config (data-config URL or inline #accord-config), compiles the wasm as it
//    streams in (Accord's files start loading once the document is parsed, or 100 ms after
//    this script at the latest, see `load`) and starts it once the document is parsed;
//    exposes window.Accord, queueing calls until then;
// 4. keeps the audit log: every gated element's and held request's transitions, with times.
// It marks its start in the page's User Timing (see `mark`).
var script = document.currentScript;
var base = script && script.src ? script.src.slice(0, script.src.lastIndexOf('/') + 1) : '';
var api = null;
var queue = [];
var held = [];
var audit = [];
var realFetch = window.fetch;

// Accord's start, phase by phase, in the page's User Timing, where DevTools' Performance panel,
// a site's own monitoring and the benchmark see it: `accord:loader` (this code begins, the
// glue above defined), `accord:inputs` (config, compiled wasm, stylesheet and parsed document
// all in), `accord:booted` (the banner mounted, or the stored choice applied). Marks are for
// watching only: a page whose `performance` is replaced or stubbed out still gets its banner.
function mark(name) {
  try {
    performance.mark('accord:' + name);
  } catch (e) {}
}
mark('loader');

// ---- 0. Accord's own files.
// The build writes the SRI hash of the wasm here, so a page that pins accord.js with
// `integrity` pins it too: a changed wasm fails to load, and Accord fails closed.
var WASM_INTEGRITY = '__ACCORD_WASM_INTEGRITY__';
function pinned(hash) { return hash.indexOf('sha384-') === 0 ? { integrity: hash } : {}; }
var wasmUrl = base + 'accord_bg.wasm';
// The stylesheet (src/ui/accord.css, minified), written here by the build: one request fewer
// than a file of its own, and pinned with accord.js.
var STYLE = '__ACCORD_STYLE__';
// Accord's own files come through the real fetch: they are never held. The wasm and the
// config start loading in a task of their own once the document is parsed (boot waits for
// that anyway), or LOAD_BY_MS after this script if parsing takes longer. Sent from this
// script, their requests and responses were handled on the main thread while the page was
// still being parsed, and held up its first contentful paint: by 40 ms at 4x CPU throttling
// in an A/B of 100 runs (docs/performance-history.md, 2026-12-03).
var LOAD_BY_MS = 100;
var loadable = new Promise(function (resolve) {
  setTimeout(resolve, LOAD_BY_MS);
  parsed().then(function () { setTimeout(resolve, 0); });
});
function load(url, init) {
  return loadable.then(function () { return realFetch.call(window, url, init); });
}
var wasmResponse = load(wasmUrl, pinned(WASM_INTEGRITY)).then(function (r) {
  if (!r.ok) throw new Error(wasmUrl + ': HTTP ' + r.status);
  return r;
}, function (e) {
  throw new Error(wasmUrl + ' did not load (' + (e && e.message) + '): unreachable, or it failed its integrity check');
});
var configText = readConfig();
// The stylesheet is built here, where its text already is (handing it to the wasm and back
// would copy it twice), into a constructed stylesheet the banner's shadow root adopts. It is
// built with the requests, once the document is parsed, so that parsing it does not hold up
// the page's own parsing and first paint.
// Should building it fail, the banner still works, unstyled: a choice must stay possible.
var sheet = loadable.then(function () {
  var built = new CSSStyleSheet();
  built.replaceSync(STYLE);
  return built;
}).catch(function (e) {
  console.warn('Accord: the stylesheet could not be built (' + (e && e.message) + '); the banner shows unstyled');
  return null;
});
// Compiled off the main thread while it streams in, then instantiated in boot's own task (one
// task hop fewer than wasm-bindgen's async init). Streaming needs the server to label it
// application/wasm; otherwise it is compiled from its bytes, and a warning says why.
var compiled = wasmResponse.then(function (r) {
  var type = (r.headers.get('Content-Type') || '').trim().toLowerCase();
  if (type === 'application/wasm') return WebAssembly.compileStreaming(r);
  console.warn('Accord: ' + wasmUrl + ' is served as "' + type + '", not application/wasm; compiling it without streaming, which is slower');
  return r.arrayBuffer().then(function (bytes) { return WebAssembly.compile(bytes); });
});

function emit(name, detail) {
  window.dispatchEvent(new CustomEvent(name, { detail: detail }));
}

function fail(message) {
  console.error('Accord: ' + message);
  emit('accord:error', { message: message });
}

function note(kind, url, service, state) {
  var entry = { time: new Date().toISOString(), kind: kind, url: url, service: service || null, state: state };
  audit.push(entry);
  emit('accord:tracker', entry);
}

// ---- 1. Consent Mode default, before any tag can read dataLayer.
if (!script || script.getAttribute('data-consent-mode') !== 'off') {
  window.dataLayer = window.dataLayer || [];
  if (typeof window.gtag !== 'function') window.gtag = function () { window.dataLayer.push(arguments); };
  window.gtag('consent', 'default', {
    ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied',
    functionality_storage: 'denied', personalization_storage: 'denied', security_storage: 'denied',
    wait_for_update: 500
  });
}

// ---- 2. The auto-blocker.
// 'allow', 'wait[:service]' or 'deny:service' for a URL the page is about to request.
function judge(url) {
  var abs;
  try { abs = new URL(url, location.href); } catch (e) { return 'allow'; }
  if (abs.protocol !== 'http:' && abs.protocol !== 'https:') return 'allow';
  if (api) return api.verdict(abs.href);
  return abs.origin === location.origin ? 'allow' : 'wait';
}

function serviceOf(verdict) {
  var colon = verdict.indexOf(':');
  return colon < 0 ? null : verdict.slice(colon + 1);
}

// Holds a request: `release` sends it; `deny` is called when the visitor refused its service
// and returns true when the request is finished with (a fetch is rejected, a beacon dropped).
function hold(kind, url, verdict, release, deny) {
  note(kind, url, serviceOf(verdict), 'blocked');
  var item = { kind: kind, url: url, release: release, deny: deny };
  if (verdict.indexOf('deny') === 0 && deny(verdict)) return;
  held.push(item);
}

// After start and after each choice: send what is now allowed, finish what is refused.
function settle() {
  held.splice(0).forEach(function (item) {
    var verdict = judge(item.url);
    if (verdict === 'allow') {
      note(item.kind, item.url, null, 'allowed');
      item.release();
    } else if (verdict.indexOf('deny') !== 0 || !item.deny(verdict)) {
      held.push(item);
    }
  });
  markBlocked();
}

function keep() { return false; }

function watchLoad(el, kind, url) {
  el.addEventListener('load', function () { note(kind, url, null, 'loaded'); }, { once: true });
  el.addEventListener('error', function () { note(kind, url, null, 'failed'); }, { once: true });
}

// script.src, img.src, iframe.src: a held URL is simply not set yet.
var originalSrc = {};
[['script', HTMLScriptElement], ['img', HTMLImageElement], ['iframe', HTMLIFrameElement]].forEach(function (pair) {
  var kind = pair[0];
  var proto = pair[1].prototype;
  var d = Object.getOwnPropertyDescriptor(proto, 'src');
  if (!d || !d.set) return;
  originalSrc[kind] = d.set;
  Object.defineProperty(proto, 'src', {
    configurable: true, enumerable: d.enumerable, get: d.get,
    set: function (value) {
      var el = this;
      var url = String(value);
      var verdict = judge(url);
      if (verdict === 'allow') return d.set.call(el, value);
      el.setAttribute('data-accord-held', serviceOf(verdict) || '');
      hold(kind, url, verdict, function () {
        el.removeAttribute('data-accord-held');
        watchLoad(el, kind, url);
        d.set.call(el, url);
      }, keep);
    }
  });
});
var setAttribute = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (name, value) {
  var kind = this.localName;
  if (String(name).toLowerCase() === 'src' && originalSrc[kind] && this.namespaceURI === 'http://www.w3.org/1999/xhtml') {
    this.src = value;
    return;
  }
  return setAttribute.apply(this, arguments);
};

// Elements that arrive with a src already (parser-inserted after this script, or built by
// innerHTML): a script is neutralised before it runs; an img or iframe loses its src.
function neutralise(el) {
  if (el.hasAttribute('data-accord-held')) return;
  var url = el.getAttribute('src');
  var verdict = judge(url);
  if (verdict === 'allow') return;
  var kind = el.localName;
  el.setAttribute('data-accord-held', serviceOf(verdict) || '');
  if (kind === 'script') {
    var type = el.getAttribute('type');
    setAttribute.call(el, 'type', 'javascript/blocked');
    hold(kind, url, verdict, function () {
      var copy = document.createElement('script');
      for (var i = 0; i < el.attributes.length; i++) {
        var a = el.attributes[i];
        if (a.name !== 'src' && a.name !== 'type' && a.name !== 'data-accord-held') setAttribute.call(copy, a.name, a.value);
      }
      if (type) setAttribute.call(copy, 'type', type);
      watchLoad(copy, kind, url);
      originalSrc.script.call(copy, url);
      if (el.parentNode) el.parentNode.replaceChild(copy, el);
    }, keep);
  } else {
    el.removeAttribute('src');
    hold(kind, url, verdict, function () {
      el.removeAttribute('data-accord-held');
      watchLoad(el, kind, url);
      originalSrc[kind].call(el, url);
    }, keep);
  }
}

var TRACKED = 'script[src]:not([type="text/plain"]),img[src],iframe[src]';
// The gate's data-accord-state values, as audit states (a script's `loading` adds nothing to
// the `allowed` its placeholder already had).
var STATES = { queued: 'allowed', allowed: 'allowed', ran: 'loaded', loaded: 'loaded', failed: 'failed', held: 'blocked' };
var lastState = new WeakMap();
function described(el) {
  return el.getAttribute('src') || el.getAttribute('data-src') || el.getAttribute('href') ||
    el.getAttribute('data-href') || '(inline)';
}
function noteGated(el) {
  var state = STATES[el.getAttribute('data-accord-state')];
  if (!state || lastState.get(el) === state) return;
  lastState.set(el, state);
  note(el.localName, described(el), el.getAttribute('data-service') || el.getAttribute('data-category'), state);
}
var blockedNoted = new WeakSet();
function markBlocked() {
  document.querySelectorAll('[data-category]:not([data-accord-state])').forEach(function (el) {
    if (blockedNoted.has(el) || el.closest('#accord')) return;
    blockedNoted.add(el);
    note(el.localName, described(el), el.getAttribute('data-service') || el.getAttribute('data-category'), 'blocked');
  });
}
new MutationObserver(function (records) {
  records.forEach(function (record) {
    if (record.type === 'attributes') return noteGated(record.target);
    record.addedNodes.forEach(function (node) {
      if (node.nodeType !== 1) return;
      if (node.matches(TRACKED)) neutralise(node);
      node.querySelectorAll(TRACKED).forEach(neutralise);
      if (node.hasAttribute('data-accord-state')) noteGated(node);
    });
  });
}).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-accord-state'] });

// fetch, sendBeacon and XMLHttpRequest to trackers.
if (realFetch) {
  window.fetch = function (input, init) {
    var url = input instanceof Request ? input.url : String(input);
    var verdict = judge(url);
    var self = this;
    var args = arguments;
    if (verdict === 'allow') return realFetch.apply(self, args);
    return new Promise(function (resolve, reject) {
      hold('fetch', url, verdict, function () {
        realFetch.apply(self, args).then(function (r) { note('fetch', url, null, 'loaded'); resolve(r); },
          function (e) { note('fetch', url, null, 'failed'); reject(e); });
      }, function (v) {
        reject(new TypeError('Accord: ' + url + ' was not sent: no consent for service ' + serviceOf(v)));
        return true;
      });
    });
  };
}
if (navigator.sendBeacon) {
  var realBeacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = function (url, data) {
    var verdict = judge(String(url));
    if (verdict === 'allow') return realBeacon(url, data);
    hold('beacon', String(url), verdict, function () { realBeacon(url, data); }, function () { return true; });
    return true;
  };
}
var xhrUrls = new WeakMap();
var xhrOpen = XMLHttpRequest.prototype.open;
var xhrSend = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.open = function (method, url) {
  xhrUrls.set(this, String(url));
  return xhrOpen.apply(this, arguments);
};
XMLHttpRequest.prototype.send = function () {
  var xhr = this;
  var args = arguments;
  var url = xhrUrls.get(xhr) || '';
  var verdict = judge(url);
  if (verdict === 'allow') return xhrSend.apply(xhr, args);
  hold('xhr', url, verdict, function () { xhrSend.apply(xhr, args); }, function () { xhr.abort(); return true; });
};

// ---- 3. Start.
function call(name, args) {
  if (api) return api[name].apply(null, args);
  queue.push([name, args]);
}

function started() {
  return new Promise(function (resolve, reject) {
    if (api) return resolve();
    window.addEventListener('accord:ready', function () { resolve(); }, { once: true });
    window.addEventListener('accord:error', function (e) { reject(new Error(e.detail.message)); }, { once: true });
  });
}

function parsed() {
  return new Promise(function (resolve) {
    if (document.readyState !== 'loading') resolve();
    else document.addEventListener('DOMContentLoaded', resolve, { once: true });
  });
}

function readConfig() {
  var url = script && script.getAttribute('data-config');
  if (url) {
    return load(url, { credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) throw new Error('config ' + url + ': HTTP ' + response.status);
      return response.text();
    });
  }
  return parsed().then(function () {
    var inline = document.getElementById('accord-config');
    if (!inline) {
      throw new Error('no config: give the script tag data-config="URL" or add ' +
        '<script type="application/json" id="accord-config">');
    }
    return inline.textContent;
  });
}

window.Accord = {
  acceptAll: function () { return call('acceptAll', []); },
  rejectAll: function () { return call('rejectAll', []); },
  accept: function (categories) { return call('accept', [categories]); },
  show: function () { return call('show', []); },
  showPreferences: function () { return call('showPreferences', []); },
  refresh: function () { return call('refresh', []); },
  consent: function () { return api ? api.consent() : null; },
  acceptedCategory: function (id) { return api ? api.acceptedCategory(id) : false; },
  acceptedService: function (id) { return api ? api.acceptedService(id) : false; },
  audit: function () { return audit.map(function (e) { return Object.assign({}, e); }); },
  // A promise of every consent receipt kept in this browser (the visitor's own copy).
  receipts: function () {
    return started().then(function () { return new Promise(function (resolve, reject) { api.receipts(resolve, reject); }); });
  },
  // Loads a script once its category (or service) is accepted; rejects if it is not.
  loadScript: function (url, options) {
    var opts = options || {};
    return started().then(function () {
      var ok = opts.service ? api.acceptedService(opts.service) : api.acceptedCategory(opts.category);
      if (!ok) throw new Error('Accord: no consent for ' + (opts.service ? 'service ' + opts.service : 'category ' + opts.category));
      return new Promise(function (resolve, reject) {
        var el = document.createElement('script');
        el.addEventListener('load', function () { resolve(el); }, { once: true });
        el.addEventListener('error', function () { reject(new Error('Accord: could not load ' + url)); }, { once: true });
        originalSrc.script.call(el, url);
        document.head.appendChild(el);
      });
    });
  }
};

window.addEventListener('accord:ready', settle);
window.addEventListener('accord:consent', settle);
// Leaving: hand pending receipts to the browser by beacon.
window.addEventListener('pagehide', function () { if (api) api.flushBeacons(); });
// Restored from the back/forward cache: the choice may have changed on another page.
window.addEventListener('pageshow', function (e) {
  if (e.persisted && api) {
    try { api.resync(); } catch (err) { fail(err && err.message || String(err)); }
  }
});

Promise.all([configText, compiled, sheet, parsed()])
  .then(function (results) {
    mark('inputs');
    wasm_bindgen.initSync({ module: results[1] });
    api = wasm_bindgen;
    var asking;
    try {
      asking = api.boot(results[0], results[2]);
    } catch (e) {
      api = null;
      throw e;
    }
    mark('booted');
    // When the banner is up, the rest of starting (the gated scripts, accord:ready) waits one
    // task, so the browser can paint the banner first. A returning visitor's run at once.
    if (asking) return new Promise(function (resolve) { setTimeout(resolve, 0); });
  })
  .then(function () {
    api.start();
    queue.splice(0).forEach(function (entry) {
      try { api[entry[0]].apply(null, entry[1]); } catch (e) { fail(e && e.message || String(e)); }
    });
  })
  .catch(function (e) { fail(e && e.message || String(e)); });
