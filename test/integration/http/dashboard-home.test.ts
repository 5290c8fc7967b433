/**
 * The home view in a real headless Chromium, at a desktop's and a phone's size, against a real
 * gateway and a charger that follows its profiles (test/helpers/physical-charger.ts): the big
 * numbers, the plain-language status, the current slider and the charge-mode buttons reach the
 * charger, and a login made once holds for every page of the browser until Sign out.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { eventually, PASSWORDS, startGateway } from '../../helpers/gateway.js';
import { api, TOKENS } from '../../helpers/http.js';
import { physicalCharger } from '../../helpers/physical-charger.js';
import { ARTIFACTS, buildDashboard, launchBrowser } from '../../helpers/web.js';

t.setTimeout(240_000);
const webRoot = buildDashboard(t);
const browser = await launchBrowser(t);
mkdirSync(ARTIFACTS, { recursive: true });

const SIZES = [
  { name: 'desktop', viewport: { width: 1280, height: 900 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
] as const;

/** Fails with what sticks out when the page is wider than the screen (a phone would zoom out). */
async function assertFits(t: Test, page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })');
  t.ok(scrollWidth <= innerWidth, `${what}: no horizontal scroll (${scrollWidth} <= ${innerWidth})`);
}

t.test('the home view: power, today, plain words, and the slider reaches the charger (desktop and phone)', async (t) => {
  const gw = await startGateway(t, { webRoot, patch: (c) => void (c.tariff = { currency: 'EUR', price: 0.3 }) });
  const cp1 = await physicalCharger(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16, meterIntervalMs: 200 });
  cp1.plugIn(1, { maxCurrentA: 16, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');

  for (const size of SIZES) {
    const page = await browser.newPage({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.isMobile });
    const failures: string[] = [];
    page.on('pageerror', (e) => failures.push(e.message));
    await page.goto(gw.httpUrl);
    const home = page.locator('#home-CP1');
    await home.locator('[data-role=plain-status]', { hasText: /^Charging at ≈11\.0 kW$/ }).waitFor();
    // The test charger reports currents only: 3 × 16 A at 230 V, marked as an estimate.
    await page.locator('#home-power', { hasText: /^≈11\.0 kW$/ }).waitFor();
    await page.locator('#home-energy', { hasText: /kWh$/ }).waitFor();
    await page.locator('#home-cost', { hasText: /EUR$/ }).waitFor();
    t.notMatch(await page.locator('#home').textContent(), /Charging\b(?! at)|EVDisconnected|idTag|SuspendedEV/, `${size.name}: no OCPP words in the home view`);
    for (const sel of ['#home-power', '#home-energy', '#home-cost', '#home-CP1 [data-role=cap-slider]', '#home-CP1 [data-role=no-cap]']) {
      t.ok(await page.locator(sel).isVisible(), `${size.name}: ${sel} visible`);
    }
    await assertFits(t, page, size.name);
    if (size.isMobile) {
      const box = await page.locator('#home-CP1 [data-role=no-cap]').boundingBox();
      t.ok(box && box.height >= 44, `phone: the No cap button is touch-sized (${box?.height} px)`);
      const sessions = page.locator('table.sessions tr[data-transaction]').first();
      await sessions.waitFor();
      await assertFits(t, page, 'phone, with a session in the list');
    }
    await page.screenshot({ path: join(ARTIFACTS, `dashboard-home-${size.name}.png`), fullPage: true });
    t.same(failures, [], `${size.name}: no script errors`);
    if (size.name === 'phone') {
      // The slider with a finger's keys: Home is its 6 A end, then four steps up.
      const slider = page.locator('#home-CP1 [data-role=cap-slider]');
      await slider.focus();
      await page.keyboard.press('Home');
      for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
      await eventually(() => cp1.currentA(1) === 10, 'the car charges at the 10 A the slider set');
      const maxProfiles = cp1.profiles().filter((p) => p.profile.chargingProfilePurpose === 'ChargePointMaxProfile');
      t.equal(maxProfiles.at(-1)?.profile.chargingSchedule.chargingSchedulePeriod[0]?.limit, 10, 'a ChargePointMaxProfile of 10 A on the charger');
      await page.locator('#home-CP1 [data-role=cap-value]', { hasText: '10 A' }).waitFor();
      await page.locator('#home-CP1 [data-role=no-cap]').tap();
      await page.locator('#home-CP1 [data-role=cap-value]', { hasText: 'no cap' }).waitFor();
      await eventually(() => cp1.currentA(1) === 16, 'no cap: the car takes its 16 A again');
      t.same((await api(gw.httpUrl, '/api/chargers/CP1/charging-profiles')).json.caps, [], 'no cap kept');
    }
    await page.close();
  }
});

t.test('the mode buttons set the charge mode the charger follows', async (t) => {
  const gw = await startGateway(t, {
    webRoot,
    patch: (c) => {
      c.site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2, responseTime: 0.2 } };
    },
  });
  const cp1 = await physicalCharger(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16, meterIntervalMs: 200 });
  cp1.plugIn(1, { maxCurrentA: 16, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  await eventually(() => cp1.currentA(1) === 16, 'mode now: the car charges at 16 A');

  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(gw.httpUrl);
  const modes = page.locator('#home-CP1 [data-connector="1"] [data-role=modes]');
  await modes.locator('[data-mode=now][aria-pressed=true]').waitFor();
  t.same(await modes.locator('button').allTextContents(), ['Off', 'Now', 'Min+Solar', 'Solar']);
  const box = await modes.locator('[data-mode=off]').boundingBox();
  t.ok(box && box.height >= 44, `touch-sized mode buttons (${box?.height} px)`);
  await modes.locator('[data-mode=off]').tap();
  await modes.locator('[data-mode=off][aria-pressed=true]').waitFor();
  const listed = (await api(gw.httpUrl, '/api/site/modes')).json.connectors.find((m: any) => m.chargerId === 'CP1' && m.connectorId === 1);
  t.equal(listed?.mode, 'off', 'the API has the mode');
  await eventually(() => cp1.currentA(1) === 0, 'off: the car stops drawing');
  await page.locator('#home-CP1 [data-role=plain-status]', { hasText: /^Car plugged in/ }).waitFor();
  await assertFits(t, page, 'phone with the mode buttons');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-home-modes-phone.png'), fullPage: true });
  await modes.locator('[data-mode=now]').tap();
  await eventually(() => cp1.currentA(1) === 16, 'now again: 16 A');
  await page.close();
});

t.test('a login is remembered: a new page of the browser is signed in, Sign out ends it', async (t) => {
  const gw = await startGateway(t, { webRoot, patch: (c) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read }) });
  await physicalCharger(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16 });
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const first = await context.newPage();
  const failures: string[] = [];
  first.on('pageerror', (e) => failures.push(e.message));
  first.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
  await first.goto(gw.httpUrl);
  await first.fill('#token', 'not-the-token-at-all');
  await first.click('#login-form button');
  await first.locator('#login-error', { hasText: 'refused' }).waitFor();
  t.same(await context.cookies(), [], 'a wrong token: no cookie');

  await first.fill('#token', TOKENS.full);
  await first.click('#login-form button');
  await first.locator('#home-CP1 [data-role=plain-status]', { hasText: 'Ready' }).waitFor();
  const [cookie] = await context.cookies();
  t.match(cookie, { name: 'chargegate_login', httpOnly: true, sameSite: 'Strict', path: '/' });
  t.not(cookie?.value, TOKENS.full, 'the cookie holds a secret, not the token');
  t.equal(await first.evaluate<string>('document.cookie'), '', 'the page\'s scripts cannot read it');
  t.same(failures, [], 'signing in aborted nothing, no script errors');

  const second = await context.newPage();
  await second.goto(gw.httpUrl);
  await second.locator('#home-CP1 [data-role=cap-slider]').waitFor();
  t.ok(await second.locator('#login').isHidden(), 'a new page is signed in without pasting the token');
  await second.locator('#live', { hasText: 'live' }).waitFor();

  await second.click('#logout');
  await second.locator('#login-form').waitFor();
  const replay = await fetch(`${gw.httpUrl}/api/chargers`, { headers: { cookie: `chargegate_login=${cookie!.value}` } });
  t.equal(replay.status, 401, 'after Sign out the old cookie opens nothing');
  await first.reload();
  await first.locator('#login-form').waitFor();
  t.pass('the other page is signed out too');
});

t.test('a charging plan from the home view: set in words, seen by a read login, cleared (phone)', async (t) => {
  const gw = await startGateway(t, {
    webRoot,
    patch: (c) => {
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
      c.tariff = { currency: 'EUR', price: 0.3, timeZone: 'UTC' };
    },
  });
  await physicalCharger(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16 });
  const signedIn = async (token: string) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, timezoneId: 'UTC' });
    t.teardown(() => context.close());
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (e) => failures.push(e.message));
    await page.goto(gw.httpUrl);
    await page.fill('#token', token);
    await page.click('#login-form button');
    return { page, failures };
  };
  const { page, failures } = await signedIn(TOKENS.full);
  const plan = page.locator('#home-CP1 [data-connector="1"] [data-role=plan]');
  await plan.locator('[data-role=plan-words]', { hasText: 'No charging plan' }).waitFor();
  t.ok(await plan.locator('[data-role=plan-clear]').isHidden(), 'no plan: nothing to clear');

  // Twelve hours from now (UTC, the tariff's zone and the browser's): always reachable at 11 kW.
  const by = new Date(Date.now() + 12 * 3_600_000).toISOString().slice(11, 16);
  await plan.locator('[data-role=plan-energy]').fill('20');
  await plan.locator('[data-role=plan-by]').fill(by);
  await plan.locator('[data-role=plan-set]').tap();
  await eventually(async () => (await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.read })).json?.energyKWh === 20, 'the API has the plan');
  const stored = (await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.read })).json;
  t.equal(stored.by.slice(11, 16), by, 'by the time set on the page');
  // 20 kWh at 0.30 EUR: 6.00 EUR, in whichever slots the (flat) tariff leaves to the planner.
  const words = plan.locator('[data-role=plan-words]', { hasText: new RegExp(`^Plan: 20 kWh by ${by} — (charging \\d\\d:\\d\\d–\\d\\d:\\d\\d.*|waiting), ≈ 6\\.00 EUR$`) });
  await words.waitFor();
  t.ok(await plan.locator('[data-role=plan-clear]').isVisible(), 'a plan: Clear plan is offered');
  await assertFits(t, page, 'phone with the plan form');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-home-plan-phone.png'), fullPage: true });

  const reader = await signedIn(TOKENS.read);
  const seen = reader.page.locator('#home-CP1 [data-connector="1"] [data-role=plan]');
  await seen.locator('[data-role=plan-words]', { hasText: `Plan: 20 kWh by ${by}` }).waitFor();
  t.equal(await seen.locator('[data-role=plan-form]').count(), 0, 'a read login sees the plan, no controls');

  // Changed elsewhere (Home Assistant, a script): the open pages show it from the live feed, as it
  // happens, with no reload.
  const changed = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.full, method: 'PUT', body: { energyKWh: 10, by: stored.by } });
  t.equal(changed.status, 200, changed.text);
  await seen.locator('[data-role=plan-words]', { hasText: `Plan: 10 kWh by ${by}` }).waitFor();
  await plan.locator('[data-role=plan-words]', { hasText: `Plan: 10 kWh by ${by}` }).waitFor();
  t.pass('a plan set over the API reaches both open pages');

  await plan.locator('[data-role=plan-clear]').tap();
  await plan.locator('[data-role=plan-words]', { hasText: 'No charging plan' }).waitFor();
  t.equal((await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.read })).json, null, 'cleared in the API');
  await seen.locator('[data-role=plan-words]', { hasText: 'No charging plan' }).waitFor();
  t.pass('the read login saw the plan cleared on the other page');
  t.same([...failures, ...reader.failures], [], 'no script errors');
});
