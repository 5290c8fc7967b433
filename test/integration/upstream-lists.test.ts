/**
 * The cloud's local lists (OCPP 1.6 §5.15, §5.10) kept right: per channel, durable across
 * restarts, never overwritten by the config's list (its own source, re-read at each start), and
 * a restart in the middle of an update leaves the old list with the old version. A strict
 * ocpp-rpc cloud and strict chargers.
 */
import { once } from 'node:events';
import t from 'tap';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { killableConfig, spawnGateway } from '../helpers/process.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const fast = { reconnect: { initialDelay: 0.05, maxDelay: 0.2 }, answerTimeout: 1, callTimeout: 2 };
const accepted = (idTag: string) => ({ idTag, idTagInfo: { status: 'Accepted' } });

t.test('aggregate: a restart keeps the cloud\'s list and version; the config\'s list is merged, not replaced', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const dir = t.testdir();
  const patch = (c: Record<string, any>) => {
    c.upstream = { url: cloud.url, identity: SITE, ...fast };
  };
  const first = await startGateway(t, { dir, patch });
  await eventually(() => first.app.upstream?.online() === true, 'the link to be up');
  const site = cloud.clients.get(SITE)!;
  t.same(await site.call('SendLocalList', { listVersion: 5, updateType: 'Full', localAuthorizationList: [accepted('CLOUDCARD'), { idTag: 'TAG2', idTagInfo: { status: 'Blocked' } }] }), { status: 'Accepted' });
  await first.stop();

  // The installer changed the config meanwhile: TAG1 gone, HOUSE added.
  const second = await startGateway(t, {
    dir,
    patch: (c) => {
      patch(c);
      c.authorization.list = [{ idTag: 'HOUSE' }, { idTag: 'TAG2' }];
    },
  });
  await eventually(() => second.app.upstream?.online() === true && cloud.clients.get(SITE) !== site, 'the link to be up again');
  const again = cloud.clients.get(SITE)!;
  t.same(await again.call('GetLocalListVersion', {}), { listVersion: 5 }, 'the cloud\'s version survived');
  t.same(await again.call('SendLocalList', { listVersion: 5, updateType: 'Differential', localAuthorizationList: [accepted('X')] }), { status: 'VersionMismatch' }, 'a differential update must still move the version on');

  // The cloud goes away: chargegate decides from the lists.
  await cloud.down();
  await eventually(() => second.app.upstream?.online() === false, 'the link to be down');
  const cp1 = await rpcCharger(t, second.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  const status = async (idTag: string) => ((await cp1.call('Authorize', { idTag })) as { idTagInfo: { status: string } }).idTagInfo.status;
  t.equal(await status('CLOUDCARD'), 'Accepted', 'the card the cloud listed is still listed after the restart');
  t.equal(await status('HOUSE'), 'Accepted', 'the config\'s new card');
  t.equal(await status('TAG1'), 'Invalid', 'the card taken out of the config is gone');
  t.equal(await status('TAG2'), 'Accepted', 'on both lists: the config\'s entry wins (local-lists.ts)');
  t.same(cloud.validationFailures, []);
});

t.test('transparent: each charger\'s channel has its own list and version', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1', 'CP2'],
    patch: (c) => {
      c.upstream = { mode: 'transparent', url: cloud.url, ...fast };
    },
  });
  await eventually(() => gw.app.upstream?.online() === true, 'both links up');
  const one = cloud.clients.get('CP1')!;
  const two = cloud.clients.get('CP2')!;
  t.same(await one.call('SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [accepted('CARD-ONE')] }), { status: 'Accepted' });
  t.same(await two.call('SendLocalList', { listVersion: 7, updateType: 'Full', localAuthorizationList: [accepted('CARD-TWO')] }), { status: 'Accepted' });
  t.same(await one.call('GetLocalListVersion', {}), { listVersion: 3 }, 'CP2\'s update did not overwrite CP1\'s version');
  t.same(await two.call('GetLocalListVersion', {}), { listVersion: 7 });
  t.same(await one.call('SendLocalList', { listVersion: 4, updateType: 'Differential', localAuthorizationList: [accepted('CARD-ONE-B')] }), { status: 'Accepted' }, 'CP1\'s differential update follows its own version');

  await cloud.down();
  await eventually(() => gw.app.upstream?.online() === false, 'the links to be down');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const cp2 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  await cp1.call('BootNotification', bootPayload);
  await cp2.call('BootNotification', bootPayload);
  const status = async (cp: typeof cp1, idTag: string) => ((await cp.call('Authorize', { idTag })) as { idTagInfo: { status: string } }).idTagInfo.status;
  t.equal(await status(cp1, 'CARD-ONE'), 'Accepted');
  t.equal(await status(cp1, 'CARD-ONE-B'), 'Accepted');
  t.equal(await status(cp1, 'CARD-TWO'), 'Invalid', 'CP2\'s list is not CP1\'s');
  t.equal(await status(cp2, 'CARD-TWO'), 'Accepted');
  t.equal(await status(cp2, 'CARD-ONE'), 'Invalid');
  t.equal(await status(cp2, 'TAG1'), 'Accepted', 'the config\'s list is every charger\'s');
  t.same(cloud.validationFailures, []);
});

t.test('kill -9 in the middle of a cloud list update: after the restart, the old list with the old version or the new with the new', async (t) => {
  t.setTimeout(240_000);
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const { file, dataDir } = await killableConfig(t, cloud.url);
  const first = await spawnGateway(t, file);
  await eventually(() => cloud.calls.some((c) => c.identity === SITE && c.action === 'BootNotification') && cloud.clients.has(SITE), 'the link to be up', 20_000);
  const site = cloud.clients.get(SITE)!;
  t.same(await site.call('SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [accepted('OLDCARD')] }), { status: 'Accepted' });
  // A large update; chargegate is killed as soon as it is on the wire.
  const big = Array.from({ length: 4000 }, (_, i) => accepted(`NEW${String(i).padStart(5, '0')}`));
  const sent = site.call('SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: big }).catch(() => undefined);
  await new Promise((r) => setImmediate(r));
  first.kill('SIGKILL');
  await once(first, 'exit');
  await sent;

  const second = await spawnGateway(t, file);
  await eventually(() => cloud.clients.get(SITE) !== site && cloud.clients.has(SITE), 'the link to be up again', 20_000);
  const { listVersion } = (await cloud.clients.get(SITE)!.call('GetLocalListVersion', {})) as { listVersion: number };
  t.ok(listVersion === 1 || listVersion === 2, `a whole version (${listVersion})`);
  second.kill('SIGKILL');
  await once(second, 'exit');
  const store = openSqliteStore(dataDir);
  t.teardown(() => store.close());
  const entries = store.auth.list(`cloud:${SITE}`).map((e) => e.idTag);
  if (listVersion === 1) t.same(entries, ['OLDCARD'], 'the old version holds the old list, nothing of the new');
  else t.equal(entries.length, 4000, 'the new version holds the whole new list');
  t.equal(store.auth.get('config', 'TAG1')?.status, 'Accepted', 'the config\'s list is there as well');
});
