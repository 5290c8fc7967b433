/**
 * No CALL to a charger before its BootNotification is accepted (OCPP 1.6 §4.2), over real
 * WebSockets against a real gateway: what an unbooted charger receives (nothing but the
 * TriggerMessage that asks for its boot), the order on the wire once it boots, commands that
 * fail in time instead of hanging, and a charger that never boots still being served.
 */
import t, { type Test } from 'tap';
import { ChargerNotBootedError } from '../../src/gateway/commands.js';
import { OcppTimeoutError } from '../../src/ocpp/errors.js';
import { eventually, PASSWORDS, startGateway, type StartOptions } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { rawCharger, type RawCharger } from '../helpers/raw.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

function gateway(t: Test, ocpp: Record<string, unknown>, options: StartOptions = {}) {
  return startGateway(t, {
    ...options,
    patch: (c) => {
      Object.assign(c.ocpp, ocpp);
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
    },
  });
}

const isCall = (f: unknown, action?: string): f is unknown[] => Array.isArray(f) && f[0] === 2 && (action === undefined || f[2] === action);

/** Resolves with the first frame (already received or to come) that matches. */
async function frame(cp: RawCharger, match: (f: unknown) => boolean): Promise<unknown[]> {
  for (;;) {
    const found = cp.received.find(match);
    if (found) return found as unknown[];
    await cp.next();
  }
}

t.test('an unbooted charger gets no CALL but TriggerMessage BootNotification after bootTimeout; held commands follow its BootNotification.conf', async (t) => {
  const gw = await gateway(t, { bootTimeout: 0.3, callTimeout: 5 });
  const connectedAt = performance.now();
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === true, 'CP1 online');
  const live = gw.app.gateway.registry.get('CP1')!;
  t.equal(live.booted, false);
  t.equal(live.awaitingBootSince, live.connectedAt, 'it waits since it connected');

  // Queued before the boot (the way the balancer or the cloud would): held, not sent.
  const reset = gw.app.gateway.commands.Reset('CP1', { type: 'Soft' });
  const trigger = await frame(cp, (f) => isCall(f));
  // A lower bound is the requirement here ("not before bootTimeout"), and a busy machine only
  // makes the ask later: the stamp is taken before the connection exists, so the gateway's timer
  // starts after it. The 10 ms allow for Node timers being set from the loop's cached time.
  t.ok(performance.now() - connectedAt >= 290, 'not before bootTimeout');
  t.same(trigger.slice(2), ['TriggerMessage', { requestedMessage: 'BootNotification' }], 'the first CALL is the request for a boot');
  t.equal(cp.received.length, 1, 'and it is the only frame it got');
  cp.send([3, trigger[1], { status: 'Accepted' }]);

  // The HTTP API says it waits.
  const waiting = await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read });
  t.match(waiting.json, { online: true, booted: false, awaitingBootSince: live.connectedAt });

  const booted = new Promise<boolean>((resolve) => gw.app.events.on('charger.boot', (e) => e.chargerId === 'CP1' && resolve(gw.app.gateway.registry.get('CP1')!.booted)));
  cp.send([2, 'boot-1', 'BootNotification', bootPayload]);
  const held = await frame(cp, (f) => isCall(f, 'Reset'));
  const order = cp.received.map((f) => (Array.isArray(f) ? `${f[0]}:${f[0] === 2 ? f[2] : f[1]}` : String(f)));
  t.same(order, ['2:TriggerMessage', '3:boot-1', '2:Reset'], 'BootNotification.conf is on the wire before the held command');
  t.match(cp.received[1], [3, 'boot-1', { status: 'Accepted', interval: Number }]);
  t.equal(await booted, true, "'charger.boot' listeners already see it booted");
  cp.send([3, held[1], { status: 'Accepted' }]);
  t.same(await reset, { status: 'Accepted' }, 'the command queued before the boot is answered');
  t.equal(live.booted, true);
  t.equal(live.awaitingBootSince, undefined);
  const after = await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read });
  t.match(after.json, { online: true, booted: true });
  t.notOk('awaitingBootSince' in after.json);
  const doc = (await api(gw.httpUrl, '/api/openapi.json')).json;
  t.ok(doc.components.schemas.Charger.required.includes('booted') && doc.components.schemas.Charger.properties.awaitingBootSince, 'both documented in the OpenAPI document');

  // Booted: commands go out at once.
  const clear = gw.app.gateway.commands.ClearCache('CP1', {});
  const next = await frame(cp, (f) => isCall(f, 'ClearCache'));
  cp.send([3, next[1], { status: 'Accepted' }]);
  t.same(await clear, { status: 'Accepted' });
});

t.test('a command to an unbooted charger fails after callTimeout with an error that says so (commands and HTTP)', async (t) => {
  const gw = await gateway(t, { bootTimeout: 0, callTimeout: 1 });
  const cp = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === true, 'CP1 online');

  const started = performance.now();
  const err = await gw.app.gateway.commands.UnlockConnector('CP1', { connectorId: 1 }).catch((e: unknown) => e);
  // "Not before callTimeout" is the requirement; a busy machine only makes the failure later.
  // 50 ms allow for the held call's timer being set from the event loop's cached time.
  t.ok(performance.now() - started >= 950, 'after callTimeout, not before');
  t.ok(err instanceof ChargerNotBootedError);
  t.ok(err instanceof OcppTimeoutError, 'callers that handle timeouts handle it');
  t.match(err, { chargerId: 'CP1', action: 'UnlockConnector', message: 'charger CP1 has not booted (no BootNotification accepted): UnlockConnector was not sent within 1 s' });

  const http = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/unlock', { token: TOKENS.full, body: {} });
  t.equal(http.status, 504);
  t.match(http.json.error, { code: 'charger_timeout', message: /^charger CP1 has not booted .*UnlockConnector was not sent within 1 s$/ });
  t.same(cp.received, [], 'bootTimeout 0: it was never asked, and got nothing at all');
});

t.test('a charger that never boots is served as usual: status, authorize, a whole transaction, meter values', async (t) => {
  const gw = await gateway(t, { bootTimeout: 0 });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const inbound: string[] = [];
  cp.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => !outbound && inbound.push(message));

  t.same(await cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' }), {});
  t.match(await cp.call('Authorize', { idTag: 'TAG1' }), { idTagInfo: { status: 'Accepted' } });
  const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: new Date().toISOString() });
  t.match(start, { transactionId: Number, idTagInfo: { status: 'Accepted' } });
  t.same(
    await cp.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] }),
    {},
  );
  t.match(await cp.call('StopTransaction', { transactionId: start.transactionId, meterStop: 2500, timestamp: new Date().toISOString(), idTag: 'TAG1' }), {});
  t.match(await cp.call('Heartbeat', {}), { currentTime: String });

  const sessions = gw.app.store.sessions.list({ chargerId: 'CP1' });
  t.match(sessions, [{ transactionId: start.transactionId, state: 'completed', meterStart: 1000, meterStop: 2500 }]);
  t.equal(gw.app.gateway.registry.get('CP1')!.booted, false, 'still not booted');
  t.same(inbound.filter((m) => JSON.parse(m)[0] === 2), [], 'and chargegate sent it no CALL');
});

t.test('booted survives a reconnect of the same process (no new boot needed), not a gateway restart', async (t) => {
  const dir = t.testdir();
  const gw = await gateway(t, { bootTimeout: 0.2, callTimeout: 5 }, { dir });
  const first = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await first.call('b1', 'BootNotification', bootPayload);
  t.equal(gw.app.gateway.registry.get('CP1')!.booted, true);
  first.ws.close();
  await first.closed;
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === false, 'CP1 offline');

  const again = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === true, 'CP1 back');
  t.equal(gw.app.gateway.registry.get('CP1')!.awaitingBootSince, undefined, 'not waiting for a boot');
  const reset = gw.app.gateway.commands.Reset('CP1', { type: 'Soft' });
  const call = await frame(again, (f) => isCall(f));
  t.equal(call[2], 'Reset', 'the command goes out without a new BootNotification (and no TriggerMessage first)');
  again.send([3, call[1], { status: 'Accepted' }]);
  t.same(await reset, { status: 'Accepted' });
  again.ws.close();
  await again.closed;
  await gw.stop();

  // A restarted gateway knows the charger (vendor, model from the store) but not that it booted.
  const restarted = await gateway(t, { bootTimeout: 0.2, callTimeout: 5 }, { dir });
  const live = restarted.app.gateway.registry.get('CP1')!;
  t.match(live, { booted: false, boot: { vendor: 'TestVendor' } });
  const cp = await rawCharger(t, restarted.url, 'CP1', { password: PASSWORDS.CP1 });
  const trigger = await frame(cp, (f) => isCall(f));
  t.same(trigger.slice(2), ['TriggerMessage', { requestedMessage: 'BootNotification' }]);
});
