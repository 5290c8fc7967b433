/**
 * The charger page in a real headless Chromium, against a real gateway and an independent strict
 * charger (ocpp-rpc): its configuration read and edited in place (the charger receives the
 * ChangeConfiguration), an action button that reaches the charger, the status timeline with a
 * band per status change, a phone's width, and a read token's page without actions.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { PASSWORDS, startGateway, type RunningGateway } from '../../helpers/gateway.js';
import { api, TOKENS } from '../../helpers/http.js';
import { bootPayload, rpcCharger, type RpcClient } from '../../helpers/rpc-charger.js';
import { ARTIFACTS, buildDashboard, launchBrowser } from '../../helpers/web.js';

t.setTimeout(240_000);
const webRoot = buildDashboard(t);
const browser = await launchBrowser(t);

const KEYS = [
  { key: 'HeartbeatInterval', readonly: false, value: '300' },
  { key: 'NumberOfConnectors', readonly: true, value: '2' },
  { key: 'AuthorizationKey', readonly: false, value: '' },
  { key: 'ConnectionTimeOut', readonly: false, value: '60' },
  { key: 'LocalAuthorizeOffline', readonly: false, value: 'true' },
];

const STATUSES = [
  // Three and two days ago (sent late, as a charger does after being offline): the first was
  // over before the last 24 h, the second lasts into them.
  { connectorId: 0, status: 'Unavailable', errorCode: 'NoError', timestamp: new Date(Date.now() - 3 * 86_400_000).toISOString() },
  { connectorId: 0, status: 'Available', errorCode: 'NoError', timestamp: new Date(Date.now() - 2 * 86_400_000).toISOString() },
  { connectorId: 1, status: 'Available', errorCode: 'NoError' },
  { connectorId: 2, status: 'Available', errorCode: 'NoError' },
  { connectorId: 1, status: 'Preparing', errorCode: 'NoError' },
  { connectorId: 1, status: 'Charging', errorCode: 'NoError' },
  { connectorId: 2, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'E-42' },
];

/** A booted strict charger with two connectors that answers the page's commands and records them. */
async function charger(t: Test, gw: RunningGateway): Promise<{ cp: RpcClient; received: [string, any][]; next(action: string): Promise<any> }> {
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const received: [string, any][] = [];
  const waiting = new Map<string, (params: any) => void>();
  const record = (action: string, answer: (params: any) => unknown) =>
    cp.handle(action, ({ params }) => {
      received.push([action, params]);
      waiting.get(action)?.(params);
      return answer(params);
    });
  record('GetConfiguration', () => ({ configurationKey: KEYS }));
  const answers: Record<string, string> = { ConnectionTimeOut: 'RebootRequired', LocalAuthorizeOffline: 'Rejected' };
  record('ChangeConfiguration', (p) => ({ status: answers[p.key] ?? 'Accepted' }));
  record('Reset', () => ({ status: 'Accepted' }));
  record('TriggerMessage', () => ({ status: 'Accepted' }));
  await cp.call('BootNotification', bootPayload);
  for (const s of STATUSES) await cp.call('StatusNotification', s);
  return { cp, received, next: (action) => new Promise((resolve) => waiting.set(action, resolve)) };
}

/** Waits until the timeline has `n` status bands (no more). */
async function bandsShown(page: Page, n: number): Promise<number> {
  const bands = page.locator('#status-timeline rect.band[data-kind=status]');
  await bands.nth(n - 1).waitFor({ state: 'attached' });
  return bands.count();
}

function watchErrors(page: Page): string[] {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(e.message));
  page.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
  return failures;
}

t.test('the charger page: configuration read and changed, Soft reset, the status timeline', async (t) => {
  const gw = await startGateway(t, { webRoot });
  const { cp, received, next } = await charger(t, gw);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const failures = watchErrors(page);
  await page.goto(gw.httpUrl);
  await page.locator('#charger-CP1 [data-role=open]').click();
  await page.waitForURL(/#\/chargers\/CP1$/);

  // Who it is, and that it is online.
  const header = page.locator('#charger-header');
  await header.locator('[data-role=online]', { hasText: 'online' }).waitFor();
  t.equal(await header.locator('[data-role=vendor]').textContent(), 'TestVendor');
  t.equal(await header.locator('[data-role=firmware]').textContent(), '1.2.3');
  t.ok(await page.locator('#app').isHidden(), 'the overview is hidden');

  // The configuration, as the charger answered GetConfiguration.
  const heartbeat = page.locator('#config-body tr[data-key="HeartbeatInterval"]');
  await heartbeat.waitFor();
  t.same(await page.locator('#config-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))), ['AuthorizationKey', 'ConnectionTimeOut', 'HeartbeatInterval', 'LocalAuthorizeOffline', 'NumberOfConnectors'], 'every key, sorted');
  t.equal(await heartbeat.locator('input').inputValue(), '300');
  const readonly = page.locator('#config-body tr[data-key="NumberOfConnectors"]');
  t.equal(await readonly.locator('input').count(), 0, 'a read-only key has no input');
  t.match(await readonly.textContent(), /2.*read-only/);
  t.match(received.find(([a]) => a === 'GetConfiguration'), ['GetConfiguration', {}]);

  // Edit a value in place: the charger gets ChangeConfiguration with it, the page shows its answer.
  const changed = next('ChangeConfiguration');
  await heartbeat.locator('input').fill('120');
  await heartbeat.locator('button', { hasText: 'Save' }).click();
  t.same(await changed, { key: 'HeartbeatInterval', value: '120' }, 'the charger received the new value');
  await heartbeat.locator('[data-role=answer]', { hasText: 'Accepted' }).waitFor();

  const timeout = page.locator('#config-body tr[data-key="ConnectionTimeOut"]');
  await timeout.locator('input').fill('90');
  await timeout.locator('button').click();
  await timeout.locator('[data-role=answer]', { hasText: 'RebootRequired' }).waitFor();
  const offline = page.locator('#config-body tr[data-key="LocalAuthorizeOffline"]');
  await offline.locator('input').fill('false');
  await offline.locator('button').click();
  await offline.locator('[data-role=answer]', { hasText: 'Rejected' }).waitFor();
  t.equal(await offline.locator('[data-role=answer]').textContent(), 'Rejected', "the charger's refusal");

  // A key chargegate owns: chargegate answers for the charger and says why; nothing is sent.
  const authKey = page.locator('#config-body tr[data-key="AuthorizationKey"]');
  await authKey.locator('input').fill('0123456789abcdef0123');
  await authKey.locator('button').click();
  await authKey.locator('[data-role=answer]', { hasText: 'Rejected by chargegate' }).waitFor();
  t.match(await authKey.locator('[data-role=answer]').textContent(), /^Rejected by chargegate: .*chargers\.list\[\]\.password/, "chargegate's reason");
  t.ok(await authKey.locator('[data-role=answer].bad-text').isVisible(), 'in the warning colour');
  t.notOk(received.some(([a, p]) => a === 'ChangeConfiguration' && p.key === 'AuthorizationKey'), 'the charger never saw it');

  // An action button: asks first, reaches the charger, shows the answer.
  const reset = next('Reset');
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.accept();
  });
  await page.locator('#actions button', { hasText: 'Soft reset' }).click();
  t.same(await reset, { type: 'Soft' }, 'the charger received Reset Soft');
  await page.locator('#action-answer', { hasText: 'Soft reset: Accepted' }).waitFor();
  t.match(asked, [/Soft reset CP1\?/], 'it asked first');

  // Declined: nothing is sent.
  page.once('dialog', (d) => void d.dismiss());
  await page.locator('#actions button', { hasText: 'Hard reset' }).click();
  const triggered = next('TriggerMessage');
  await page.locator('#trigger-message').selectOption('Heartbeat');
  await page.locator('#actions button[data-action=TriggerMessage]').click();
  t.same(await triggered, { requestedMessage: 'Heartbeat' });
  await page.locator('#action-answer', { hasText: 'Trigger Heartbeat: Accepted' }).waitFor();
  t.equal(received.filter(([a]) => a === 'Reset').length, 1, 'the declined Hard reset was not sent');

  // The timeline: a band per status change (and one for the connect), the list below. It shows
  // the last 24 hours first: the status of three days ago, over since, is not drawn.
  const bands = page.locator('#status-timeline rect.band[data-kind=status]');
  t.equal(await bandsShown(page, STATUSES.length - 1), STATUSES.length - 1, 'a band per status change of the last 24 h');
  await page.locator('#history button[data-window=all]').click();
  t.equal(await bandsShown(page, STATUSES.length), STATUSES.length, 'all: a band per status change');
  t.same(await bands.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-connector')} ${e.getAttribute('data-status')}`).sort()), STATUSES.map((s) => `${s.connectorId} ${s.status}`).sort());
  t.equal(await page.locator('#status-timeline rect.band[data-kind=connected]').count(), 1, 'the connect');
  t.match(await page.locator('#status-timeline rect.band.s-bad.error title').textContent(), /#2 Faulted \(GroundFailure, RCD tripped, vendor E-42\)/, 'the fault, red, with its details');
  t.equal(await page.locator('#history-body tr').count(), STATUSES.length + 1, 'the list: every entry');
  t.match(await page.locator('#history-body tr').first().textContent(), /#2.*Faulted.*GroundFailure.*RCD tripped · vendor E-42/, 'newest first');

  // A new status arrives while the page is open: the timeline follows.
  await cp.call('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError' });
  t.equal(await bandsShown(page, STATUSES.length + 1), STATUSES.length + 1, 'the new status drawn');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'charger-page.png'), fullPage: true });
  await page.locator('#back').click();
  await page.locator('#charger-CP1').waitFor();
  t.ok(await page.locator('#charger-page').isHidden(), 'back to the overview');
  t.same(failures, [], 'no script errors, nothing failed to load');

  // On a phone: one column, nothing wider than the screen.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await phone.goto(`${gw.httpUrl}/#/chargers/CP1`);
  await phone.locator('#config-body tr[data-key="HeartbeatInterval"] input').waitFor();
  await phone.locator('#status-timeline rect.band').first().waitFor();
  t.equal(await phone.evaluate<number>('document.documentElement.scrollWidth'), 390, 'nothing wider than a phone screen');
  await phone.screenshot({ path: join(ARTIFACTS, 'charger-page-phone.png'), fullPage: true });
  await phone.close();
  await page.close();
});

t.test('a read token sees the page, its history and no enabled action', async (t) => {
  const gw = await startGateway(t, { webRoot, patch: (c) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read }) });
  const { received } = await charger(t, gw);
  const page = await browser.newPage();
  const failures = watchErrors(page);
  await page.goto(`${gw.httpUrl}/#/chargers/CP1`);
  await page.fill('#token', TOKENS.read);
  await page.click('#login-form button');
  await page.locator('#charger-header [data-role=online]', { hasText: 'online' }).waitFor();
  t.equal(await bandsShown(page, STATUSES.length - 1), STATUSES.length - 1, 'the timeline is drawn');
  const buttons = page.locator('#actions button');
  t.ok((await buttons.count()) >= 6, 'the buttons are there');
  t.same(await buttons.evaluateAll((els) => els.filter((b) => !b.hasAttribute('disabled')).map((b) => b.textContent)), [], 'none enabled');
  t.match(await page.locator('#actions-note').textContent(), /read-only/);
  t.ok(await page.locator('#config-read').isDisabled(), 'the configuration cannot be read');
  t.match(await page.locator('#config-note').textContent(), /needs the full token/);
  t.equal(received.filter(([a]) => a !== 'GetConfiguration').length, 0);
  t.equal(received.length, 0, 'nothing sent to the charger');
  // The API says the same to a read token that tries anyway.
  const tried = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/Reset', { token: TOKENS.read, body: { type: 'Soft' } });
  t.equal(tried.status, 403);
  t.same(failures, []);
});
