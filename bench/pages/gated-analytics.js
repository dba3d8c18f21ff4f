// A gated script of the benchmark pages (category analytics): records when it ran.
(window.__ran = window.__ran || {}).analytics = performance.now();
