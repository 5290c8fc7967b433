/** `chargegate report` on a real SQLite store written the way the gateway writes it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { reportCommand } from '../../../src/report/cli.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';

function seed(dir: string): void {
  const store = openSqliteStore(dir);
  const session = (chargerId: string, startedAt: string, meterStart: number, meterStop?: number, idTag = 'TAG1') => {
    const { transactionId } = store.sessions.start({ chargerId, connectorId: 1, idTag, startedAt, meterStart, authStatus: 'Accepted', receivedAt: startedAt });
    if (meterStop !== undefined) store.sessions.stop({ chargerId, transactionId, stoppedAt: startedAt, meterStop, receivedAt: startedAt, reason: 'Local' });
  };
  session('CP1', '2025-06-01T08:00:00Z', 0, 7500);
  session('CP2', '2025-06-01T23:30:00Z', 100, 2100, '=cmd|x');
  session('CP1', '2025-06-02T10:00:00.000Z', 7500, 10000);
  session('CP1', '2025-06-03T10:00:00Z', 10000);
  store.close();
}

async function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await reportCommand(args, { stdout, stderr, env, cwd });
  return { code, out, err };
}

t.test('sessions as CSV and JSON, filtered; the data dir from --config', async (t) => {
  const root = t.testdir({ site: {} });
  seed(join(root, 'site', 'db'));
  writeFileSync(join(root, 'site', 'chargegate.yaml'), 'storage: { dir: ./db }\nchargers: { list: [ { id: CP1, password: "${UNSET_IN_THIS_SHELL}" } ] }\n');

  const csv = await run(['sessions', '--config', 'site/chargegate.yaml', '--from', '2025-06-01', '--to=2025-06-03'], root);
  t.equal(csv.code, 0, csv.err);
  t.equal(
    csv.out,
    [
      'transactionId,chargerId,connectorId,idTag,state,startedAt,stoppedAt,meterStartWh,meterStopWh,energyKWh,stopReason,cost,currency',
      '1,CP1,1,TAG1,completed,2025-06-01T08:00:00Z,2025-06-01T08:00:00Z,0,7500,7.5,Local,,',
      "2,CP2,1,'=cmd|x,completed,2025-06-01T23:30:00Z,2025-06-01T23:30:00Z,100,2100,2,Local,,",
      '3,CP1,1,TAG1,completed,2025-06-02T10:00:00.000Z,2025-06-02T10:00:00.000Z,7500,10000,2.5,Local,,',
      '',
    ].join('\r\n'),
    'a formula-like idTag stays text',
  );
  const json = await run(['sessions', '--charger', 'CP1', '--format', 'json'], root, { CHARGEGATE_CONFIG: join(root, 'site', 'chargegate.yaml') });
  t.same(JSON.parse(json.out).map((s: any) => [s.transactionId, s.state]), [[1, 'completed'], [3, 'completed'], [4, 'active']]);
});

t.test('energy by day, by charger, and per charger per day in a time zone', async (t) => {
  const root = t.testdir();
  seed(join(root, 'data'));
  t.equal((await run(['energy', '--by', 'day'], root)).out, 'day,sessions,energyKWh\r\n2025-06-01,2,9.5\r\n2025-06-02,1,2.5\r\n');
  t.equal((await run(['energy', '--by', 'charger'], root)).out, 'chargerId,sessions,energyKWh\r\nCP1,2,10\r\nCP2,1,2\r\n');
  const berlin = await run(['energy', '--tz', 'Europe/Berlin', '--format', 'json'], root);
  t.same(JSON.parse(berlin.out), [
    { day: '2025-06-01', chargerId: 'CP1', sessions: 1, energyWh: 7500 },
    { day: '2025-06-02', chargerId: 'CP1', sessions: 1, energyWh: 2500 },
    { day: '2025-06-02', chargerId: 'CP2', sessions: 1, energyWh: 2000 },
  ], '23:30 UTC is the next day in Berlin');
});

t.test('mistakes are explained, with exit code 2 (usage) or 1 (no database)', async (t) => {
  const root = t.testdir();
  t.match(await run(['energy', '--by', 'week'], root), { code: 2, err: /--by must be one of day, charger, charger-day, got "week"/ });
  t.match(await run(['sessions', '--from', 'monday'], root), { code: 2, err: /--from must be a date/ });
  t.match(await run(['sessions', '--from', '2025-06-02', '--to', '2025-06-01'], root), { code: 2, err: /--from must be before --to/ });
  t.match(await run(['sessions', '--chargers', 'CP1'], root), { code: 2, err: /unknown option --chargers \(allowed: from, to, charger, format, config\)/ });
  t.match(await run(['sessions', '--charger'], root), { code: 2, err: /--charger needs a value/ });
  t.match(await run(['invoices'], root), { code: 2, err: /unknown report "invoices"/ });
  t.match(await run(['sessions'], root), { code: 1, err: /no chargegate database in .*data/ });
  t.match(await run(['--help'], root), { code: 0, out: /chargegate report sessions/ });
});
