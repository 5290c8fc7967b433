/** /metrics is valid Prometheus text, and its counters move when chargers talk. */
import t from 'tap';
import { PASSWORDS, startGateway } from '../../helpers/gateway.js';
import { api, parsePrometheus } from '../../helpers/http.js';
import { rawCharger } from '../../helpers/raw.js';
import { bootPayload, rpcCharger } from '../../helpers/rpc-charger.js';

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

  const after = await scrape();
  t.equal(after.get('chargegate_chargers_connected'), 2);
  t.equal(after.get('chargegate_ocpp_messages_total{action="Heartbeat",direction="in"}'), 3, 'every Heartbeat CALL, the invalid one too');
  t.equal(after.get('chargegate_ocpp_messages_total{action="BootNotification",direction="in"}'), 1);
  t.equal(after.get('chargegate_sessions_active'), 1);
  t.equal(after.get('chargegate_ocpp_callerrors_total{code="FormationViolation",direction="in"}'), 1, 'the CALLERROR chargegate answered to a bad CALL');
  t.ok((after.get('chargegate_meter_data_age_seconds{source="CP1"}') ?? -1) >= 0, 'meter data age of the charging charger');
  t.equal(after.get('chargegate_dashboard_clients'), 0);
  t.notOk([...after.keys()].some((k) => k.startsWith('chargegate_outbox') || k.startsWith('chargegate_allocation')), 'no upstream or balancer metrics without those parts');
});
