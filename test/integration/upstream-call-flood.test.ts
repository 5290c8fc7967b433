/**
 * The cloud CSMS floods chargegate with calls: a CSMS in a loop, a script run against the wrong
 * site, a stolen account. A charger's calls pass an inbound gate (issue 13); the cloud's did
 * not: every frame was handled as it came, and 50,000 cheap calls (GetLocalListVersion, answered
 * by chargegate itself) held the event loop for seconds, a charger's Heartbeat waiting 3 s for
 * its answer, the balancer's timers with it (measured on this box with the probe this test
 * grew from).
 *
 * Now the cloud's calls pass the same gate, with limits of their own (upstream.maxCallsInFlight,
 * callRate, callBurst): beyond the rate they wait their turn, none is refused, and while too many
 * wait the cloud's socket is not read, so TCP holds the flood back in the cloud.
 *
 * Real parts: the gateway, the test cloud on ocpp-rpc sending raw frames, a raw OCPP charger.
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger } from '../helpers/raw.js';

const SITE = 'SITE-GW-1';
const FLOOD = 3000;
const RATE = 1000;
const BURST = 100;

t.test(`${FLOOD} calls from the cloud at once: each answered, at no more than upstream.callRate, the cloud's socket paused meanwhile, a charger answered at once`, async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const log = capturingLogger('info');
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => {
      c.authorization.mode = 'accept-all';
      c.upstream = { url: cloud.url, identity: SITE, callRate: RATE, callBurst: BURST, maxCallsInFlight: 50, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link to be up');
  const cp1 = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await cp1.call('b', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });

  const client = cloud.clients.get(SITE)!;
  const answered = new Map<string, unknown>();
  let firstAt = 0;
  let lastAt = 0;
  client.on('message', (m: { message: string; outbound: boolean }) => {
    if (m.outbound) return;
    const frame = JSON.parse(String(m.message)) as unknown[];
    if (typeof frame[1] !== 'string' || !frame[1].startsWith('flood-')) return;
    answered.set(frame[1], frame);
    lastAt = Date.now();
    firstAt ||= lastAt;
  });
  for (let i = 0; i < FLOOD; i++) client.sendRaw(JSON.stringify([2, `flood-${i}`, 'GetLocalListVersion', {}]));

  // A charger is answered while the flood still waits its turn.
  await cp1.call('hb', 'Heartbeat', {});
  t.ok(answered.size < FLOOD, `a charger's Heartbeat answered with ${answered.size} of the ${FLOOD} cloud calls answered`);

  await eventually(() => answered.size === FLOOD, 'every call of the flood answered', 120_000);
  const results = [...answered.values()] as [number, string, { listVersion?: unknown }][];
  t.ok(results.every((f) => f[0] === 3 && typeof f[2].listVersion === 'number'), 'each answered with its CALLRESULT: none refused');
  // The token bucket: BURST at once, then RATE a second. A slower box only takes longer.
  const minMs = ((FLOOD - BURST) / RATE) * 1000;
  t.ok(lastAt - firstAt >= minMs * 0.9, `answered over ${lastAt - firstAt} ms, no faster than ${RATE} a second (at least ${minMs} ms)`);
  t.ok(
    log.entries().some((e) => e.level === 40 && /the central system sends calls faster than they are handled: reading paused/.test(String(e.msg))),
    "the cloud's socket was paused while the flood waited (a warning in the log)",
  );
});

t.test("a silent charger does not hold up the cloud's other calls: 150 UnlockConnector it never answers, then the cloud's next call is answered at once", async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    patch: (c) => {
      c.authorization.mode = 'accept-all';
      // Long enough that an answer before it proves nothing waited for the silent charger.
      c.ocpp.callTimeout = 120;
      c.upstream = { url: cloud.url, identity: SITE, connectors: [{ charger: 'CP2', connector: 1, virtual: 1 }], reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link to be up');
  // CP2 boots and then answers nothing chargegate asks of it.
  const cp2 = await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2 });
  await cp2.call('b', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });

  const client = cloud.clients.get(SITE)!;
  const answers = new Map<string, unknown[]>();
  client.on('message', (m: { message: string; outbound: boolean }) => {
    if (m.outbound) return;
    const frame = JSON.parse(String(m.message)) as unknown[];
    if (typeof frame[1] === 'string') answers.set(frame[1], frame);
  });
  const UNLOCKS = 150;
  for (let i = 0; i < UNLOCKS; i++) client.sendRaw(JSON.stringify([2, `unlock-${i}`, 'UnlockConnector', { connectorId: 1 }]));
  // One outstanding and 100 queued for CP2; the rest refused at once (the charger's queue, commands.md).
  const refused = (i: number) => answers.get(`unlock-${i}`)?.[0] === 4;
  await eventually(() => Array.from({ length: UNLOCKS }, (_, i) => i).filter(refused).length === UNLOCKS - 101, `${UNLOCKS - 101} unlocks refused beyond CP2's queue`, 30_000);

  client.sendRaw(JSON.stringify([2, 'list-version', 'GetLocalListVersion', {}]));
  await eventually(() => answers.has('list-version'), "the cloud's next call answered", 30_000);
  t.equal(answers.get('list-version')![0], 3, 'answered with its CALLRESULT');
  const waiting = Array.from({ length: UNLOCKS }, (_, i) => `unlock-${i}`).filter((id) => !answers.has(id)).length;
  t.equal(waiting, 101, "answered while CP2's 101 unlocks still wait for it");
});
