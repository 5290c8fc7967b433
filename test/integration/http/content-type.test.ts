/**
 * Issue 13: without a token (loopback) anyone on this machine may command, and so could any
 * web page the user visits: a cross-site HTML form or a "simple" fetch reaches 127.0.0.1
 * without a CORS preflight, but only with a form, multipart or text/plain body (or none). A
 * command therefore needs Content-Type: application/json, and nothing else reaches the charger.
 */
import t from 'tap';
import { PASSWORDS, startGateway } from '../../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../../helpers/rpc-charger.js';
import { rawRequest } from './raw-http.js';

t.test('a command without Content-Type: application/json is refused with 415 and never sent', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = { port: 0 }) });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  const resets: unknown[] = [];
  cp.handle('Reset', ({ params }) => {
    resets.push(params);
    return { status: 'Accepted' };
  });
  const reset = (headers: Record<string, string>, body?: string) => rawRequest(gw.httpUrl, '/api/chargers/CP1/reset', { method: 'POST', headers, ...(body !== undefined ? { body } : {}) });

  const refused: [string, Record<string, string>, string?][] = [
    ['no Content-Type, no body (fetch(url, {method: "POST", mode: "no-cors"}))', {}],
    ['no Content-Type, an empty body', {}, ''],
    ['no Content-Type, a JSON body', {}, '{"type":"hard"}'],
    ['an empty form', { 'content-type': 'application/x-www-form-urlencoded' }, ''],
    ['a form field', { 'content-type': 'application/x-www-form-urlencoded' }, 'type=hard'],
    ['a text/plain form carrying JSON', { 'content-type': 'text/plain' }, '{"type":"hard"}'],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--\r\n'],
    ['a look-alike type', { 'content-type': 'application/json-patch+json' }, '{"type":"hard"}'],
  ];
  for (const [what, headers, body] of refused) {
    const answer = await reset(headers, body);
    t.equal(answer.status, 415, what);
    t.equal(answer.json?.error?.code, 'unsupported_media_type', what);
  }
  t.match((await reset({})).json.error.message, /needs the header Content-Type: application\/json/, 'the message says what to send');
  t.match((await reset({ 'content-type': 'text/plain' }, 'x')).json.error.message, /not "text\/plain"/);
  t.same(resets, [], 'no refused request reached the charger');

  const json = await reset({ 'content-type': 'application/json; charset=utf-8' }, '{"type":"hard"}');
  t.match(json, { status: 200, json: { accepted: true } }, 'application/json with a charset');
  const empty = await reset({ 'content-type': 'Application/JSON' }, '');
  t.match(empty, { status: 200, json: { accepted: true } }, 'an empty JSON body is {}');
  t.same(resets, [{ type: 'Hard' }, { type: 'Soft' }]);

  t.equal((await rawRequest(gw.httpUrl, '/api/chargers')).status, 200, 'reads need no Content-Type');
});
