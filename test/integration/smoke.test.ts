import t from 'tap';
import { startGateway } from '../helpers/gateway.js';
import { rpcCharger, bootPayload } from '../helpers/rpc-charger.js';

t.test('a full session', async (t) => {
  const gw = await startGateway(t);
  const cp = await rpcCharger(t, gw.url, 'CP1', 'cp1-secret-key-01');
  const boot = await cp.call('BootNotification', bootPayload);
  t.equal(boot.status, 'Accepted');
  const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100, timestamp: new Date().toISOString() });
  t.equal(start.idTagInfo.status, 'Accepted');
  const stop = await cp.call('StopTransaction', { transactionId: start.transactionId, meterStop: 1100, timestamp: new Date().toISOString(), idTag: 'TAG1' });
  t.same(stop.idTagInfo.status, 'Accepted');
  t.equal(gw.app.store.sessions.get(start.transactionId)?.energyWh, 1000);
});
