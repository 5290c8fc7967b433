/**
 * The dashboard's session list shows what each session cost, in a real headless Chromium: a
 * finished session when the page opens, and one that ends while it is open.
 */
import t from 'tap';
import { PASSWORDS, startGateway } from '../../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../../helpers/rpc-charger.js';
import { buildDashboard, launchBrowser } from '../../helpers/web.js';

t.setTimeout(240_000);
const webRoot = buildDashboard(t);
const browser = await launchBrowser(t);

t.test('the session list has a cost column', async (t) => {
  const gw = await startGateway(t, { webRoot, patch: (c) => void (c.tariff = { currency: 'EUR', price: 0.3 }) });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  const first = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2026-12-01T10:00:00Z' });
  await cp.call('StopTransaction', { transactionId: first.transactionId, meterStop: 10_000, timestamp: '2026-12-01T11:00:00Z' });

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(gw.httpUrl);
  await page.locator(`tr[data-transaction="${first.transactionId}"] td.cost`, { hasText: '3.00 EUR' }).waitFor();
  t.pass('a finished session: 10 kWh at 0.30');

  const second = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 10_000, timestamp: '2026-12-01T12:00:00Z' });
  await page.locator(`tr[data-transaction="${second.transactionId}"].active`).waitFor();
  await cp.call('StopTransaction', { transactionId: second.transactionId, meterStop: 15_000, timestamp: '2026-12-01T13:00:00Z' });
  await page.locator(`tr[data-transaction="${second.transactionId}"].completed td.cost`, { hasText: '1.50 EUR' }).waitFor();
  t.pass('a session that ends while the page is open gets its cost');
  await page.close();
});
