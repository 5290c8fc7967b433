/**
 * The dashboard in a real headless Chromium, against a real gateway with simulated chargers:
 * it shows them, follows a session live, and its Stop button stops the session.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { silentLogger } from '../../../src/log.js';
import { SimulatedCharger } from '../../../src/sim/charger.js';
import { PASSWORDS, startGateway, type RunningGateway } from '../../helpers/gateway.js';
import { TOKENS } from '../../helpers/http.js';
import { ARTIFACTS, buildDashboard, launchBrowser } from '../../helpers/web.js';
import { allocation, REFUSED } from './limits-fixture.js';

// A browser and a build take a while on a busy 2-core machine: more than tap's default minute.
t.setTimeout(240_000);
const webRoot = buildDashboard(t);
const browser = await launchBrowser(t);

function simCharger(t: Test, gw: RunningGateway, identity: keyof typeof PASSWORDS, connectors: number): Promise<SimulatedCharger> {
  const sim = new SimulatedCharger({ url: gw.url, identity, password: PASSWORDS[identity], connectors, phases: 3, maxCurrentA: 16, logger: silentLogger() });
  t.teardown(() => sim.stop());
  const booted = new Promise<SimulatedCharger>((resolve) => sim.once('booted', () => resolve(sim)));
  sim.start();
  return booted;
}

t.test('the page shows the chargers, follows a session and stops it with a button', async (t) => {
  const gw = await startGateway(t, { webRoot });
  // Hours of history as a running site would have, so the chart has something to show.
  const now = Date.now();
  for (let i = 240; i > 0; i--) {
    const a = 12 + 10 * Math.sin(i / 25);
    gw.app.http.history.push({ at: new Date(now - i * 60_000).toISOString(), chargersA: [a, a * 0.8, a * 0.6], limitA: 32 });
  }
  const cp1 = await simCharger(t, gw, 'CP1', 2);
  await simCharger(t, gw, 'CP2', 1);

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(e.message));
  page.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
  const transferred: number[] = [];
  page.on('response', async (r) => {
    if (!r.url().includes('/api/')) transferred.push(Number((await r.headerValue('content-length')) ?? 0));
  });
  await page.goto(gw.httpUrl);

  const card1 = page.locator('#charger-CP1');
  await card1.locator('text=Available').first().waitFor();
  await page.locator('#charger-CP2').waitFor();
  t.match(await page.locator('#charger-count').textContent(), '2 of 2 online');
  t.match(await card1.textContent(), /#1.*#2/s, 'both connectors of CP1');

  cp1.plugIn(1);
  const started = await cp1.startTransaction(1, 'TAG1');
  t.ok(started.accepted);
  await cp1.sendMeterValues(1);
  const connector1 = card1.locator('[data-connector="1"]');
  await connector1.locator('[data-role=session]', { hasText: 'TAG1' }).waitFor();
  await connector1.locator('[data-role=status]', { hasText: 'Charging' }).waitFor();
  // The meter values may reach the page a flush after the status.
  await connector1.locator('.power', { hasText: /\d+\.\d kW/ }).waitFor();
  t.pass('its power');
  const txId = started.accepted ? started.transactionId : -1;
  await page.locator(`tr[data-transaction="${txId}"].active`).waitFor();
  gw.app.http.sampleLoad();

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

  const stopped = new Promise((resolve) => cp1.once('transactionStopped', resolve));
  await connector1.locator('button', { hasText: 'Stop' }).click();
  await stopped;
  await page.locator('#notice', { hasText: 'charger answered Accepted to RemoteStopTransaction' }).waitFor();
  await page.locator(`tr[data-transaction="${txId}"].completed`).waitFor();
  await connector1.locator('button', { hasText: 'Start' }).waitFor();
  t.same(failures, [], 'no script errors, nothing failed to load');
  t.ok(transferred.reduce((a, b) => a + b, 0) < 500 * 1024, `first load under 500 KB (${transferred.reduce((a, b) => a + b, 0)} bytes)`);

  await page.close();
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await phone.goto(gw.httpUrl);
  await phone.locator('#charger-CP1').waitFor();
  // A mobile browser zooms out to fit a page that is too wide: the page must be the phone's width.
  t.equal(await phone.evaluate<number>('document.documentElement.scrollWidth'), 390, 'nothing wider than a phone screen');
  await phone.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
});

t.test('with a token: the page asks for it, stays signed in, and a read token gets no buttons', async (t) => {
  const gw = await startGateway(t, { webRoot, patch: (c) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read }) });
  await simCharger(t, gw, 'CP1', 1);
  const page = await browser.newPage();
  await page.goto(gw.httpUrl);
  await page.locator('#login-form').waitFor();
  await page.fill('#token', 'not-the-token-at-all');
  await page.click('#login-form button');
  await page.locator('#login-error', { hasText: 'refused' }).waitFor();

  await page.fill('#token', TOKENS.read);
  await page.click('#login-form button');
  await page.locator('#charger-CP1 [data-role=status]', { hasText: 'Available' }).waitFor();
  t.equal(await page.locator('#charger-CP1 button').count(), 0, 'no command buttons for the read token');
  await page.locator('#home-CP1 [data-role=plain-status]', { hasText: 'Ready' }).waitFor();
  t.equal(await page.locator('#home button, #home input').count(), 0, 'the home view: no mode buttons or slider for the read token');
  t.equal(await page.locator('#role').textContent(), 'read-only');
  t.equal(await page.evaluate<number>('sessionStorage.length + localStorage.length'), 0, 'the token is not kept in the page: the server\'s HttpOnly cookie signs it in');
  await page.reload();
  await page.locator('#charger-CP1').waitFor();
});

t.test('planned beside accepted, a sent limit marked, and an uncontrolled charger in the warning colour', async (t) => {
  const gw = await startGateway(t, { webRoot });
  await simCharger(t, gw, 'CP1', 1);
  await simCharger(t, gw, 'CP2', 1);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(e.message));
  await page.goto(gw.httpUrl);
  const cp1 = page.locator('#charger-CP1 [data-connector="1"]');
  const cp2 = page.locator('#charger-CP2');
  await cp1.locator('[data-role=status]', { hasText: 'Available' }).waitFor();
  t.equal(await cp1.locator('dd', { hasText: 'not balanced' }).count(), 1, 'no allocation yet: not balanced');
  t.equal(await cp2.locator('[data-role=control]').count(), 0, 'no alert before the balancer says so');

  // The balancer's event arrives through the live feed.
  gw.app.events.emit('allocation.changed', allocation());
  await cp1.locator('[data-role=limit]', { hasText: '16 A planned · 10 A accepted' }).waitFor();
  t.match(await cp1.locator('[data-role=in-flight]').textContent(), /→ 12 A sent/, 'the limit on its way, marked');
  t.match(await cp1.locator('[data-role=measured]').textContent(), /drawing 9\.8 A/);
  t.match(await cp1.locator('[data-role=reason]').textContent(), /fair-share \(fair share of the supply on L1\)/);
  const alert = cp2.locator('[data-role=control]');
  await alert.waitFor();
  t.match(await alert.textContent(), `uncontrolled: ${REFUSED}`);
  t.equal(await alert.evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor as string), 'rgb(180, 83, 9)', 'in the warning colour (--warn)');
  t.ok(await alert.isVisible(), 'visible');
  t.match(await cp2.locator('[data-connector="1"] [data-role=limit]').textContent(), /0 A planned · none accepted · drawing 12 A/, 'planned 0 A, yet drawing 12 A: the page says so');
  t.equal(await cp2.locator('[data-role=accepted].mismatch').count(), 1, 'nothing accepted: marked');
  await page.locator('#site-summary', { hasText: 'uncontrolled, counted at their maximum: CP2' }).waitFor();
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-limits.png'), fullPage: true });

  // The answer arrives and CP2 accepts: the marker and the alert go.
  gw.app.events.emit('allocation.changed', allocation({ cp1: { accepted: 12, inFlight: undefined }, cp2: { amps: 6, accepted: 6 }, cp2Controlled: true }));
  await cp1.locator('[data-role=limit]', { hasText: '16 A planned · 12 A accepted' }).waitFor();
  await alert.waitFor({ state: 'detached' });
  t.equal(await cp1.locator('[data-role=in-flight]').count(), 0, 'nothing in flight any more');
  await cp2.locator('[data-role=limit]', { hasText: '6 A planned · 6 A accepted' }).waitFor();
  t.equal(await cp2.locator('.mismatch').count(), 0, 'accepted what was planned: nothing marked');
  await page.locator('#site-summary', { hasNotText: 'uncontrolled' }).waitFor();

  // On a phone, the alert wraps rather than widen the page.
  gw.app.events.emit('allocation.changed', allocation());
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await phone.goto(gw.httpUrl);
  await phone.locator('#charger-CP2 [data-role=control]').waitFor();
  t.equal(await phone.evaluate<number>('document.documentElement.scrollWidth'), 390, 'nothing wider than a phone screen');
  await phone.close();
  await page.close();
  t.same(failures, [], 'no script errors');
});

t.test('a charger card shows its firmware and diagnostics status, one line each', async (t) => {
  const gw = await startGateway(t, { webRoot });
  await simCharger(t, gw, 'CP1', 1);
  const page = await browser.newPage();
  await page.goto(gw.httpUrl);
  const card = page.locator('#charger-CP1');
  await card.locator('[data-role=status]', { hasText: 'Available' }).waitFor();
  t.equal(await card.locator('[data-role=firmware]').count(), 0, 'nothing to say before an update');

  const put = await fetch(`${gw.httpUrl}/api/firmware/fw.bin`, { method: 'PUT', body: Buffer.from('firmware'), headers: { 'content-type': 'application/octet-stream' } });
  t.equal(put.status, 201);
  const sent = await fetch(`${gw.httpUrl}/api/chargers/CP1/ocpp/UpdateFirmware`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ location: 'store:fw.bin', retrieveDate: new Date().toISOString() }) });
  t.equal(sent.status, 200);
  // The simulator reports Downloading … Installed (1.6 §4.5); the card follows through the live feed.
  await card.locator('[data-role=firmware]', { hasText: 'firmware Installed' }).waitFor();
  await fetch(`${gw.httpUrl}/api/chargers/CP1/ocpp/GetDiagnostics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ location: 'store:keep' }) });
  await card.locator('[data-role=diagnostics]', { hasText: 'diagnostics Uploaded' }).waitFor();
  await page.close();
});
