import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { startDurableCeiling } from '../../src/bench/durable-ceiling.js';
import { rpcCharger, bootPayload } from '../helpers/rpc-charger.js';

// The bench's durable ceiling (#19) is only a fair ceiling if it does what chargegate does:
// each MeterValues is in chargegate's meter_samples table, committed, before its answer.
t.test('the durable ceiling has stored every sample of a MeterValues when it answers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ceiling-test-'));
  const ceiling = await startDurableCeiling(dir);
  t.teardown(async () => {
    await ceiling.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cp = await rpcCharger(t, `ws://127.0.0.1:${ceiling.port}/ocpp`, 'CEIL-1');
  t.equal((await cp.call('BootNotification', bootPayload)).status, 'Accepted');

  // Two chargers' MeterValues in the same turn share one commit and one fdatasync.
  const cp2 = await rpcCharger(t, `ws://127.0.0.1:${ceiling.port}/ocpp`, 'CEIL-2');
  const meter = (wh: number) => ({
    connectorId: 1,
    meterValue: [{ timestamp: '2026-12-03T12:00:00.000Z', sampledValue: [{ value: String(wh), unit: 'Wh' }, { value: '11040', measurand: 'Power.Active.Import', unit: 'W' }] }],
  });
  const reader = () => new Database(ceiling.dbFile, { readonly: true });
  const answers = await Promise.all([
    cp.call('MeterValues', meter(1000)).then((answer) => {
      // Read by another connection the moment the answer arrives: only committed rows are visible.
      const db = reader();
      const rows = db.prepare("SELECT value, measurand, context FROM meter_samples WHERE charger_id = 'CEIL-1' ORDER BY id").all();
      db.close();
      return { answer, rows };
    }),
    cp2.call('MeterValues', meter(2000)),
  ]);
  t.same(answers[0].answer, {});
  t.same(answers[0].rows, [
    { value: '1000', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' },
    { value: '11040', measurand: 'Power.Active.Import', context: 'Sample.Periodic' },
  ]);
  const db = reader();
  t.equal((db.prepare("SELECT count(*) AS n FROM meter_samples WHERE charger_id = 'CEIL-2'").get() as { n: number }).n, 2, 'the other charger\'s samples too');
  db.close();
});
