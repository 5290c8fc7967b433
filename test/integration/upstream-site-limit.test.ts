/**
 * Aggregate mode with a load balancer: the cloud's ChargePointMaxProfile on connector 0 is the
 * site's limit, followed period by period (OCPP 1.6 §3.13.4), kept across a restart, and
 * cleared by ClearChargingProfile. A test cloud on ocpp-rpc (strict) sends it.
 */
import t, { type Test } from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { startCloud, type TestCloud } from '../helpers/cloud.js';
import { eventually, startGateway, type RunningGateway } from '../helpers/gateway.js';

const SITE = 'SITE-GW-1';

async function gateway(t: Test, cloud: TestCloud, dir?: string): Promise<RunningGateway> {
  const gw = await startGateway(t, {
    ...(dir ? { dir } : {}),
    patch: (c) => {
      c.site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
      c.upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', callTimeout: 2, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link to be up');
  return gw;
}

async function setup(t: Test) {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set(SITE, 'site-secret-01');
  return { cloud, gw: await gateway(t, cloud) };
}

const siteLimit = (gw: RunningGateway) => gw.app.balancer!.allocation()?.siteLimit;
const isLimit = (gw: RunningGateway, amps: number, source: string) => () => siteLimit(gw)?.amps === amps && siteLimit(gw)?.source === source;

function cpmax(id: number, schedule: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    connectorId: 0,
    csChargingProfiles: { chargingProfileId: id, stackLevel: 0, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', ...schedule }, ...extra },
  };
}

t.test('the site limit follows the schedule: the next period when it starts, nothing after its duration', async (t) => {
  const { cloud, gw } = await setup(t);
  await eventually(isLimit(gw, 32, 'supply'), 'the fuse as the site limit');
  const seen: string[] = [];
  gw.app.events.on('allocation.changed', (a: AllocationChanged) => {
    const s = `${a.siteLimit.amps} ${a.siteLimit.source}`;
    if (seen.at(-1) !== s) seen.push(s);
  });
  // 20 A now, 10 A from 2 s, the schedule over at 4 s (startPeriod and duration are whole seconds).
  const answer = await cloud.clients.get(SITE)!.call('SetChargingProfile', cpmax(7, { startSchedule: new Date().toISOString(), duration: 4, chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }, { startPeriod: 2, limit: 10 }] }));
  t.same(answer, { status: 'Accepted' });
  await eventually(isLimit(gw, 20, 'cloud'), 'the first period in force');
  await eventually(isLimit(gw, 10, 'cloud'), 'the second period in force, on its own', 5000);
  await eventually(isLimit(gw, 32, 'supply'), 'the fuse again once the schedule is over', 5000);
  t.same(seen, ['20 cloud', '10 cloud', '32 supply'], 'one change per boundary, in order');
  t.same(cloud.validationFailures, []);
});

t.test('kept across a restart; a higher stackLevel wins; ClearChargingProfile by id, then by purpose', async (t) => {
  const { cloud, gw } = await setup(t);
  const call = (action: string, params: unknown) => cloud.clients.get(SITE)!.call(action, params);
  t.same(await call('SetChargingProfile', cpmax(1, { chargingSchedulePeriod: [{ startPeriod: 0, limit: 24 }] })), { status: 'Accepted' });
  await eventually(isLimit(gw, 24, 'cloud'), 'the standing cloud limit');
  // W, from the site's 230 V × 3 phases: 8 280 W is 12 A per phase.
  t.same(await call('SetChargingProfile', cpmax(2, { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8280 }] }, { stackLevel: 3 })), { status: 'Accepted' });
  await eventually(isLimit(gw, 12, 'cloud'), 'stackLevel 3 over stackLevel 0');
  t.same(await call('SetChargingProfile', cpmax(3, { chargingSchedulePeriod: [{ startPeriod: 0, limit: -5 }] }, { stackLevel: 4 })), { status: 'Rejected' }, 'a negative limit is refused');

  await gw.stop();
  const again = await gateway(t, cloud, gw.dir);
  await eventually(isLimit(again, 12, 'cloud'), 'the cloud limit back after the restart, before the cloud says anything');

  t.same(await call('ClearChargingProfile', { id: 2 }), { status: 'Accepted' });
  await eventually(isLimit(again, 24, 'cloud'), 'stackLevel 0 again');
  t.same(await call('ClearChargingProfile', { connectorId: 0, chargingProfilePurpose: 'ChargePointMaxProfile' }), { status: 'Accepted' });
  await eventually(isLimit(again, 32, 'supply'), 'no cloud limit');
  t.same(await call('ClearChargingProfile', { id: 1 }), { status: 'Unknown' }, 'gone');
  t.same(cloud.validationFailures, []);
});
