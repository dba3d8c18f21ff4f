// A gated script of the benchmark pages (category marketing): records when it ran.
(window.__ran = window.__ran || {}).marketing = performance.now();
