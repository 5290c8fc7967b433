/**
 * The dashboard's cloud panel with a mirror: each upstream on its own row, live (a headless
 * Chromium against a real gateway and two strict ocpp-rpc clouds).
 */
import t from 'tap';
import { startCloud } from '../../helpers/cloud.js';
import { eventually, startGateway } from '../../helpers/gateway.js';
import { buildDashboard, launchBrowser } from '../../helpers/web.js';

// A browser and a build take a while on a busy 2-core machine: more than tap's default minute.
t.setTimeout(240_000);
const webRoot = buildDashboard(t);
const browser = await launchBrowser(t);

t.test('the upstream panel lists the primary and the mirror side by side, and follows the mirror going down', async (t) => {
  const primary = await startCloud();
  const mirror = await startCloud(0, undefined, { firstTransactionId: 9001 });
  t.teardown(() => primary.close());
  t.teardown(() => mirror.close());
  const link = { callTimeout: 2, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
  const gw = await startGateway(t, {
    webRoot,
    patch: (c) => {
      c.upstream = { url: primary.url, identity: 'SITE-GW-1', ...link, mirrors: [{ name: 'supplier', url: mirror.url, identity: 'SUPPLIER-7', ...link, commands: ['GetConfiguration'] }] };
    },
  });
  await eventually(() => primary.clients.has('SITE-GW-1') && mirror.clients.has('SUPPLIER-7'), 'both clouds connected');
  const page = await browser.newPage();
  t.teardown(() => page.close());
  await page.goto(gw.httpUrl);
  const row = (name: string) => page.locator(`#upstream tr[data-upstream="${name}"]`);
  await row('primary').locator('text=online').waitFor();
  await row('supplier').locator('text=online').waitFor();
  t.match(await row('supplier').textContent(), /mirror \(may: GetConfiguration\)/);

  await mirror.down();
  await row('supplier').locator('text=offline').waitFor();
  t.match(await row('supplier').textContent(), /connection closed|cannot reach/, 'why it is down');
  t.match(await row('primary').textContent(), /online/, 'the primary unaffected');
});
