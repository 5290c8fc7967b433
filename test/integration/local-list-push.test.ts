/**
 * Chargers with `pushLocalList: true` hold chargegate's local authorization list themselves
 * (OCPP 1.6 §5.15): at boot when their version differs, and after the cloud changes the list.
 * The chargers are ocpp-rpc in strict mode, so every SendLocalList is schema-checked.
 */
import t from 'tap';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger, type RpcClient } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';

/** A charger that keeps what it is sent, as a real one keeps its local list. */
function keepsLocalList(cp: RpcClient, version: number) {
  const held = { version, lists: [] as any[], versionAsked: 0 };
  cp.handle('GetLocalListVersion', () => {
    held.versionAsked++;
    return { listVersion: held.version };
  });
  cp.handle('SendLocalList', ({ params }) => {
    held.version = params.listVersion;
    held.lists.push(params);
    return { status: 'Accepted' };
  });
  return held;
}

t.test('pushLocalList: sent at boot when the versions differ, and after every change from the cloud', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list[0].pushLocalList = true; // CP1; CP2 keeps the default (false)
      c.upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream?.online() === true, 'the link to be up');

  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const cp1List = keepsLocalList(cp1, 3); // an old list of its own
  const cp2 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  const cp2List = keepsLocalList(cp2, 3);
  await cp1.call('BootNotification', bootPayload);
  await cp2.call('BootNotification', bootPayload);
  await eventually(() => cp1List.lists.length === 1, 'CP1 to get the list at boot');
  const atBoot = cp1List.lists[0];
  const atStart = gw.app.store.auth.generation();
  t.match(atBoot, { listVersion: atStart, updateType: 'Full' }, "the lists' generation, in full");
  t.same(atBoot.localAuthorizationList.map((e: any) => `${e.idTag}:${e.idTagInfo.status}`).sort(), ['BLOCKED1:Blocked', 'OLD1:Accepted', 'TAG1:Accepted', 'TAG2:Accepted'], 'the config list, statuses included');

  // Same version at the next boot: asked, not sent again.
  await cp1.call('BootNotification', bootPayload);
  await eventually(() => cp1List.versionAsked === 2, 'the version asked again');
  t.equal(cp1List.lists.length, 1, 'an unchanged list is not sent again');

  // The cloud replaces the list: CP1 follows at once.
  const site = cloud.clients.get(SITE)!;
  t.same(await site.call('SendLocalList', { listVersion: 9, updateType: 'Full', localAuthorizationList: [{ idTag: 'FROMCLOUD', idTagInfo: { status: 'Accepted' } }] }), { status: 'Accepted' });
  await eventually(() => cp1List.lists.length === 2, 'CP1 to get the new list');
  t.match(cp1List.lists[1], { listVersion: atStart + 1, updateType: 'Full' }, 'a new version for the charger');
  t.same(cp1List.lists[1].localAuthorizationList.map((e: any) => `${e.idTag}:${e.idTagInfo.status}`), ['BLOCKED1:Blocked', 'FROMCLOUD:Accepted', 'OLD1:Accepted', 'TAG1:Accepted', 'TAG2:Accepted'], "the config's list and the cloud's, merged (the cloud's Full update does not replace the config's)");
  t.equal(cp2List.lists.length, 0, 'CP2 (not configured to) gets nothing');
  t.equal(cp2List.versionAsked, 0);
});

t.test('transparent: a charger gets the config\'s list and its own channel\'s, and only its channel\'s changes', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1', 'CP2'],
    patch: (c) => {
      c.chargers.list[0].pushLocalList = true;
      c.chargers.list[1].pushLocalList = true;
      c.authorization.list = [{ idTag: 'HOUSE' }];
      c.upstream = { mode: 'transparent', url: cloud.url, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream?.online() === true, 'the links to be up');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const cp1List = keepsLocalList(cp1, 0);
  const cp2 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  const cp2List = keepsLocalList(cp2, 0);
  await cp1.call('BootNotification', bootPayload);
  await cp2.call('BootNotification', bootPayload);
  await eventually(() => cp1List.lists.length === 1 && cp2List.lists.length === 1, 'both to get their list at boot');

  t.same(await cloud.clients.get('CP1')!.call('SendLocalList', { listVersion: 4, updateType: 'Full', localAuthorizationList: [{ idTag: 'ONE', idTagInfo: { status: 'Accepted' } }] }), { status: 'Accepted' });
  await eventually(() => cp1List.lists.length === 2, 'CP1 to get its new list');
  t.same(cp1List.lists[1].localAuthorizationList.map((e: any) => e.idTag), ['HOUSE', 'ONE']);
  t.equal(cp2List.lists.length, 1, 'CP2 is not sent CP1\'s list');
  t.same(cloud.validationFailures, []);
});
