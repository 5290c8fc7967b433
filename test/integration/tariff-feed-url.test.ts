/**
 * The price feed fetched from a URL (tariff.feed.url) against a real local HTTP server: the
 * prices it serves become the tariff's, the header (an API key) is sent and never logged, and a
 * bad answer (an error status, not JSON, prices that do not parse, no answer) is logged and
 * counted while the last good prices stay.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { createFeedPoller } from '../../src/cost/feed-poll.js';
import { createCostService } from '../../src/cost/service.js';
import { EventBus } from '../../src/events.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { capturingLogger, eventually, startGateway } from '../helpers/gateway.js';
import { api, parsePrometheus } from '../helpers/http.js';

const SECRET = 'Bearer price-api-key-0123456789';

/** A price server whose next answer the test sets: a status and a body, or no answer at all. */
async function priceServer(t: Test) {
  let answer: { status: number; body: string } | 'hang' = { status: 200, body: '[]' };
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    if (answer === 'hang') return;
    res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.status === 302 ? { location: 'http://elsewhere.example/p?token=t' } : {}) }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prices?key=in-the-query`,
    requests,
    answer: (a: typeof answer) => void (answer = a),
  };
}

const inAnHour = (price: number) => JSON.stringify([{ from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString(), price }]);

t.test('fetched every interval; a bad answer is logged and counted, the last good prices stay', async (t) => {
  const server = await priceServer(t);
  server.answer({ status: 200, body: inAnHour(0.12) });
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const events = new EventBus(() => undefined);
  const polls: { ok: boolean; problem?: string }[] = [];
  events.on('tariff.feedPoll', (e) => void polls.push(e));
  const { logger, entries } = capturingLogger('debug');
  const cost = createCostService({
    tariff: { currency: 'EUR', price: 0.3, periods: [], timeZone: 'UTC' },
    feedValidityS: 3600,
    // Faster than the config allows (60 s at least), so the test sees several fetches.
    poll: { url: server.url, intervalMs: 100, header: { name: 'Authorization', value: SECRET } },
    store,
    events,
    logger,
    now: () => new Date(),
  });
  cost.start();
  t.teardown(() => cost.stop());
  await eventually(() => cost.priceNow() === 0.12, 'the served price is the price now');
  t.equal(server.requests[0]?.authorization, SECRET, 'the header is sent');
  t.match(cost.feedPoll(), { failures: 0, lastError: null, lastOkAt: String });

  const bad = async (answer: Parameters<typeof server.answer>[0], problem: RegExp) => {
    const before = polls.length;
    server.answer(answer);
    await eventually(() => polls.slice(before).some((p) => !p.ok), `a failed fetch (${problem})`);
    t.match(polls.slice(before).find((p) => !p.ok)?.problem, problem);
    t.equal(cost.priceNow(), 0.12, 'the last good price stays');
  };
  await bad({ status: 503, body: 'busy' }, /HTTP 503/);
  await bad({ status: 200, body: '<html>' }, /not JSON/);
  await bad({ status: 200, body: '[{"from":"soon","price":1}]' }, /prices\[0\]\.from must be a date-time with a zone/);
  await bad({ status: 302, body: '' }, /HTTP 302: redirected to http:\/\/elsewhere\.example\/p\?…; give the final URL/);
  t.ok(cost.feedPoll()!.failures >= 4, 'counted');
  t.notOk(server.requests.some((h) => h.host?.includes('elsewhere')), 'a redirect is not followed (the key stays here)');
  t.match(cost.feedPoll()!.lastError, /HTTP 503|not JSON|prices\[0\]|HTTP 302/);

  server.answer({ status: 200, body: inAnHour(0.09) });
  await eventually(() => cost.priceNow() === 0.09, 'a good answer again: its price');
  t.equal(cost.feedPoll()!.lastError, null);

  const warnings = entries().filter((e) => e.msg === 'tariff feed answer not taken: the last good prices stay');
  t.ok(warnings.length >= 3, 'each bad answer is logged');
  t.match(warnings[0], { url: /^http:\/\/127\.0\.0\.1:\d+\/prices\?…$/, problem: /HTTP 503/ }, 'the URL without its query');
  const all = JSON.stringify(entries());
  t.notOk(all.includes('price-api-key') || all.includes('in-the-query'), 'neither the header\'s secret nor the query is in the log');
});

t.test('no answer in time: a timeout, counted', async (t) => {
  const server = await priceServer(t);
  server.answer('hang');
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const events = new EventBus(() => undefined);
  const polls: { ok: boolean; problem?: string }[] = [];
  events.on('tariff.feedPoll', (e) => void polls.push(e));
  const poller = createFeedPoller({ url: server.url, intervalMs: 60_000, timeoutMs: 200, take: () => ({ accepted: true, reason: '' }), events, logger: capturingLogger().logger });
  poller.start();
  t.teardown(() => poller.stop());
  await eventually(() => polls.length > 0, 'the fetch gives up');
  t.match(polls[0], { ok: false, problem: /no answer within 0.2 s/ });
});

t.test('tariff.feed.url in the config: the prices in GET /api/tariff, the fetches in /metrics', async (t) => {
  const server = await priceServer(t);
  server.answer({ status: 200, body: inAnHour(0.07) });
  const gw = await startGateway(t, {
    patch: (c) => {
      c.tariff = { currency: 'EUR', price: 0.3, feed: { url: server.url, interval: 60, header: { name: 'X-Api-Key', value: 'k-123456' } } };
    },
  });
  let tariff: any;
  await eventually(async () => {
    tariff = (await api(gw.httpUrl, '/api/tariff')).json;
    return tariff.priceNow === 0.07;
  }, 'the fetched price in the API');
  t.match(tariff, { feed: [{ price: 0.07 }], feedPoll: { polls: 1, failures: 0, lastError: null } });
  t.equal(server.requests[0]?.['x-api-key'], 'k-123456');
  const metrics = parsePrometheus((await api(gw.httpUrl, '/metrics')).text);
  t.equal(metrics.get('chargegate_tariff_feed_polls_total{result="ok"}'), 1, 'the fetch is counted');
});
