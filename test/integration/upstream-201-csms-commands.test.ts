/**
 * A 2.0.1 CSMS's commands that chargegate answers itself in transparent mode (#17): its local
 * list (SendLocalList / GetLocalListVersion, kept per channel as a 1.6 cloud's), the status of
 * a transaction from the outbox (GetTransactionStatus, E14), and the translation losses counted
 * in /metrics. The CSMS is ocpp-rpc in strict mode with its 2.0.1 schemas: every frame is checked.
 */
import t, { type Test } from 'tap';
import { startCloud201, type TestCloud201 } from '../helpers/cloud201.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, parsePrometheus } from '../helpers/http.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const upstream201 = (url: string) => ({ mode: 'transparent', ocpp: '2.0.1', url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } });

async function site(t: Test, cloud: TestCloud201) {
  const gw = await startGateway(t, { bootedBefore: ['CP1'], patch: (c) => (c.upstream = upstream201(cloud.url)) });
  await eventually(() => gw.app.upstream!.online(), 'CP1 online at the CSMS', 20_000);
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'the station booted');
  return { gw, cp1 };
}

t.test('the 2.0.1 CSMS\'s local list: kept by chargegate, its version answered, and it decides while the CSMS is away', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { gw, cp1 } = await site(t, cloud);
  t.same(await cloud.command('CP1', 'GetLocalListVersion', {}), { versionNumber: 0 }, 'no list yet');
  const entry = (idToken: string, status: string) => ({ idToken: { idToken, type: 'ISO14443' }, idTokenInfo: { status } });
  t.same(await cloud.command('CP1', 'SendLocalList', { versionNumber: 5, updateType: 'Full', localAuthorizationList: [entry('LIST-OK', 'Accepted'), entry('LIST-BLOCKED', 'Blocked'), entry('LIST-NOCREDIT', 'NoCredit')] }), { status: 'Accepted' });
  t.same(await cloud.command('CP1', 'GetLocalListVersion', {}), { versionNumber: 5 });
  t.same(await cloud.command('CP1', 'SendLocalList', { versionNumber: 5, updateType: 'Differential', localAuthorizationList: [entry('LIST-LATE', 'Accepted')] }), { status: 'VersionMismatch' }, 'a differential update must move the version on');
  t.same(await cloud.command('CP1', 'SendLocalList', { versionNumber: 6, updateType: 'Differential', localAuthorizationList: [{ idToken: { idToken: 'LIST-OK', type: 'ISO14443' } }] }), { status: 'Accepted' }, 'an entry without idTokenInfo is removed');

  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the CSMS gone');
  t.match(await cp1.call('Authorize', { idTag: 'LIST-BLOCKED' }), { idTagInfo: { status: 'Blocked' } }, 'the CSMS\'s list answers while it is away');
  t.match(await cp1.call('Authorize', { idTag: 'LIST-NOCREDIT' }), { idTagInfo: { status: 'Invalid' } }, 'a status 1.6 lacks is never a looser one');
  t.notMatch(await cp1.call('Authorize', { idTag: 'LIST-OK' }), { idTagInfo: { status: 'Blocked' } });
  const m = parsePrometheus((await api(gw.httpUrl, '/metrics')).text);
  t.ok((m.get('chargegate_ocpp_leniencies_total{charger="CP1",kind="translation-mapped"}') ?? 0) >= 1, 'NoCredit listed as Invalid: counted as a mapped translation');
  t.same(cloud.validationFailures, []);
});

t.test('GetTransactionStatus from the 2.0.1 CSMS: messages in queue from the outbox, ongoing from the session', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { cp1 } = await site(t, cloud);
  t.same(await cloud.command('CP1', 'GetTransactionStatus', { transactionId: 'not-ours' }), { ongoingIndicator: false, messagesInQueue: false }, 'a transaction the station does not know');

  // The CSMS takes its time answering: the Started stays in the outbox until it does.
  cloud.delay.set('TransactionEvent', 1500);
  // Not awaited: the charger's answer waits for the CSMS's idTokenInfo (as a 1.6 cloud's idTagInfo).
  const starting = cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  const started = await cloud.waitFor((c) => c.action === 'TransactionEvent' && c.params.eventType === 'Started', 'the Started sent');
  const transactionId = started.params.transactionInfo.transactionId as string;
  t.same(await cloud.command('CP1', 'GetTransactionStatus', { transactionId }), { ongoingIndicator: true, messagesInQueue: true }, 'the Started not yet answered');
  t.same(await cloud.command('CP1', 'GetTransactionStatus', {}), { messagesInQueue: true }, 'any transaction: the same');
  cloud.delay.delete('TransactionEvent');
  await eventually(async () => (await cloud.command('CP1', 'GetTransactionStatus', { transactionId })).messagesInQueue === false, 'the Started delivered');
  t.same(await cloud.command('CP1', 'GetTransactionStatus', { transactionId }), { ongoingIndicator: true, messagesInQueue: false });

  const start = await starting;
  await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 100, timestamp: new Date().toISOString() });
  await cloud.waitFor((c) => c.action === 'TransactionEvent' && c.params.eventType === 'Ended', 'the Ended');
  await eventually(async () => (await cloud.command('CP1', 'GetTransactionStatus', { transactionId })).messagesInQueue === false, 'the Ended delivered');
  t.same(await cloud.command('CP1', 'GetTransactionStatus', { transactionId }), { ongoingIndicator: false, messagesInQueue: false }, 'ended and delivered');
  t.same(cloud.validationFailures, []);
});

t.test('translation losses toward the 2.0.1 CSMS are counted in /metrics per charger and kind', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { gw, cp1 } = await site(t, cloud);
  const lost = async () => parsePrometheus((await api(gw.httpUrl, '/metrics')).text).get('chargegate_ocpp_leniencies_total{charger="CP1",kind="translation-mapped"}') ?? 0;
  const before = await lost();
  // 1.6 connector 0 is the charger itself: 2.0.1 has no StatusNotification for it, it goes up as a NotifyEvent.
  await cp1.call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Available' });
  await cp1.call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Unavailable' });
  await eventually(async () => (await lost()) >= before + 2, 'each translation counted, not only the first');
  t.same(cloud.validationFailures, []);
});

t.test('GetBaseReport from the 2.0.1 CSMS: the 1.6 charger\'s configuration as its 2.0.1 variables, in NotifyReport frames', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { cp1 } = await site(t, cloud);
  const keys = [
    { key: 'HeartbeatInterval', readonly: false, value: '300' },
    { key: 'ChargeProfileMaxStackLevel', readonly: true, value: '2' },
    { key: 'VendorSecretThing', readonly: false, value: 'x' },
    ...Array.from({ length: 25 }, () => ({ key: 'MeterValueSampleInterval', readonly: false, value: '60' })),
  ];
  let config = keys;
  cp1.handle('GetConfiguration', () => ({ configurationKey: config }));
  t.same(await cloud.command('CP1', 'GetBaseReport', { requestId: 7, reportBase: 'FullInventory' }), { status: 'Accepted' });
  await cloud.waitFor((c) => c.action === 'NotifyReport' && c.params.requestId === 7 && !c.params.tbc, 'the last NotifyReport');
  const frames = cloud.calls.filter((c) => c.action === 'NotifyReport' && c.params.requestId === 7).map((c) => c.params);
  t.same(frames.map((f) => [f.seqNo, f.tbc ?? false]), [[0, true], [1, false]], 'numbered from 0, tbc until the last');
  const data = frames.flatMap((f) => f.reportData);
  t.equal(data.length, 27, 'every key with a 2.0.1 variable, none without');
  t.match(data[0], { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ type: 'Actual', value: '300', mutability: 'ReadWrite' }] });
  t.match(data[1], { variableAttribute: [{ value: '2', mutability: 'ReadOnly' }] });

  config = [{ key: 'VendorSecretThing', readonly: false, value: 'x' }];
  t.same(await cloud.command('CP1', 'GetBaseReport', { requestId: 8, reportBase: 'FullInventory' }), { status: 'EmptyResultSet' }, 'nothing that maps: nothing to report');
  t.same(cloud.validationFailures, []);
});
