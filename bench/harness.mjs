// What bench/run.mjs and bench/coverage.mjs both measure with: the browser they launch (the
// end-to-end tests launch it alike, tests/e2e/helpers.mjs), and the compressions a file's size
// is given in.
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

// Debian's Chromium. As root it needs --no-sandbox; the rest keep it off hosts this closed
// network refuses. webdriver.json (the browser tests) and scan/src/cdp.rs (accord-scan) list
// the same switches: harness.test.mjs fails when they differ.
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
};

/// `bytes`' size after zlib's gzip at level 9 and brotli at quality 11 (Node's, for every
/// manager alike).
export function compressed(bytes) {
  return {
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
