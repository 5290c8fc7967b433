import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { openFresh } from './contract.js';

const AT = '2026-01-01T00:00:00.000Z';

t.test('the device model: rows kept across a restart, a complete full report replaces the older rows, a late end of an older request is ignored', async (t) => {
  const s = openFresh(t, (dir) => openSqliteStore(dir));
  const m = s.store.deviceModel;
  m.put('CP1', 7, [{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', attributeType: 'Actual', value: '120' }], AT);
  m.requested('CP1', 10, '2.4.1', AT);
  m.put('CP1', 10, [
    { component: 'EVSE', evseId: 1, variable: 'Power', attributeType: 'Actual', value: '11000', mutability: 'ReadOnly', constant: true, characteristics: { dataType: 'decimal', unit: 'W', supportsMonitoring: false } },
    { component: 'Connector', evseId: 1, connectorId: 1, variable: 'ConnectorType', attributeType: 'Actual', value: 'cType2' },
  ], AT);
  t.equal(m.list('CP1').length, 3);
  m.ended('CP1', 9, 'incomplete', AT, 'old');
  t.match(m.report('CP1'), { requestId: 10, state: 'requested', firmware: '2.4.1' }, 'another request\'s end changes nothing');
  m.ended('CP1', 10, 'complete', AT);
  const store = s.reopen();
  t.match(store.deviceModel.report('CP1'), { requestId: 10, state: 'complete', endedAt: AT });
  t.same(store.deviceModel.list('CP1', { component: 'EVSE' }), [{ component: 'EVSE', evseId: 1, variable: 'Power', attributeType: 'Actual', value: '11000', mutability: 'ReadOnly', constant: true, characteristics: { dataType: 'decimal', unit: 'W', supportsMonitoring: false } }]);
  t.equal(store.deviceModel.list('CP1').length, 2, 'the unasked report\'s row went with the complete one');
  t.ok(store.deviceModel.setActual('CP1', { component: 'Connector', evseId: 1, connectorId: 1, variable: 'ConnectorType' }, 'cCCS2', AT));
  t.notOk(store.deviceModel.setActual('CP1', { component: 'Connector', variable: 'ConnectorType' }, 'x', AT), 'not in the model: nothing');
  t.match(store.deviceModel.list('CP1', { component: 'Connector' })[0], { value: 'cCCS2' });
  t.same(store.deviceModel.list('CP2'), []);
  t.equal(store.deviceModel.report('CP2'), undefined);
});
