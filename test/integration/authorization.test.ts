import t from 'tap';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rpcCharger } from '../helpers/rpc-charger.js';

const START = { connectorId: 1, meterStart: 0, timestamp: '2025-06-01T10:00:00Z' };

t.test('list mode: unknown Invalid, Blocked, expired Expired; a refused Start still gets an id', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => c.authorization.list.push({ idTag: 'KID1', parentIdTag: 'GROUP1' }, { idTag: 'GROUP1', status: 'Blocked' }, { idTag: 'SOON1', expiryDate: '2999-01-01T00:00:00Z' }),
  });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const auth = async (idTag: string) => (await cp.call('Authorize', { idTag })).idTagInfo;
  t.same(await auth('TAG1'), { status: 'Accepted' });
  t.same(await auth('tag1'), { status: 'Accepted' }, 'idTags compare without case (CiString20)');
  t.same(await auth('STRANGER'), { status: 'Invalid' });
  t.same(await auth('BLOCKED1'), { status: 'Blocked' });
  t.same(await auth('OLD1'), { status: 'Expired', expiryDate: '2020-01-01T00:00:00Z' });
  t.same(await auth('SOON1'), { status: 'Accepted', expiryDate: '2999-01-01T00:00:00Z' }, 'not yet expired: the date is passed on');
  t.same(await auth('KID1'), { status: 'Blocked', parentIdTag: 'GROUP1' }, 'a blocked group blocks its members');

  const refused = await cp.call('StartTransaction', { ...START, idTag: 'STRANGER' });
  t.equal(refused.idTagInfo.status, 'Invalid');
  t.ok(Number.isInteger(refused.transactionId) && refused.transactionId > 0, 'a transactionId all the same (1.6 §4.10)');
  t.match(gw.app.store.sessions.get(refused.transactionId), { idTag: 'STRANGER', authStatus: 'Invalid', state: 'active' });
  const blocked = await cp.call('StartTransaction', { ...START, connectorId: 2, idTag: 'BLOCKED1' });
  t.equal(blocked.idTagInfo.status, 'Blocked');
  t.not(blocked.transactionId, refused.transactionId);
  t.same(await cp.call('StopTransaction', { transactionId: refused.transactionId, meterStop: 0, timestamp: '2025-06-01T10:00:05Z', reason: 'DeAuthorized' }), {});
  t.match(gw.app.store.sessions.get(refused.transactionId), { state: 'completed', stopReason: 'DeAuthorized', energyWh: 0 });
});

t.test('accept-all mode: an unknown tag is Accepted, a Blocked one stays Blocked', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.authorization.mode = 'accept-all') });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  t.same((await cp.call('Authorize', { idTag: 'STRANGER' })).idTagInfo, { status: 'Accepted' });
  t.same((await cp.call('Authorize', { idTag: 'BLOCKED1' })).idTagInfo, { status: 'Blocked' });
  t.same((await cp.call('Authorize', { idTag: 'OLD1' })).idTagInfo.status, 'Expired');
  const start = await cp.call('StartTransaction', { ...START, idTag: 'STRANGER' });
  t.same(start.idTagInfo, { status: 'Accepted' });
});
