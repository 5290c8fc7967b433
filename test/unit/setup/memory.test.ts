/** Setup's memory in the meta table: round trip, and a damaged value read as empty. */
import t from 'tap';
import { metaSetupMemory } from '../../../src/setup/memory.js';
import { EMPTY_MEMORY } from '../../../src/setup/plan.js';

function meta() {
  const values = new Map<string, string>();
  return { values, get: (k: string) => values.get(k), set: (k: string, v: string) => void values.set(k, v), delete: (k: string) => void values.delete(k) };
}

t.test('round trip, one key per charger', async (t) => {
  const m = meta();
  const store = metaSetupMemory(m);
  t.same(store.load('CP1'), { memory: EMPTY_MEMORY });
  const memory = { ...EMPTY_MEMORY, keys: { MeterValueSampleInterval: { value: '60', readonly: false } }, changes: { MeterValueSampleInterval: { value: '60', at: 5, result: 'Accepted' as const } }, interrupted: [1], readAt: 4, status: { status: 'done' as const, at: 6 } };
  store.save('CP1', memory);
  t.same([...m.values.keys()], ['setup.CP1']);
  t.same(store.load('CP1').memory, memory);
  t.same(store.load('CP2').memory, EMPTY_MEMORY);
});

t.test('a damaged value: empty memory and the reason, never a throw', async (t) => {
  const m = meta();
  m.set('setup.CP1', '{not json');
  const loaded = metaSetupMemory(m).load('CP1');
  t.same(loaded.memory, EMPTY_MEMORY);
  t.match(loaded.unreadable, /JSON/);
  m.set('setup.CP1', JSON.stringify({ keys: [], unknownKeys: 'x', changes: null, interrupted: ['a', 3] }));
  t.same(metaSetupMemory(m).load('CP1').memory, { ...EMPTY_MEMORY, interrupted: [3] }, 'wrong shapes dropped field by field');
});
