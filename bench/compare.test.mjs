// Tests of bench/compare.mjs (run by `cargo xtask test` with `node --test`).
import test from 'node:test';
import assert from 'node:assert/strict';
import { quantile, medianInterval, paired, pairedCell, phases, pairedSteps } from './compare.mjs';

const ranks = (n) => Array.from({ length: n }, (_, i) => i + 1);

test('quantile is nearest-rank, whatever the order of the samples', () => {
  assert.equal(quantile([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(quantile([4, 1, 3, 2], 0.5), 2);
  assert.equal(quantile(ranks(40), 0.9), 36);
  assert.throws(() => quantile([], 0.5), /no samples/);
});

test('the median interval uses the ranks of the published sign-test tables', () => {
  // The values 1 to n in a scrambled order (37 is prime to every n here): the interval's
  // ends are then its ranks.
  for (const [n, low, high] of [[6, 1, 6], [10, 2, 9], [20, 6, 15], [40, 14, 27], [100, 40, 61]]) {
    const xs = ranks(n).map((_, i) => ((i * 37) % n) + 1);
    assert.deepEqual([...xs].sort((a, b) => a - b), ranks(n));
    const interval = medianInterval(xs);
    assert.equal(interval.low, low, `n=${n} low`);
    assert.equal(interval.high, high, `n=${n} high`);
    assert.ok(interval.coverage >= 0.95, `n=${n} coverage ${interval.coverage}`);
  }
});

test('the interval states its exact coverage', () => {
  // 1 - 2 P(B < k) for B ~ Binomial(n, 1/2): n=6, k=1: 1 - 2/64; n=10, k=2: 1 - 2 * 11/1024.
  assert.ok(Math.abs(medianInterval(ranks(6)).coverage - (1 - 2 / 64)) < 1e-12);
  assert.ok(Math.abs(medianInterval(ranks(10)).coverage - (1 - 22 / 1024)) < 1e-12);
});

test('five samples or fewer are too few for a 95% interval', () => {
  assert.equal(medianInterval(ranks(5)), null);
  assert.equal(medianInterval([]), null);
  assert.notEqual(medianInterval(ranks(6)), null);
});

test('a peer slower in every run makes Accord lower, with the interval below zero', () => {
  const accord = [100, 102, 98, 101, 99, 103, 97, 100];
  const peer = accord.map((a, i) => a + 20 + i);
  const p = paired(accord, peer);
  assert.equal(p.verdict, 'lower');
  assert.equal(p.accordLower, 8);
  assert.ok(p.interval.high < 0);
  assert.equal(p.median, -24);
});

test('pairs that straddle zero are not distinguishable, and slower everywhere is higher', () => {
  const accord = [10, 20, 30, 40, 50, 60, 70, 80];
  const mixed = paired(accord, [15, 14, 35, 33, 55, 52, 75, 71]);
  assert.equal(mixed.verdict, 'not distinguishable');
  assert.equal(mixed.accordLower, 4);
  const slower = paired(accord.map((a) => a + 9), accord);
  assert.equal(slower.verdict, 'higher');
  assert.equal(slower.accordLower, 0);
  // A tie is not a run Accord won.
  assert.equal(paired([10, 20, 30], [10, 25, 30]).accordLower, 1);
});

test('pairing is by run: the same values in another order give another answer', () => {
  // Each run's drift is shared by both sides; taken apart, the medians are equal.
  const drift = [0, 300, 600, 900, 1200, 1500, 1800, 2100];
  const accord = drift.map((d) => d + 100);
  const peer = drift.map((d) => d + 105);
  assert.equal(paired(accord, peer).verdict, 'lower');
  assert.equal(paired(accord, [...peer].reverse()).verdict, 'not distinguishable');
});

test('samples of different counts are refused, naming both counts', () => {
  assert.throws(() => paired([1, 2, 3], [1, 2]), /Accord has 3, the peer 2/);
  assert.throws(() => paired([], []), /no runs/);
});

test('the table cell gives the median difference, its interval, the count and the verdict', () => {
  const p = paired([100, 102, 98, 101, 99, 103, 97, 100], [120, 123, 120, 124, 124, 129, 124, 128]);
  assert.equal(pairedCell(p), '-25.0 (-28.0 to -20.0), 8/8: lower');
  assert.equal(pairedCell(paired([1], [2])), '-1.0 (too few runs), 1/1: not distinguishable');
});

test('phases: the median of each step is taken over its per-run durations', () => {
  const runs = [
    { loader: 0, inputs: 10, booted: 15, visible: 20 },
    { loader: 5, inputs: 8, booted: 30, visible: 31 },
    { loader: 1, inputs: 2, booted: 3, visible: 40 },
  ];
  const { at, steps } = phases(runs, ['loader', 'inputs', 'booted', 'visible']);
  assert.deepEqual(at.map((a) => a.median), [1, 8, 15, 31]);
  // loader to inputs: 10, 3, 1; inputs to booted: 5, 22, 1; booted to visible: 5, 1, 37.
  assert.deepEqual(steps.map((s) => s.median), [3, 5, 5]);
  // The difference of the medians would say 7 for the first step: no run took that.
  assert.notEqual(steps[0].median, at[1].median - at[0].median);
});

test('phases: a run without a point counts only in the steps it has both ends of', () => {
  const runs = [
    { loader: 0, inputs: 10, visible: 50 },
    { loader: 0, inputs: 20, booted: 24, visible: 30 },
  ];
  const { at, steps } = phases(runs, ['loader', 'inputs', 'booted', 'visible']);
  assert.equal(at[2].median, 24);
  assert.deepEqual(steps.map((s) => [s.median, s.runs]), [[10, 2], [4, 1], [6, 1]]);
  assert.equal(phases([{ loader: 1 }], ['loader', 'booted']).steps[0].median, null);
});

test('pairedSteps: each step of one build against the same run of the other', () => {
  // Six runs: this build's boot (inputs to booted) is 3 ms shorter in every run, its loader
  // comes 0 to 50 ms later or sooner (the VM's drift), and the layout step is the same.
  const drift = [0, 50, -20, 30, -40, 10];
  const these = drift.map((d, i) => ({ loader: 100 + d, inputs: 200 + d, booted: 217 + d + i, visible: 247 + d + i }));
  const others = drift.map((_, i) => ({ loader: 100, inputs: 200, booted: 220 + i, visible: 250 + i }));
  const steps = pairedSteps(these, others, ['loader', 'inputs', 'booted', 'visible']);
  assert.deepEqual(steps.map((s) => [s.from, s.to]), [[null, 'loader'], ['loader', 'inputs'], ['inputs', 'booted'], ['booted', 'visible']]);
  // From navigation to the loader: the drift itself, not distinguishable.
  assert.equal(steps[0].paired.verdict, 'not distinguishable');
  assert.equal(steps[1].paired.median, 0);
  // Boot: -3 in each of the six runs, so its interval (the extremes, at six runs) is all below zero.
  assert.equal(steps[2].paired.median, -3);
  assert.equal(steps[2].paired.accordLower, 6);
  assert.equal(steps[2].paired.verdict, 'lower');
  assert.equal(steps[3].paired.median, 0);
});

test('pairedSteps: a run counts in a step only where both builds have both of its ends', () => {
  const these = [{ loader: 10, inputs: 20 }, { loader: 10, inputs: 25, booted: 30 }];
  const others = [{ loader: 12, inputs: 30, booted: 40 }, { loader: 10, booted: 35 }];
  const [nav, load, boot] = pairedSteps(these, others, ['loader', 'inputs', 'booted']);
  assert.equal(nav.paired.runs, 2);
  // Loading: only the first run has it in both (10 against 18 ms).
  assert.deepEqual([nav.paired.median, load.paired.runs, load.paired.median], [-2, 1, -8]);
  // Boot: this build's first run has no `booted`, the other's second no `inputs`.
  assert.equal(boot.paired, null);
  assert.throws(() => pairedSteps([{}], [], ['loader']), /differ in count/);
});
