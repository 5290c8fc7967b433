/**
 * The truth about limits over HTTP (issue 12): per connector the balancer's plan beside what
 * the charger accepted, what is in flight and what it draws; per charger whether chargegate
 * controls it. A real gateway with an ocpp-rpc charger; the balancer's event is forged on the
 * gateway's bus (limits-fixture.ts), since the balancer has its own tests.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import t from 'tap';
import { PASSWORDS, startGateway } from '../../helpers/gateway.js';
import { api, readEvents, TOKENS } from '../../helpers/http.js';
import { bootPayload, rpcCharger } from '../../helpers/rpc-charger.js';
import { allocation, REFUSED, REFUSED_SINCE } from './limits-fixture.js';

// ajv-formats is CommonJS: under NodeNext its function is the default export's default.
const addFormats = (ajv: Ajv) => addFormatsModule.default(ajv, ['date-time']);

/** Fails with `what` after `ms` (the feed's flush is 1 s): a clear failure, not tap's timeout. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

t.test('/api/chargers and /api/site say planned, accepted, in flight, measured, and who is uncontrolled', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read }) });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);

  const before = (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json;
  t.match(before, { controlled: null, connectors: [{ connectorId: 1, limit: null }] }, 'without an allocation: not balanced, control unknown');

  gw.app.events.emit('allocation.changed', allocation());
  const { chargers } = (await api(gw.httpUrl, '/api/chargers', { token: TOKENS.read })).json;
  const cp1 = chargers.find((c: any) => c.id === 'CP1');
  const cp2 = chargers.find((c: any) => c.id === 'CP2');
  t.match(cp1, { controlled: true, connectors: [{ connectorId: 1, limit: { plannedA: 16, acceptedA: 10, inFlightA: 12, measuredA: 9.8, reason: 'fair-share', detail: 'fair share of the supply on L1', phases: ['L1', 'L2', 'L3'], active: true, at: String } }] });
  t.notOk('uncontrolledWhy' in cp1, 'a controlled charger has no reason');
  t.match(cp2, { controlled: false, uncontrolledWhy: REFUSED, uncontrolledSince: REFUSED_SINCE });
  t.same(
    { ...cp2.connectors[0].limit, at: undefined },
    { plannedA: 0, acceptedA: null, inFlightA: null, measuredA: 12, phases: ['L1'], active: true, reason: 'fixed', detail: `uncontrolled (${REFUSED}): assumed at 32 A`, at: undefined },
    'planned 0 A, nothing accepted, drawing 12 A: the API says all three',
  );
  t.notOk('allocation' in cp1.connectors[0], 'the old "allocation" (the plan alone) is gone');

  t.match((await api(gw.httpUrl, '/api/chargers/CP2', { token: TOKENS.read })).json, { controlled: false, uncontrolledWhy: REFUSED });

  const site = (await api(gw.httpUrl, '/api/site', { token: TOKENS.read })).json;
  t.same(
    site.connectors.map((c: any) => [c.chargerId, c.connectorId, c.plannedA, c.acceptedA, c.inFlightA, c.measuredA]),
    [
      ['CP1', 1, 16, 10, 12, 9.8],
      ['CP2', 1, 0, null, null, 12],
    ],
  );
  t.same(site.chargers, [
    { chargerId: 'CP1', controlled: true },
    { chargerId: 'CP2', controlled: false, uncontrolledWhy: REFUSED, uncontrolledSince: REFUSED_SINCE },
  ]);

  // The answer arrives, CP2 accepts at last: the API follows.
  gw.app.events.emit('allocation.changed', allocation({ cp1: { accepted: 12, inFlight: undefined }, cp2: { accepted: 6, amps: 6 }, cp2Controlled: true }));
  const after = (await api(gw.httpUrl, '/api/chargers', { token: TOKENS.read })).json.chargers;
  t.match(after.find((c: any) => c.id === 'CP1').connectors[0].limit, { plannedA: 16, acceptedA: 12, inFlightA: null });
  const cp2After = after.find((c: any) => c.id === 'CP2');
  t.match(cp2After, { controlled: true, connectors: [{ limit: { plannedA: 6, acceptedA: 6 } }] });
  t.notOk('uncontrolledWhy' in cp2After || 'uncontrolledSince' in cp2After, 'controlled again: no reason, no since');
});

t.test('the live feed pushes a charger whose accepted limit or control changed', async (t) => {
  const gw = await startGateway(t);
  gw.app.events.emit('allocation.changed', allocation());
  let snapshot: any;
  const pushed = readEvents(gw.httpUrl, undefined, (event, data) => {
    if (event === 'snapshot') {
      snapshot = data;
      // Only the charger's control changes, and CP2 has no connector in this allocation: the
      // charger list alone must make the feed send it.
      const next = allocation({ cp2Controlled: true });
      next.connectors = next.connectors.filter((c) => c.chargerId === 'CP1');
      gw.app.events.emit('allocation.changed', next);
      return false;
    }
    return event === 'charger' && data.id === 'CP2' && data.controlled === true;
  });
  await within(10_000, pushed, 'a charger event with CP2 controlled');
  t.match(snapshot.chargers.find((c: any) => c.id === 'CP2'), { controlled: false, uncontrolledWhy: REFUSED, connectors: [{ limit: { plannedA: 0, acceptedA: null } }] }, 'the snapshot has it');
  t.match(snapshot.site.chargers, [{ chargerId: 'CP1', controlled: true }, { chargerId: 'CP2', controlled: false }]);
});

t.test('the OpenAPI document describes the limit fields, and the answers fit it', async (t) => {
  const gw = await startGateway(t);
  const doc = (await api(gw.httpUrl, '/api/openapi.json')).json;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: doc.components });
  const fits = (schema: string, answer: unknown) => {
    const validate = ajv.getSchema(`openapi#/components/schemas/${schema}`)!;
    t.ok(validate(answer), `${schema}: ${ajv.errorsText(validate.errors)}`);
  };
  fits('ChargerList', (await api(gw.httpUrl, '/api/chargers')).json);
  gw.app.events.emit('allocation.changed', allocation());
  fits('ChargerList', (await api(gw.httpUrl, '/api/chargers')).json);
  fits('Charger', (await api(gw.httpUrl, '/api/chargers/CP2')).json);
  fits('Site', (await api(gw.httpUrl, '/api/site')).json);
  t.notOk(ajv.getSchema('openapi#/components/schemas/ConnectorLimit')!({ plannedA: 16 }), 'the schema does check: a limit without acceptedA fails it');

  const limit = doc.components.schemas.ConnectorLimit;
  t.same(Object.keys(limit.properties).slice(0, 4), ['plannedA', 'acceptedA', 'inFlightA', 'measuredA']);
  t.match(limit.properties.acceptedA.description, /last accepted.*null: none known/);
  t.match(doc.components.schemas.Charger.properties.controlled.description, /counted at its maximum/);
  t.ok(doc.components.schemas.Charger.properties.uncontrolledWhy);
  t.same(doc.paths['/api/chargers'].get.responses[200].content['application/json'].schema, { $ref: '#/components/schemas/ChargerList' });
  t.same(doc.paths['/api/chargers/{chargerId}'].get.responses[200].content['application/json'].schema, { $ref: '#/components/schemas/Charger' });
  t.same(doc.paths['/api/site'].get.responses[200].content['application/json'].schema, { $ref: '#/components/schemas/Site' });
  // Every $ref points at a schema that is there.
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
  t.same(refs.filter((r) => !(r in doc.components.schemas)), [], 'no dangling $ref');
});
