/**
 * One charger flooding the gateway with CALLs (issue 13): its calls wait their turn — none is
 * refused, transaction messages included — at the configured rate, and another charger is
 * answered meanwhile. The rate is asserted as an upper bound (a busy box only makes it slower).
 */
import t from 'tap';
import { capturingLogger, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger } from '../helpers/raw.js';

const RATE = 200;
const BURST = 20;
const FLOOD = 600;

t.test('a MeterValues flood from one charger: every call answered, none refused, at the rate; the other charger is served meanwhile', async (t) => {
  const { logger, entries } = capturingLogger('warn');
  const gw = await startGateway(t, { logger, patch: (c) => Object.assign(c.ocpp, { callRate: RATE, callBurst: BURST, maxCallsInFlight: 4 }) });
  const boot = { chargePointVendor: 'V', chargePointModel: 'M' };
  const flooder = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
  const other = await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2 });
  await flooder.call('b1', 'BootNotification', boot);
  await other.call('b2', 'BootNotification', boot);

  const answers = () => flooder.received.filter((f) => Array.isArray(f) && typeof f[1] === 'string' && f[1].startsWith('mv-'));
  const started = Date.now();
  for (let i = 0; i < FLOOD; i++) {
    flooder.send([2, `mv-${i}`, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(i), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] }]);
  }
  // The other charger, meanwhile: ten Heartbeats one after the other.
  for (let i = 0; i < 10; i++) {
    const answer = await other.call(`hb-${i}`, 'Heartbeat', {});
    t.equal(answer[0], 3, `the other charger's Heartbeat ${i} answered`);
  }
  const floodAnsweredWhenOtherDone = answers().length;
  t.ok(floodAnsweredWhenOtherDone < FLOOD, `the other charger was served while the flood was still waiting (${floodAnsweredWhenOtherDone} of ${FLOOD} answered)`);
  // At most the burst plus the rate since the flood began (elapsed measured generously: an upper bound).
  const elapsed = (Date.now() - started) / 1000;
  t.ok(floodAnsweredWhenOtherDone <= BURST + RATE * elapsed + 4, `${floodAnsweredWhenOtherDone} answered in ${elapsed.toFixed(2)} s: no more than ${BURST} + ${RATE}/s`);

  await flooder.answerTo(`mv-${FLOOD - 1}`);
  while (answers().length < FLOOD) await flooder.next();
  const all = answers() as unknown[][];
  t.equal(all.filter((f) => f[0] === 3).length, FLOOD, 'every MeterValues got a CALLRESULT');
  t.equal(all.filter((f) => f[0] === 4).length, 0, 'none was refused');
  t.ok(entries().some((e) => /reading paused/.test(String(e.msg))), 'the flood was pushed back on (reading paused)');
});
