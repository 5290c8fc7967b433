/** /metrics is valid Prometheus text, and its counters move when chargers talk. */
import t from 'tap';
import { PASSWORDS, startGateway } from '../../helpers/gateway.js';
import { api, parsePrometheus } from '../../helpers/http.js';
import { rawCharger } from '../../helpers/raw.js';
import { bootPayload, rpcCharger } from '../../helpers/rpc-charger.js';
import { allocation, profileWrite } from './limits-fixture.js';

t.test('/metrics parses and moves when traffic flows', async (t) => {
  const gw = await startGateway(t);
  const scrape = async () => {
    const answer = await api(gw.httpUrl, '/metrics');
    t.equal(answer.status, 200);
    t.match(answer.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    return parsePrometheus(answer.text);
  };
  const before = await scrape();
  t.equal(before.get('chargegate_chargers_connected'), 0);
  t.equal(before.get('chargegate_ocpp_messages_total{action="Heartbeat",direction="in"}'), undefined, 'no Heartbeat yet');
  t.ok(before.has('chargegate_process_resident_memory_bytes'), 'process metrics on our own registry');

  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  await cp.call('Heartbeat', {});
  await cp.call('Heartbeat', {});
  const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '100', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
  const raw = await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2 });
  await raw.call('m1', 'Heartbeat', { unexpected: true });
  await raw.call('m2', 'Heartbeat', []);

  const after = await scrape();
  t.equal(after.get('chargegate_chargers_connected'), 2);
  t.equal(after.get('chargegate_ocpp_messages_total{action="Heartbeat",direction="in"}'), 3, 'every Heartbeat CALL, the schema-invalid one too (not the unreadable frame)');
  t.equal(after.get('chargegate_ocpp_leniencies_total{charger="CP2",kind="unknown-property"}'), 1, 'the extra property, ignored (lenient by default)');
  t.equal(after.get('chargegate_ocpp_messages_total{action="BootNotification",direction="in"}'), 1);
  t.equal(after.get('chargegate_sessions_active'), 1);
  t.equal(after.get('chargegate_ocpp_callerrors_total{code="FormationViolation",direction="in"}'), 1, 'the CALLERROR chargegate answered to a bad CALL (a payload that is no object)');
  t.ok((after.get('chargegate_meter_data_age_seconds{source="CP1"}') ?? -1) >= 0, 'meter data age of the charging charger');
  t.equal(after.get('chargegate_dashboard_clients'), 0);
  await cp.call('Heartbeat', {});
  for (let n = 1; n <= 3; n++) t.match(await raw.call(`x${n}`, `MadeUp${n}`, {}), [4, `x${n}`, 'NotImplemented'], 'an action OCPP does not have is refused');
  const again = await scrape();
  t.equal(again.get('chargegate_ocpp_messages_total{action="unknown",direction="in"}'), 3, 'made-up action names are counted under one label');
  t.notOk([...again.keys()].some((k) => k.includes('MadeUp')), 'and get no label of their own: a flood of names cannot grow the metric');
  t.equal(again.get('chargegate_ocpp_messages_total{action="Heartbeat",direction="in"}'), 4, 'a scrape counts what came since, not everything again');
  t.equal(again.get('chargegate_ocpp_messages_total{action="BootNotification",direction="in"}'), 1);
  t.notOk([...after.keys()].some((k) => /^chargegate_(outbox|allocation|profile_writes|charger_controlled)/.test(k)), 'no upstream or balancer metrics without those parts');
});

t.test('profile writes are counted by charger, purpose and result; control is a gauge per charger', async (t) => {
  const gw = await startGateway(t);
  const scrape = async () => parsePrometheus((await api(gw.httpUrl, '/metrics')).text);
  // Writes before the first allocation (and before any scrape) count too.
  gw.app.events.emit('balancer.profile', profileWrite('rejected'));
  gw.app.events.emit('allocation.changed', allocation());
  gw.app.events.emit('balancer.profile', profileWrite('rejected'));
  gw.app.events.emit('balancer.profile', profileWrite('timeout'));
  gw.app.events.emit('balancer.profile', { chargerId: 'CP1', connectorId: 1, purpose: 'TxProfile', result: 'accepted' });

  const first = await scrape();
  t.equal(first.get('chargegate_profile_writes_total{charger="CP2",purpose="TxDefaultProfile",result="rejected"}'), 2);
  t.equal(first.get('chargegate_profile_writes_total{charger="CP2",purpose="TxDefaultProfile",result="timeout"}'), 1);
  t.equal(first.get('chargegate_profile_writes_total{charger="CP1",purpose="TxProfile",result="accepted"}'), 1);
  t.equal(first.get('chargegate_charger_controlled{charger="CP1"}'), 1);
  t.equal(first.get('chargegate_charger_controlled{charger="CP2"}'), 0, 'CP2 refused its profile: uncontrolled');

  gw.app.events.emit('balancer.profile', profileWrite('accepted'));
  gw.app.events.emit('allocation.changed', allocation({ cp2: { accepted: 6 }, cp2Controlled: true }));
  const second = await scrape();
  t.equal(second.get('chargegate_charger_controlled{charger="CP2"}'), 1, 'controlled again once it accepted');
  t.equal(second.get('chargegate_profile_writes_total{charger="CP2",purpose="TxDefaultProfile",result="accepted"}'), 1);
  t.equal(second.get('chargegate_profile_writes_total{charger="CP2",purpose="TxDefaultProfile",result="rejected"}'), 2, 'a counter never goes back');
});
