/**
 * A 2.0.1 session started before authorization (E03: cable plugged, no idToken yet, idTag "",
 * NoAuthorization) whose later TransactionEvent (Updated, triggerReason Authorized) carries an
 * idToken: the session takes it, judged as an Authorize is, kept across a restart, shown in the API.
 */
import t from 'tap';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { boot201, rpcCharger201 } from '../helpers/rpc-charger.js';

const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
const at = (s: number) => new Date(Date.UTC(2025, 5, 1, 10, 0, s)).toISOString();
const energy = (wh: number, context: string, timestamp: string) => [{ timestamp, sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];

for (const [token, status] of [['TAG1', 'Accepted'], ['BLOCKED1', 'Blocked']] as const) {
  t.test(`a session started without an idToken takes the later one (${token}: ${status}), durably, and the API shows it`, async (t) => {
    const patch = (c: Record<string, any>) => (c.http = HTTP);
    const gw = await startGateway(t, { patch });
    const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
    await cp.call('BootNotification', boot201);
    const base = { evse: { id: 1, connectorId: 1 }, transactionInfo: { transactionId: 'late-tx-0001', chargingState: 'EVConnected' } };
    t.same(await cp.call('TransactionEvent', { ...base, eventType: 'Started', seqNo: 0, timestamp: at(0), triggerReason: 'CablePluggedIn', meterValue: energy(1000, 'Transaction.Begin', at(0)) }), {});
    t.match(gw.app.store.sessions.byReference('CP1', 'late-tx-0001'), { idTag: '', authStatus: 'NoAuthorization' }, 'started without authorization');

    const answer = await cp.call('TransactionEvent', { ...base, eventType: 'Updated', seqNo: 1, timestamp: at(5), triggerReason: 'Authorized', idToken: { idToken: token, type: 'ISO14443' } });
    t.same(answer, { idTokenInfo: { status } }, 'the charger is told the verdict');
    t.match(gw.app.store.sessions.byReference('CP1', 'late-tx-0001'), { idTag: token, idTokenType: 'ISO14443', authStatus: status });

    const dir = gw.dir;
    await cp.close();
    await gw.stop();
    const again = await startGateway(t, { dir, patch });
    const sessions = (await api(again.httpUrl, '/api/sessions', { token: TOKENS.read })).json.sessions;
    t.match(sessions, [{ reference: 'late-tx-0001', idTag: token, state: 'active' }], 'after a restart, in the sessions API');
  });
}
