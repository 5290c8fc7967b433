import { fdatasync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { startDurableCeiling } from '../../src/bench/durable-ceiling.js';
import { eventually } from '../helpers/gateway.js';
import { rpcCharger, bootPayload } from '../helpers/rpc-charger.js';

// The bench's durable ceiling (#19) is only a fair ceiling if it does what chargegate does:
// each MeterValues committed to chargegate's meter_samples table and the WAL synced before its
// answer. The test holds the sync: the samples are committed, and no answer leaves until it ends.
t.test('the durable ceiling answers a MeterValues only after its samples are committed and synced', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ceiling-test-'));
  const held: (() => void)[] = [];
  const ceiling = await startDurableCeiling(dir, { walSync: (fd, done) => held.push(() => fdatasync(fd, done)) });
  t.teardown(async () => {
    for (const release of held.splice(0)) release();
    await ceiling.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `ws://127.0.0.1:${ceiling.port}/ocpp`;
  const cp = await rpcCharger(t, url, 'CEIL-1');
  const cp2 = await rpcCharger(t, url, 'CEIL-2');
  t.equal((await cp.call('BootNotification', bootPayload)).status, 'Accepted');
  const meter = (wh: number) => ({
    connectorId: 1,
    meterValue: [{ timestamp: '2026-12-03T12:00:00.000Z', sampledValue: [{ value: String(wh), unit: 'Wh' }, { value: '11040', measurand: 'Power.Active.Import', unit: 'W' }] }],
  });
  const answered: string[] = [];
  const calls = [cp.call('MeterValues', meter(1000)).then((a) => answered.push('CEIL-1') && a), cp2.call('MeterValues', meter(2000)).then((a) => answered.push('CEIL-2') && a)];

  // Another connection sees only committed rows.
  const committed = (chargerId: string) => {
    const db = new Database(ceiling.dbFile, { readonly: true });
    try {
      return db.prepare('SELECT value, measurand, context FROM meter_samples WHERE charger_id = ? ORDER BY id').all(chargerId);
    } finally {
      db.close();
    }
  };
  await eventually(() => held.length > 0 && committed('CEIL-1').length === 2 && committed('CEIL-2').length === 2, 'both committed, a sync held');
  t.same(committed('CEIL-1'), [
    { value: '1000', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' },
    { value: '11040', measurand: 'Power.Active.Import', context: 'Sample.Periodic' },
  ]);
  t.same(answered, [], 'no answer before the sync has ended');
  // Each sync released lets its answers go (a commit made meanwhile waits for the next sync).
  await eventually(() => {
    for (const release of held.splice(0)) release();
    return answered.length === 2;
  }, 'both answered');
  t.same(await Promise.all(calls), [{}, {}], 'both answered after the sync');
});
