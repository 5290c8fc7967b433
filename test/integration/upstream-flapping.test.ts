/**
 * The cloud flapping every few seconds under 20 busy simulated chargers: afterwards the cloud's
 * record of sessions and energy equals the chargers' exactly. ~20 s by default;
 * UPSTREAM_SOAK_SECONDS=60 runs the full minute.
 */
import t from 'tap';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { startCloud } from '../helpers/cloud.js';
import { eventually, startGateway } from '../helpers/gateway.js';

const SECONDS = Number(process.env.UPSTREAM_SOAK_SECONDS ?? 20);
const CHARGERS = 20;
const ids = Array.from({ length: CHARGERS }, (_, i) => `SIM-${String(i + 1).padStart(3, '0')}`);
const PASSWORD = 'sim-password-01';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The flap schedule and the chargers' reconnect jitter come from this seed: FLAP_SEED=<n> replays them. */
const SEED = process.env.FLAP_SEED !== undefined ? Number(process.env.FLAP_SEED) : 20250601;
if (!Number.isSafeInteger(SEED)) throw new Error(`FLAP_SEED must be an integer, not ${JSON.stringify(process.env.FLAP_SEED)}`);

/** mulberry32: a small seeded PRNG (uniform in [0, 1)), plenty for a test's schedule. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// The seed is in the test's name, so a failure names it too.
t.test(`the cloud flapping for ${SECONDS} s under ${CHARGERS} busy chargers (FLAP_SEED=${SEED}): its record equals the chargers'`, async (t) => {
  t.comment(`FLAP_SEED=${SEED}: set it to replay this run's flap schedule`);
  const random = seeded(SEED);
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list = ids.map((id) => ({ id, password: PASSWORD }));
      c.upstream = { url: cloud.url, identity: 'SITE-GW-1', callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.5 } };
    },
  });
  const chargers = ids.map(
    (identity, i) =>
      new SimulatedCharger({
        url: gw.url,
        identity,
        password: PASSWORD,
        logger: silentLogger(),
        random: seeded(SEED + i + 1),
        autoMeterValues: true,
        configuration: { MeterValueSampleInterval: '0.3' },
        backoff: { initialMs: 50, maxMs: 500 },
      }),
  );
  const done: { connector: number; energyWh: number; identity: string }[] = [];
  for (const c of chargers) {
    c.on('transactionStopped', (e) => done.push({ identity: c.identity, connector: e.connector, energyWh: e.energyWh }));
    c.start();
  }
  t.teardown(() => Promise.all(chargers.map((c) => c.stop())));
  await eventually(() => chargers.every((c) => c.isBooted), 'the chargers to boot');

  let running = true;
  const drivers = chargers.map(async (c, i) => {
    while (running) {
      c.plugIn(1);
      await c.startTransaction(1, 'TAG1');
      await sleep(300 + ((i * 137) % 900));
      await c.unplug(1);
      await sleep(100);
    }
  });
  const flapping = (async () => {
    const until = Date.now() + SECONDS * 1000;
    while (Date.now() < until) {
      await sleep(1500 + random() * 1500);
      await cloud.down();
      await sleep(500 + random() * 1500);
      await cloud.up();
    }
  })();
  await flapping;
  running = false;
  await Promise.all(drivers);
  await Promise.all(chargers.map((c) => c.whenQueueEmpty()));
  await eventually(() => gw.app.upstream!.online() && gw.app.upstream!.outboxDepth() === 0, 'the outbox to drain', 30_000).catch((err: unknown) => {
    t.comment({ seed: SEED, online: gw.app.upstream!.online(), depth: gw.app.upstream!.outboxDepth(), rows: gw.app.store.upstream.outbox.count(), dead: gw.app.upstream!.deadLetters().length });
    throw err;
  });

  const virtual = new Map(ids.map((id, i) => [id, i + 1]));
  const chargersRecord = done.map((d) => `${virtual.get(d.identity)}:${d.energyWh}`).sort();
  const cloudRecord = [...cloud.sessions.values()].map((s) => `${s.connectorId}:${(s.meterStop ?? NaN) - s.meterStart}`).sort();
  t.ok(done.length >= CHARGERS * 2, `busy: ${done.length} sessions`);
  t.same(cloudRecord, chargersRecord, 'every session at the cloud, each with the energy the charger measured');
  const totalWh = (xs: string[]) => xs.reduce((sum, x) => sum + Number(x.split(':')[1]), 0);
  t.equal(totalWh(cloudRecord), totalWh(chargersRecord), 'the same energy in total');
  t.same(gw.app.upstream!.deadLetters(), [], 'nothing given up');
  t.same(cloud.validationFailures, [], 'everything passed ocpp-rpc\'s schema check');
});
