/**
 * The HTTP API over real HTTP, against a real gateway with an ocpp-rpc charger: tokens, the
 * sessions as JSON and CSV, 400s that say what was wrong, commands, OpenAPI and SSE.
 */
import t, { type Test } from 'tap';
import type { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { PASSWORDS, startGateway, type RunningGateway } from '../../helpers/gateway.js';
import { api, readEvents, TOKENS } from '../../helpers/http.js';
import { bootPayload, callSoon, rpcCharger, type RpcClient } from '../../helpers/rpc-charger.js';

async function siteWithSessions(t: Test): Promise<{ gw: RunningGateway; cp: RpcClient }> {
  const gw = await startGateway(t, { patch: (c) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read }) });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
  const a = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: '2025-06-01T08:00:00Z' });
  await cp.call('StopTransaction', { transactionId: a.transactionId, meterStop: 8500, timestamp: '2025-06-01T09:00:00Z', reason: 'EVDisconnected' });
  const b = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 8500, timestamp: '2025-06-02T22:30:00+02:00' });
  await cp.call('StopTransaction', { transactionId: b.transactionId, meterStop: 20000, timestamp: '2025-06-02T23:30:00+02:00' });
  await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 20000, timestamp: '2025-06-03T07:00:00Z' });
  return { gw, cp };
}

t.test('tokens: none → 401, the read token reads but cannot command, the full token commands', async (t) => {
  const { gw, cp } = await siteWithSessions(t);
  const refused = await api(gw.httpUrl, '/api/chargers');
  t.equal(refused.status, 401);
  t.equal(refused.json.error.code, 'unauthorized');
  t.equal(refused.headers.get('www-authenticate'), 'Bearer realm="chargegate"');
  t.equal((await api(gw.httpUrl, '/api/chargers', { token: 'wrong-token-0123456789' })).status, 401, 'a wrong token');
  t.equal((await api(gw.httpUrl, '/metrics')).status, 401, '/metrics needs a token too');

  const heartbeatAt = Date.now();
  await cp.call('Heartbeat', {});
  const read = await api(gw.httpUrl, '/api/chargers', { token: TOKENS.read });
  t.equal(read.status, 200);
  const cp1 = read.json.chargers.find((c: any) => c.id === 'CP1');
  const lastMessageAt = Date.parse(cp1.lastMessageAt);
  t.ok(lastMessageAt >= heartbeatAt && lastMessageAt <= Date.now(), `lastMessageAt is its last message, the Heartbeat (${cp1.lastMessageAt})`);
  t.equal(cp1.lastMessageAt, new Date(lastMessageAt).toISOString(), 'lastMessageAt as an ISO time');
  t.match(cp1, { online: true, configured: true, vendor: 'TestVendor', connectors: [{ connectorId: 1, session: { idTag: 'TAG1' } }] });
  t.match(read.json.chargers.find((c: any) => c.id === 'CP2'), { online: false, status: 'Never connected' }, 'a configured charger that never connected is listed');

  const forbidden = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/stop', { token: TOKENS.read, body: {} });
  t.equal(forbidden.status, 403);
  t.match(forbidden.json.error, { code: 'forbidden', message: /only read/ });

  let stopped: unknown;
  cp.handle('RemoteStopTransaction', ({ params }) => {
    stopped = params;
    return { status: 'Accepted' };
  });
  const ok = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/stop', { token: TOKENS.full, body: {} });
  t.equal(ok.status, 200);
  t.match(ok.json, { accepted: true, reason: /charger answered Accepted to RemoteStopTransaction/ });
  t.match(stopped, { transactionId: Number });

  t.same((await api(gw.httpUrl, '/api/whoami', { token: TOKENS.read })).json, { authRequired: true, role: 'read', remembered: false });
});

t.test('sessions: JSON and CSV list the same sessions; filters by charger and time', async (t) => {
  const { gw } = await siteWithSessions(t);
  const json = await api(gw.httpUrl, '/api/sessions', { token: TOKENS.read });
  t.equal(json.json.total, 3);
  const csv = await api(gw.httpUrl, '/api/sessions?format=csv', { token: TOKENS.read });
  t.equal(csv.status, 200);
  t.match(csv.headers.get('content-type'), /^text\/csv/);
  t.match(csv.headers.get('content-disposition'), /attachment; filename="chargegate-sessions.csv"/);
  const [header, ...rows] = csv.text.trimEnd().split('\r\n').map((l) => l.split(','));
  t.same(header, ['transactionId', 'chargerId', 'connectorId', 'idTag', 'state', 'startedAt', 'stoppedAt', 'meterStartWh', 'meterStopWh', 'energyKWh', 'stopReason', 'cost', 'currency']);
  t.same(
    rows.map((r) => [Number(r[0]), r[1], r[3], r[4], r[9] === '' ? undefined : Number(r[9])]),
    json.json.sessions.map((s: any) => [s.transactionId, s.chargerId, s.idTag, s.state, s.energyWh === undefined ? undefined : s.energyWh / 1000]),
    'one CSV row per session, energy in kWh',
  );

  // 2025-06-02T22:30+02:00 is 20:30 UTC on the 2nd: inside [06-02, 06-03) by instant.
  const day2 = await api(gw.httpUrl, '/api/sessions?from=2025-06-02&to=2025-06-03', { token: TOKENS.read });
  t.same(day2.json.sessions.map((s: any) => s.idTag), ['TAG2']);
  t.equal((await api(gw.httpUrl, '/api/sessions?charger=CP2', { token: TOKENS.read })).json.total, 0);
  t.same((await api(gw.httpUrl, '/api/sessions?state=active', { token: TOKENS.read })).json.sessions.map((s: any) => s.startedAt), ['2025-06-03T07:00:00Z']);

  const energy = await api(gw.httpUrl, '/api/energy', { token: TOKENS.read });
  t.same(energy.json.rows, [
    { day: '2025-06-01', chargerId: 'CP1', sessions: 1, energyWh: 7500 },
    { day: '2025-06-02', chargerId: 'CP1', sessions: 1, energyWh: 11500 },
  ]);
  const berlin = await api(gw.httpUrl, '/api/energy?by=day&tz=Asia/Tokyo&format=csv', { token: TOKENS.read });
  t.equal(berlin.text, 'day,sessions,energyKWh\r\n2025-06-01,1,7.5\r\n2025-06-03,1,11.5\r\n', 'days in the asked time zone');
});

t.test('a bad request gets 400 with what was wrong, never 500', async (t) => {
  const { gw } = await siteWithSessions(t);
  const cases: [string, RegExp, { method?: string; body?: unknown; rawBody?: string; contentType?: string }?][] = [
    ['/api/sessions?from=yesterday', /parameter "from" must be a date .* got "yesterday"/],
    ['/api/sessions?from=2025-02-30', /parameter "from" must be a date/],
    ['/api/sessions?from=2025-06-02T10:00:00', /parameter "from"/],
    ['/api/sessions?from=2025-06-03&to=2025-06-01', /"from" .* must be before "to"/],
    ['/api/sessions?limit=0', /parameter "limit" must be a whole number from 1/],
    ['/api/sessions?format=xml', /parameter "format" must be one of json, csv/],
    ['/api/sessions?chargerid=CP1', /unknown parameter "chargerid" \(allowed: charger, from, to, state, limit, format\)/],
    ['/api/sessions?charger=CP1&charger=CP2', /given 2 times/],
    ['/api/energy?tz=Mars/Olympus', /IANA time zone/],
    ['/api/chargers/CP1/connectors/x/start', /parameter "connectorId" must be a whole number/, { body: { idTag: 'TAG1' } }],
    ['/api/chargers/CP1/connectors/1/start', /"idTag" is required/, { body: {} }],
    ['/api/chargers/CP1/connectors/1/start', /unknown key "idtag"/, { body: { idtag: 'TAG1' } }],
    ['/api/chargers/CP1/connectors/1/start', /not valid JSON/, { rawBody: '{idTag:' }],
    ['/api/chargers/CP1/connectors/1/start', /expected a JSON object/, { body: ['TAG1'] }],
    ['/api/chargers/CP1/reset', /"type" must be one of soft, hard/, { body: { type: 'warm' } }],
    ['/api/chargers/%E0%A4%A/reset', /percent-encoding/, { body: {} }],
  ];
  for (const [path, message, options] of cases) {
    const answer = await api(gw.httpUrl, path, { token: TOKENS.full, ...options });
    t.equal(answer.status, 400, `${path} → 400`);
    t.match(answer.json?.error?.message, message, path);
    t.match(answer.json?.error?.code, /^bad_(query|body|json)$/);
  }
  const media = await api(gw.httpUrl, '/api/chargers/CP1/reset', { token: TOKENS.full, rawBody: 'type=soft', contentType: 'application/x-www-form-urlencoded' });
  t.equal(media.status, 415);
  t.equal((await api(gw.httpUrl, '/api/chargers/CP1/reset', { token: TOKENS.full, rawBody: JSON.stringify({ type: 'x'.repeat(20000) }) })).status, 413);
  t.match(await api(gw.httpUrl, '/api/nothing', { token: TOKENS.full }), { status: 404, json: { error: { code: 'not_found' } } });
  t.match(await api(gw.httpUrl, '/api/chargers', { token: TOKENS.full, method: 'DELETE' }), { status: 405, json: { error: { code: 'method_not_allowed' } } });
  t.match(await api(gw.httpUrl, '/api/chargers/NOPE', { token: TOKENS.full }), { status: 404, json: { error: { code: 'unknown_charger' } } });
  t.match(await api(gw.httpUrl, '/api/chargers/CP2/connectors/1/start', { token: TOKENS.full, body: { idTag: 'TAG1' } }), { status: 409, json: { error: { code: 'charger_offline' } } });
});

t.test('without load balancing or upstream the API says so; a cap is the charger\'s own, a site limit is refused', async (t) => {
  const { gw, cp } = await siteWithSessions(t);
  // The answer waits for the charger's (a refused cap is answered accepted: false).
  cp.handle('SetChargingProfile', () => ({ status: 'Accepted' }));
  t.match((await api(gw.httpUrl, '/api/site', { token: TOKENS.read })).json, { balancing: false, message: 'load balancing not configured', connectors: [] });
  t.same((await api(gw.httpUrl, '/api/upstream', { token: TOKENS.read })).json, { configured: false, message: 'no upstream configured' });
  const cap = await api(gw.httpUrl, '/api/chargers/CP1/max-current', { token: TOKENS.full, body: { amps: 10 } });
  t.match(cap, { status: 200, json: { accepted: true, reason: /capped at 10 A/ } });
  const siteLimit = await api(gw.httpUrl, '/api/site/limit', { token: TOKENS.full, body: { amps: 10, duration: 60 } });
  t.match(siteLimit, { status: 200, json: { accepted: false, reason: /a site limit needs load balancing/ } });
  const history = await api(gw.httpUrl, '/api/site/history', { token: TOKENS.read });
  t.match(history.json, { intervalS: 15, samples: [{ chargersA: [Number, Number, Number], limitA: null }] }, 'a sample taken at start');
});

t.test('a start command reaches the charger and the live feed shows the session', async (t) => {
  const { gw, cp } = await siteWithSessions(t);
  await cp.call('StatusNotification', { connectorId: 2, status: 'Preparing', errorCode: 'NoError' });
  let started: Promise<unknown> | undefined;
  cp.handle('RemoteStartTransaction', ({ params }) => {
    // A real charger answers, then starts.
    started = callSoon(cp, 'StartTransaction', { connectorId: params.connectorId, idTag: params.idTag, meterStart: 0, timestamp: new Date().toISOString() });
    return { status: 'Accepted' };
  });
  const seen: string[] = [];
  const live = readEvents(gw.httpUrl, TOKENS.read, (event, data) => {
    seen.push(event);
    return event === 'session' && data.idTag === 'TAG2' && data.state === 'active';
  });
  const answer = await api(gw.httpUrl, '/api/chargers/CP1/connectors/2/start', { token: TOKENS.full, body: { idTag: 'TAG2' } });
  t.same(answer.json, { accepted: true, reason: 'charger answered Accepted to RemoteStartTransaction' });
  await live;
  t.equal(seen[0], 'snapshot', 'the feed starts with a snapshot');
  t.match(await started, { transactionId: Number, idTagInfo: { status: 'Accepted' } }, 'the charger\'s StartTransaction answered');
});

t.test('the OpenAPI document parses and describes every route', async (t) => {
  const { gw } = await siteWithSessions(t);
  const doc = await api(gw.httpUrl, '/api/openapi.json');
  t.equal(doc.status, 200, 'public: no token needed');
  t.equal(doc.json.openapi, '3.1.0');
  for (const path of ['/api/chargers', '/api/chargers/{chargerId}', '/api/sessions', '/api/energy', '/api/site', '/api/site/history', '/api/upstream', '/api/events', '/metrics', '/api/site/limit', '/api/chargers/{chargerId}/connectors/{connectorId}/start']) {
    t.ok(doc.json.paths[path], path);
  }
  t.match(doc.json.paths['/api/sessions'].get.parameters.map((p: any) => p.name), ['charger', 'from', 'to', 'state', 'limit', 'format']);
  t.same(doc.json.paths['/api/chargers/{chargerId}/connectors/{connectorId}/start'].post.requestBody.content['application/json'].schema.required, ['idTag']);
  const ids = Object.values(doc.json.paths).flatMap((ops: any) => Object.values(ops).map((op: any) => op.operationId));
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
});

t.test('config: a non-loopback host without a token is refused, naming the key', async (t) => {
  const parse = (http: string) => parseConfig(`http: ${http}\n`, { env: {}, baseDir: t.testdirName });
  const problems = (http: string) => {
    try {
      parse(http);
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };
  t.match(problems('{ host: 0.0.0.0 }'), [/^http\.host: the API would be reachable from the network on 0\.0\.0\.0 without a token/]);
  t.match(problems(`{ token: ${TOKENS.full}, readToken: ${TOKENS.full} }`), [/^http\.readToken: must differ/]);
  t.match(problems('{ token: short }'), [/^http\.token: /]);
  t.equal(parse('{ host: 127.0.0.1 }').http.host, '127.0.0.1');
  t.equal(parse(`{ token: ${TOKENS.full} }`).http.token, TOKENS.full);
});
