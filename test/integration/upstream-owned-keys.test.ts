/**
 * The cloud's ChangeConfiguration of keys chargegate owns (gateway/owned-keys.ts), and its
 * ClearCache: the cloud's AuthorizationKey is the link's password, never the charger's (which
 * would lock the charger out of chargegate); it is kept across a restart and never shown back
 * (write-only, security whitepaper §1.3). ClearCache reaches the chargers (1.6 §5.4).
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const fast = { reconnect: { initialDelay: 0.05, maxDelay: 0.2 }, answerTimeout: 1, callTimeout: 2 };
const NEW_KEY = '4F43415F4F4354545F61646D696E5F74657374';

t.test('transparent: the cloud\'s AuthorizationKey becomes the link\'s password, not the charger\'s; kept across a restart', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set('CP1', 'cloud-pw-cp1-old');
  const dir = t.testdir();
  const patch = (c: Record<string, any>) => {
    c.chargers.list[0].upstream = { password: 'cloud-pw-cp1-old' };
    c.site = undefined;
    c.upstream = { mode: 'transparent', url: cloud.url, ...fast };
  };
  const gw = await startGateway(t, { dir, patch, bootedBefore: ['CP1', 'CP2'] });
  await eventually(() => gw.app.upstream?.online() === true, 'the links up');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const changed: unknown[] = [];
  cp1.handle('ChangeConfiguration', ({ params }) => (changed.push(params), { status: 'Accepted' }));
  cp1.handle('GetConfiguration', () => ({ configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: 'the-charger-key' }, { key: 'HeartbeatInterval', readonly: false, value: '300' }] }));
  cp1.handle('ClearCache', () => ({ status: 'Accepted' }));
  await cp1.call('BootNotification', bootPayload);

  const link = cloud.clients.get('CP1')!;
  t.same(await link.call('GetConfiguration', {}), { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] }, 'AuthorizationKey is write-only: not shown');
  t.same(await link.call('ChangeConfiguration', { key: 'SecurityProfile', value: '3' }), { status: 'Rejected' }, 'the link\'s profile is chargegate\'s config');
  cloud.passwords.set('CP1', NEW_KEY);
  t.same(await link.call('ChangeConfiguration', { key: 'AuthorizationKey', value: NEW_KEY }), { status: 'Accepted' });
  await eventually(() => cloud.clients.get('CP1') !== undefined && cloud.clients.get('CP1') !== link && gw.app.upstream?.online() === true, 'the link to reconnect with the new key');
  t.same(await cloud.clients.get('CP1')!.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: '60' }), { status: 'Accepted' }, 'other keys still reach the charger');
  t.same(changed, [{ key: 'HeartbeatInterval', value: '60' }], 'the charger never got the AuthorizationKey');

  // ClearCache reaches the charger; the charger's answer is the answer.
  t.same(await cloud.clients.get('CP1')!.call('ClearCache', {}), { status: 'Accepted' });
  await gw.stop();

  // After a restart the cloud (which now wants only the new key) still lets the link in.
  const before = cloud.clients.get('CP1');
  const again = await startGateway(t, { dir, patch });
  await eventually(() => again.app.upstream?.online() === true && cloud.clients.get('CP1') !== before, 'the link up again, with the kept key');
  t.same(cloud.validationFailures, []);
});

t.test('aggregate: AuthorizationKey is the site link\'s; ClearCache goes to every charger', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set('SITE', 'site-secret-01');
  const gw = await startGateway(t, {
    patch: (c) => {
      c.upstream = { url: cloud.url, identity: 'SITE', password: 'site-secret-01', ...fast };
    },
  });
  await eventually(() => gw.app.upstream?.online() === true, 'the link up');
  const cleared: string[] = [];
  const changed: unknown[] = [];
  for (const id of ['CP1', 'CP2'] as const) {
    const cp = await rpcCharger(t, gw.url, id, PASSWORDS[id]);
    cp.handle('ClearCache', () => (cleared.push(id), { status: id === 'CP1' ? 'Accepted' : 'Rejected' }));
    cp.handle('ChangeConfiguration', ({ params }) => (changed.push(params), { status: 'Accepted' }));
    await cp.call('BootNotification', bootPayload);
  }
  const site = cloud.clients.get('SITE')!;
  t.same(await site.call('ClearCache', {}), { status: 'Accepted' }, 'chargegate\'s own cache was cleared');
  t.same(cleared.sort(), ['CP1', 'CP2'], 'every charger was told');
  t.same(await site.call('ChangeConfiguration', { key: 'CP1/AuthorizationKey', value: NEW_KEY }), { status: 'Rejected' }, 'a charger\'s key towards chargegate is chargegate\'s config');
  cloud.passwords.set('SITE', NEW_KEY);
  t.same(await site.call('ChangeConfiguration', { key: 'AuthorizationKey', value: NEW_KEY }), { status: 'Accepted' }, 'the site link\'s own key');
  await eventually(() => cloud.clients.get('SITE') !== undefined && cloud.clients.get('SITE') !== site && gw.app.upstream?.online() === true, 'the link to reconnect with the new key');
  t.same(changed, [], 'no charger got a key');
  t.same(cloud.validationFailures, []);
});

t.test('transparent with a load balancer: a meter interval that would blind it is Rejected, not sent', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1', 'CP2'],
    patch: (c) => {
      c.site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2, standingInterval: 0 } };
      c.upstream = { mode: 'transparent', url: cloud.url, ...fast };
    },
  });
  await eventually(() => gw.app.upstream?.online() === true, 'the links up');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const changed: unknown[] = [];
  cp1.handle('ChangeConfiguration', ({ params }) => (changed.push(params), { status: 'Accepted' }));
  cp1.handle('SetChargingProfile', () => ({ status: 'Accepted' }));
  await cp1.call('BootNotification', bootPayload);
  const link = cloud.clients.get('CP1')!;
  t.same(await link.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '0' }), { status: 'Rejected' });
  t.same(await link.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '900' }), { status: 'Rejected' }, 'longer than chargers.setup.meterValueSampleInterval');
  t.same(await link.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '30' }), { status: 'Accepted' });
  t.same(changed, [{ key: 'MeterValueSampleInterval', value: '30' }], 'only the one the balancer can live with reached the charger');
  t.same(cloud.validationFailures, []);
});
