/**
 * Security profile 2 towards a 2.0.1 CSMS (#17; 2.0.1 Part 2 A00 "TLS with Basic
 * Authentication"): wss:// with the CSMS's certificate verified against upstream.ca, and the
 * station's password in Basic auth. With the right password the station boots; with a wrong one
 * the CSMS refuses the upgrade (401) and receives nothing. Aggregate (the site's password,
 * upstream.password) and transparent (each charger's, chargers.list[].upstream.password).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { issue, makeCa, type TestCa } from '../helpers/certs.js';
import { startCloud201, type TestCloud201 } from '../helpers/cloud201.js';
import { capturingLogger, eventually, startGateway } from '../helpers/gateway.js';

const link = { ocpp: '2.0.1', answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };

async function wssCloud(t: Test): Promise<{ cloud: TestCloud201; ca: TestCa; dir: string }> {
  const dir = t.testdir();
  const ca = makeCa(dir, 'cloud-ca');
  const server = issue(dir, ca, 'cloud', '127.0.0.1', { server: true });
  const cloud = await startCloud201(0, { key: server.key, cert: server.cert });
  t.teardown(() => cloud.close());
  t.match(cloud.url, /^wss:\/\//);
  return { cloud, ca, dir };
}

/** The gateway's log line that says the CSMS refused the upgrade (HTTP 401). */
async function refusedWith401(t: Test, log: ReturnType<typeof capturingLogger>) {
  const refusal = () => log.entries().find((e) => e.msg === 'cannot reach the cloud CSMS' && /401/.test(String(e.err ?? e.error)));
  await eventually(() => refusal() !== undefined, 'a log line saying the CSMS refused the password');
  t.pass('refused: 401 in the log');
}

for (const mode of ['aggregate', 'transparent'] as const) {
  t.test(`${mode}: wss:// with Basic auth to the 2.0.1 CSMS; a wrong password is refused`, async (t) => {
    const { cloud, ca, dir } = await wssCloud(t);
    const identity = mode === 'aggregate' ? 'SITE-GW-1' : 'CP1';
    cloud.passwords.set(identity, 'right-password-01');
    const patch = (password: string) => (c: any) => {
      const upstream = { mode, url: cloud.url, ca: `\${file:${ca.certFile}}`, ...link };
      if (mode === 'aggregate') c.upstream = { ...upstream, identity, password };
      else {
        c.chargers.list = [c.chargers.list[0]];
        c.chargers.list[0].upstream = { password };
        c.upstream = upstream;
      }
    };
    const bootedBefore = mode === 'transparent' ? ['CP1'] : [];

    t.test('the right password: connected and booted', async (t) => {
      mkdirSync(join(dir, 'right'));
      const gw = await startGateway(t, { dir: join(dir, 'right'), bootedBefore, patch: patch('right-password-01') });
      await cloud.waitFor((c) => c.identity === identity && c.action === 'BootNotification', 'the boot over wss with the password', 20_000);
      await eventually(() => gw.app.upstream!.online(), 'the link up');
      t.same(cloud.validationFailures, []);
    });

    t.test('a wrong password: refused by the CSMS, nothing sent', async (t) => {
      mkdirSync(join(dir, 'wrong'));
      const before = cloud.calls.length;
      const log = capturingLogger('debug');
      const gw = await startGateway(t, { dir: join(dir, 'wrong'), bootedBefore, logger: log.logger, patch: patch('wrong-password-01') });
      await refusedWith401(t, log);
      t.equal(gw.app.upstream!.online(), false, 'not online');
      t.equal(cloud.calls.length, before, 'the CSMS received nothing from this gateway');
    });
  });
}
