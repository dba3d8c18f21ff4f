// Tests of bench/coverage.mjs's module rewriting (run by `cargo xtask test` with `node --test`).
import test from 'node:test';
import assert from 'node:assert/strict';
import { instrument, only, names, ran } from './coverage.mjs';

const section = (id, bytes) => [id, bytes.length, ...bytes];
const text = (s) => [s.length, ...Buffer.from(s)];

// A module importing env.f, with two functions of its own: `first` (body 0, index 1) does
// nothing; `second` (body 1, index 2) has an i32 local and calls `first`. Exported as `a` and
// `b`, with its memory as `m`, and a name section naming both.
const MODULE = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 0, 0]),
  ...section(2, [1, ...text('env'), ...text('f'), 0x00, 0]),
  ...section(3, [2, 0, 0]),
  ...section(5, [1, 0x00, 1]),
  ...section(7, [3, ...text('a'), 0x00, 1, ...text('b'), 0x00, 2, ...text('m'), 0x02, 0]),
  ...section(10, [2, 2, 0, 0x0b, 6, 1, 1, 0x7f, 0x10, 1, 0x0b]),
  ...section(0, [...text('name'), ...section(1, [2, 1, ...text('first'), 2, ...text('second')])]),
]);

const start = (wasm) => new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { f() {} } }).exports;

test('the test module is valid and runs as it is', () => {
  assert.ok(WebAssembly.validate(MODULE));
  const { b, m } = start(MODULE);
  b();
  assert.deepEqual([...new Uint8Array(m.buffer, 0, 4)], [0, 0, 0, 0]);
});

test('an instrumented function marks the byte of its body index when it runs, after its locals', () => {
  const { wasm, functions } = instrument(MODULE);
  assert.equal(functions, 2);
  assert.ok(WebAssembly.validate(wasm));
  const one = start(wasm);
  one.a();
  assert.deepEqual([...new Uint8Array(one.m.buffer, 0, 3)], [1, 0, 0]);
  const both = start(wasm);
  both.b();
  assert.deepEqual([...new Uint8Array(both.m.buffer, 0, 3)], [1, 1, 0]);
});

test('only keeps the bodies asked for, the others trap, and the names go', () => {
  const first = only(MODULE, new Set([0]));
  assert.ok(WebAssembly.validate(first));
  const { a, b } = start(first);
  a();
  assert.throws(() => b(), WebAssembly.RuntimeError);
  assert.equal(names(first), null);
  assert.ok(only(MODULE, new Set([0, 1])).length < MODULE.length);
});

test('names reads the name section by body index, imports left out', () => {
  assert.deepEqual(names(MODULE), ['first', 'second']);
});

test('ran reads the marks, and fails on a byte that is not one', () => {
  const bytes = new Array(1024).fill(0);
  bytes[0] = 1;
  bytes[2] = 1;
  assert.deepEqual([...ran(bytes, 3)], [0, 2]);
  assert.throws(() => ran(new Array(1024).fill(0), 3), /no function marked/);
  assert.throws(() => ran(Object.assign([...bytes], { 3: 1 }), 3), /memory byte 3 is 1/);
  assert.throws(() => ran(Object.assign([...bytes], { 1: 7 }), 3), /memory byte 1 is 7/);
});
