import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { openFresh } from './contract.js';

t.test('meta: small named values, replaced in place, kept across a reopen', async (t) => {
  const s = openFresh(t, (dir) => openSqliteStore(dir));
  t.equal(s.store.meta.get('a/b'), undefined);
  s.store.meta.set('a/b', '1');
  s.store.meta.set('a/b', '2');
  s.store.meta.set('c', '[]');
  t.equal(s.reopen().meta.get('a/b'), '2');
  s.store.meta.delete('a/b');
  s.store.meta.delete('never-set');
  t.equal(s.store.meta.get('a/b'), undefined);
  t.equal(s.store.meta.get('c'), '[]');
  t.equal(s.store.auth.generation(), 0, 'the local lists\' generation, in the same table, is untouched');
});
