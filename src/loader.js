// Accord loader: appended to wasm-bindgen's glue inside one function scope, so the only
// global it leaves is window.Accord. It reads the config (the script tag's data-config URL,
// or an inline <script type="application/json" id="accord-config">), instantiates the wasm
// (instantiateStreaming, through the glue), and starts it once the document is parsed.
// Until then, choices made through window.Accord are queued; nothing gated runs before.
var script = document.currentScript;
var base = script && script.src ? script.src.slice(0, script.src.lastIndexOf('/') + 1) : '';
var api = null;
var queue = [];

function emit(name, detail) {
  window.dispatchEvent(new CustomEvent(name, { detail: detail }));
}

function fail(message) {
  console.error('Accord: ' + message);
  emit('accord:error', { message: message });
}

function call(name, args) {
  if (api) return api[name].apply(null, args);
  queue.push([name, args]);
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
    return fetch(url, { credentials: 'same-origin' }).then(function (response) {
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
  consent: function () { return api ? api.consent() : null; }
};

Promise.all([readConfig(), wasm_bindgen({ module_or_path: base + 'accord_bg.wasm' }), parsed()])
  .then(function (results) {
    wasm_bindgen.boot(results[0], base + 'accord.css');
    api = wasm_bindgen;
    queue.splice(0).forEach(function (entry) {
      try { api[entry[0]].apply(null, entry[1]); } catch (e) { fail(e && e.message || String(e)); }
    });
  })
  .catch(function (e) { fail(e && e.message || String(e)); });
