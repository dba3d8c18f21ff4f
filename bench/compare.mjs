// Statistics for `cargo xtask bench`: quantiles, and Accord against a peer paired by run.
//
// The runs are interleaved: within a run, every manager is loaded one after the other at the
// same throttling, so the VM's drift (a slower minute, a busy neighbour) hits both sides of
// a pair alike. The per-run differences therefore say more than two medians taken apart.
// Their median gets a distribution-free 95% interval (order statistics of the binomial
// sign test: no assumption about the shape of the timings, and no random resampling, so the
// same samples always give the same interval).

/// The `q` quantile of `xs` by the nearest-rank method (the median of an even count is the
/// lower middle value).
export function quantile(xs, q) {
  if (xs.length === 0) throw new Error('quantile of no samples');
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.min(s.length - 1, Math.ceil(q * s.length) - 1))];
}

/// A distribution-free interval for the median of `xs`: the k-th smallest and k-th largest
/// sample, with k the largest rank for which the interval still covers the median with at
/// least `level` probability. Returns `null` when there are too few samples for that level
/// (fewer than 6 for 95%).
export function medianInterval(xs, level = 0.95) {
  const n = xs.length;
  const tail = (1 - level) / 2;
  // One walk up Binomial(n, 1/2): `below` is P(B < k), and the rank k goes up while
  // P(B <= k) stays within the tail. The probabilities are kept in logs, as 2^-n underflows
  // from about a thousand runs on.
  let k = 0;
  let below = 0;
  let logPmf = -n * Math.LN2;
  while (k < Math.floor(n / 2) && below + Math.exp(logPmf) <= tail) {
    below += Math.exp(logPmf);
    k += 1;
    logPmf += Math.log(n - k + 1) - Math.log(k);
  }
  if (k === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return { low: s[k - 1], high: s[n - k], coverage: 1 - 2 * below };
}

/// Accord's samples against a peer's, paired by run: the median of `accord[i] - peer[i]`, its
/// 95% interval, and how many runs had Accord's value lower. `verdict` is `lower` or `higher`
/// when the whole interval is on one side of zero, else `not distinguishable`.
export function paired(accord, peer) {
  if (accord.length !== peer.length) {
    throw new Error(`paired samples differ in count: Accord has ${accord.length}, the peer ${peer.length}`);
  }
  if (accord.length === 0) throw new Error('paired comparison of no runs');
  const diffs = accord.map((a, i) => a - peer[i]);
  const interval = medianInterval(diffs);
  let verdict = 'not distinguishable';
  if (interval && interval.high < 0) verdict = 'lower';
  if (interval && interval.low > 0) verdict = 'higher';
  return {
    runs: diffs.length,
    median: quantile(diffs, 0.5),
    interval,
    accordLower: diffs.filter((d) => d < 0).length,
    verdict,
  };
}

/// One table cell for a paired comparison of times in ms.
export function pairedCell(p) {
  const sign = (x) => `${x > 0 ? '+' : ''}${x.toFixed(1)}`;
  const interval = p.interval ? `${sign(p.interval.low)} to ${sign(p.interval.high)}` : 'too few runs';
  return `${sign(p.median)} (${interval}), ${p.accordLower}/${p.runs}: ${p.verdict}`;
}

/// Accord's start, step by step: `runs` holds one object per run with the time of each of
/// `points` (in order; a point missing from a run, as when boot failed, leaves out the steps
/// next to it for that run). Returns, for each point, the median time since navigation, and
/// for each step between two consecutive points the median of its per-run duration (not the
/// difference of two medians, which need not come from the same runs).
export function phases(runs, points) {
  const at = points.map((point) => {
    const xs = runs.map((r) => r[point]).filter(Number.isFinite);
    return { point, median: xs.length ? quantile(xs, 0.5) : null };
  });
  const steps = points.slice(1).map((to, i) => {
    const from = points[i];
    const xs = runs.filter((r) => Number.isFinite(r[from]) && Number.isFinite(r[to])).map((r) => r[to] - r[from]);
    return { from, to, median: xs.length ? quantile(xs, 0.5) : null, runs: xs.length };
  });
  return { at, steps };
}

/// Two builds' starts, step by step and paired by run (`cargo xtask bench --against`): for
/// the way to the first of `points` (from navigation) and each step between two consecutive
/// ones, `paired` of this build's per-run durations against the other's. A run counts in a
/// step only where both builds have both of its ends. A step is shorter and less noisy than
/// the whole way to the banner (the VM's drift before `accord.js` runs, for one, is not in
/// it), so a change that acts on one step can show there when the banner's time cannot.
export function pairedSteps(these, others, points) {
  if (these.length !== others.length) {
    throw new Error(`paired runs differ in count: this build has ${these.length}, the other ${others.length}`);
  }
  const spans = [[null, points[0]], ...points.slice(1).map((to, i) => [points[i], to])];
  return spans.map(([from, to]) => {
    const span = (r) => r[to] - (from === null ? 0 : r[from]);
    const both = these.map((r, i) => [r, others[i]]).filter((pair) => pair.every((r) => Number.isFinite(span(r))));
    return { from, to, paired: both.length ? paired(both.map(([a]) => span(a)), both.map(([, b]) => span(b))) : null };
  });
}
