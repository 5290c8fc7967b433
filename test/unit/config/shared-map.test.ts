/**
 * Compiling the config file's schema must leave V8's shared map of plain objects room for new
 * keys (src/config/load.ts, `code.optimize` off). With ajv's optimiser on, this compile alone
 * used up the map's 1,536 transitions at start-up: every `{}` given a new first key then got a
 * map of its own, and the hot code that met such objects in the seconds after (ws's send among
 * it) stayed megamorphic for the life of the process (issue #19). Nothing else would fail: the
 * gateway would only be slower.
 *
 * The probe: two empty objects given the same new key share one map exactly when the first
 * one's transition could be kept. V8's `%HaveSameMap` says so (natives syntax is switched on
 * after the modules are loaded, for the probe's function). Each check probes right after the
 * compile, before a full collection could clear what the compile added.
 */
import v8 from 'node:v8';
import t from 'tap';
import { demoConfig } from '../../../src/config/load.js';

v8.setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

let probes = 0;
/** Whether a key never used before, given to two empty objects, leaves them one shared map. */
function newKeysShareAMap(): boolean {
  const key = `probe${++probes}_${process.pid}`;
  const a: Record<string, number> = {};
  a[key] = 1;
  const b: Record<string, number> = {};
  b[key] = 2;
  return haveSameMap(a, b);
}

t.test('before any compile, two objects given the same new key share a map', async (t) => {
  t.equal(newKeysShareAMap(), true);
});

t.test('compiling the config schema leaves the shared map room for new keys', async (t) => {
  demoConfig();
  t.equal(newKeysShareAMap(), true, 'a new key on {} still makes a shared transition');
  demoConfig();
  t.equal(newKeysShareAMap(), true, 'and after a second compile (a config reload, a check)');
});

// Last: it uses the map up on purpose, which shows the probe can fail.
t.test('the probe sees a used-up map (more than 1,536 keys added to {} and kept)', async (t) => {
  const kept: object[] = [];
  for (let i = 0; i < 1600; i++) {
    const o: Record<string, number> = {};
    o[`fill${i}_${process.pid}`] = i;
    kept.push(o);
  }
  // `kept` is read after the probe, so the objects (and their transitions) are alive during it.
  t.equal(newKeysShareAMap(), false, `a new key gets a map of its own with ${kept.length} keys kept`);
});
