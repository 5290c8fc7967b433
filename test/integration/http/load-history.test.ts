/**
 * Issue #18: the load history survives a restart (real files: the same data directory, a
 * second gateway), GET /api/site/history serves 4h, 1d and 7d from it, and the dashboard's
 * chart (in Chromium) zooms to the data with round ticks instead of a fixed 4-hour window.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { PASSWORDS, startGateway, type RunningGateway } from '../../helpers/gateway.js';
import { api, TOKENS } from '../../helpers/http.js';
import { bootPayload, rpcCharger } from '../../helpers/rpc-charger.js';
import { ARTIFACTS, buildDashboard, launchBrowser } from '../../helpers/web.js';

t.setTimeout(240_000);
const webRoot = buildDashboard(t);
const browser = await launchBrowser(t);

const MINUTE = 60_000;
/** The site's clock: 40 minutes of charging at 10 A per phase from 10:00. */
const T0 = Date.parse('2026-12-03T10:00:00.000Z');

/** A first run: CP1 charges at 10 A on each phase while the sampler takes a sample every 15 s for 40 minutes. */
async function firstRun(t: Test, clock: { ms: number }): Promise<RunningGateway> {
  clock.ms = T0 - MINUTE; // the sample taken at start: before the car
  const gw = await startGateway(t, { now: () => new Date(clock.ms), webRoot });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date(T0).toISOString() });
  await cp.call('MeterValues', {
    connectorId: 1,
    transactionId,
    meterValue: [{ timestamp: new Date(T0).toISOString(), sampledValue: ['L1', 'L2', 'L3'].map((phase) => ({ measurand: 'Current.Import', phase, value: '10', unit: 'A' })) }],
  });
  for (clock.ms = T0; clock.ms <= T0 + 40 * MINUTE; clock.ms += 15_000) gw.app.http.sampleLoad();
  await gw.stop();
  return gw;
}

t.test('the history is kept across a restart and served per range', async (t) => {
  const clock = { ms: T0 };
  const first = await firstRun(t, clock);
  clock.ms = T0 + 45 * MINUTE;
  const gw = await startGateway(t, { dir: first.dir, now: () => new Date(clock.ms) });

  const h4 = (await api(gw.httpUrl, '/api/site/history', { token: TOKENS.read })).json;
  t.match(h4, { range: '4h', windowS: 4 * 3600 });
  const charging = h4.samples.filter((s: { chargersA: number[] }) => s.chargersA[0] === 10);
  t.equal(charging.length, 41, 'the 41 minutes charged, one 1-minute mean each, from the last run');
  t.same(charging[0], { at: new Date(T0).toISOString(), chargersA: [10, 10, 10], limitA: null });
  t.same(h4.samples.at(-1), { at: new Date(clock.ms).toISOString(), chargersA: [0, 0, 0], limitA: null }, 'then this run\'s own 15 s sample (nothing charges now)');

  const d1 = (await api(gw.httpUrl, '/api/site/history?range=1d', { token: TOKENS.read })).json;
  t.match(d1, { range: '1d', intervalS: 60, windowS: 86_400 });
  t.equal(d1.samples.length, 43, 'the minutes of the last run (09:59 to 10:40) and the one this run started in');
  const d7 = (await api(gw.httpUrl, '/api/site/history?range=7d', { token: TOKENS.read })).json;
  t.match(d7, { range: '7d', intervalS: 900, windowS: 7 * 86_400 });
  t.same(d7.samples.map((s: { at: string }) => s.at), [-15, 0, 15, 30, 45].map((m) => new Date(T0 + m * MINUTE).toISOString()), 'quarter hours');
  t.same(d7.samples.map((s: { chargersA: number[] }) => s.chargersA[0]), [0, 10, 10, 10, 0], 'each the mean of its samples');
  t.match(await api(gw.httpUrl, '/api/site/history?range=1y', { token: TOKENS.read }), { status: 400 });

  // A week later the minutes are gone and the quarter hours still there; after two weeks nothing is.
  clock.ms = T0 + 2 * 86_400_000;
  gw.app.http.sampleLoad();
  await new Promise((r) => setImmediate(r));
  const later = (await api(gw.httpUrl, '/api/site/history?range=1d', { token: TOKENS.read })).json;
  t.equal(later.samples.filter((s: { chargersA: number[] }) => s.chargersA[0]! > 0).length, 0, 'minutes older than a day pruned');
  t.equal(gw.app.store.loadHistory.list(900, 0).filter((s) => s.chargersA[0] > 0).length, 3, 'the quarter hours kept for a week');
});

t.test('after a restart the chart shows the stored history, zoomed to it, with round ticks', async (t) => {
  const clock = { ms: T0 };
  const first = await firstRun(t, clock);
  clock.ms = T0 + 41 * MINUTE;
  const gw = await startGateway(t, { dir: first.dir, now: () => new Date(clock.ms), webRoot });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(e.message));
  await page.goto(gw.httpUrl);
  const l1 = page.locator('#load-chart path.load.l1');
  await l1.waitFor();
  const xs = ((await l1.getAttribute('d')) ?? '').match(/[ML][\d.]+/g)!.map((p) => Number(p.slice(1)));
  const width = Number((await page.locator('#load-chart').getAttribute('viewBox'))!.split(' ')[2]);
  t.ok(Math.min(...xs) < 60, `the line starts at the left edge (x ${Math.min(...xs)})`);
  t.ok(Math.max(...xs) > width - 20, `and ends at the right (x ${Math.max(...xs)} of ${width})`);

  const ticks = await page.locator('#load-chart text.time').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-t'))));
  t.ok(ticks.length >= 3 && ticks.length <= 7, `${ticks.length} time ticks`);
  const step = ticks[1]! - ticks[0]!;
  t.ok([5, 10, 15].includes(step / MINUTE), `a round step (${step / MINUTE} min)`);
  t.ok(ticks.every((x) => x % step === 0), 'on round times');
  const amps = await page.locator('#load-chart text.axis:not(.time)').allTextContents();
  t.same(amps, ['0 A', '5 A', '10 A', '15 A'], 'amps in round steps');

  // A week: the quarter-hour means.
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/site/history?range=7d'));
  await page.click('#load-range button[data-range="7d"]');
  const week = (await (await answer).json()) as { samples: unknown[] };
  await page.locator('#load-range button[data-range="7d"][aria-pressed=true]').waitFor();
  const points = ((await l1.getAttribute('d')) ?? '').match(/[ML]/g)!.length;
  t.ok(week.samples.length === 4 && points >= 4 && points <= 5, `the week's ${week.samples.length} quarter hours drawn (${points} points, a live sample may have come)`);

  // The card: the charger's badge rolled up from its connectors; 0 W once its session ended.
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  await cp.call('StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError' });
  await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
  await page.locator('#charger-CP1 header .badge', { hasText: 'Charging' }).waitFor();
  const running = gw.app.store.sessions.list({ state: 'active' })[0]!;
  t.equal(await page.locator('#charger-CP1 [data-connector="1"] .power').textContent(), '–', 'a session runs and nothing reported since the restart: unknown');
  await cp.call('StopTransaction', { transactionId: running.transactionId, meterStop: 5000, timestamp: new Date(clock.ms).toISOString() });
  await page.locator('#charger-CP1 [data-connector="1"] .power', { hasText: '0.0 kW' }).waitFor();
  t.pass('its session ended: 0 W, not a dash');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-history.png'), fullPage: true });
  t.same(failures, []);
});
