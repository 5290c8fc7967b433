/**
 * The tariff and what charging cost (src/cost, docs/cost.md): GET /api/tariff, PUT
 * /api/tariff/prices (the dynamic price feed over HTTP), GET /api/reports/cost?month=YYYY-MM,
 * GET /api/sessions/{transactionId} (one session with its cost).
 */
import type { Config } from '../../config/schema.js';
import type { CostService } from '../../cost/service.js';
import { monthlyCost, monthRange, MONTH_PATTERN } from '../../report/cost.js';
import { findSessions, withCosts } from '../../report/sessions.js';
import type { SessionStore } from '../../store/ports.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';

export interface CostRouteDeps {
  config: Config;
  cost: CostService | undefined;
  sessions: Pick<SessionStore, 'list' | 'get'>;
  timeZone: string;
  now: () => Date;
}

/** A feed of a week of quarter-hours with room to spare. */
const FEED_BODY_BYTES = 256 * 1024;

export function costRoutes(deps: CostRouteDeps): Route[] {
  const service = (): CostService => {
    if (!deps.cost) throw new HttpError('not_configured', 'no tariff: section in the config (docs/cost.md)');
    return deps.cost;
  };
  return [
    route({
      method: 'GET',
      path: '/api/tariff',
      access: 'read',
      tag: 'cost',
      summary: 'The tariff: currency, the price per kWh now, the fixed price, the time-of-use periods, the feed\'s known prices, and the fetches of tariff.feed.url (feedPoll: polls, failures, lastOkAt, lastError; null without a url).',
      handle() {
        const cost = service();
        const tariff = deps.config.tariff!;
        return {
          json: {
            currency: cost.currency,
            priceNow: cost.priceAt(deps.now().getTime()) ?? null,
            price: tariff.price ?? null,
            timeZone: tariff.timeZone ?? deps.timeZone,
            periods: tariff.periods,
            feed: cost.feed().map((p) => ({ from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString(), price: p.price })),
            feedPoll: cost.feedPoll() ?? null,
          },
        };
      },
    }),
    route({
      method: 'PUT',
      path: '/api/tariff/prices',
      access: 'command',
      tag: 'cost',
      summary: 'New dynamic prices (needs tariff.feed): {"prices": [{"from", "to"?, "price"}]}; they replace the known prices from the first "from" on.',
      rawBody: '{"prices": [{"from": "2026-12-03T17:00:00+01:00", "to": "2026-12-03T18:00:00+01:00", "price": 0.42}]}: from/to date-times with a zone, price per kWh; an entry without "to" holds until the next, the last for tariff.feed.validity.',
      maxBodyBytes: FEED_BODY_BYTES,
      handle({ raw }) {
        const result = service().setFeed(raw);
        if (!result.accepted) throw new HttpError(deps.config.tariff?.feed ? 'bad_body' : 'not_configured', result.reason);
        return { json: result };
      },
    }),
    route({
      method: 'GET',
      path: '/api/reports/cost',
      access: 'read',
      tag: 'cost',
      summary: 'What the finished sessions that started in a month cost, in total and per charger (each at the cost stored when it ended).',
      query: {
        month: { type: 'string', minLength: 7, maxLength: 7, required: true, description: 'The month, YYYY-MM.' },
        charger: { type: 'string', maxLength: 48, description: 'Only this charger.' },
        tz: { type: 'timeZone', description: `Time zone of the month (default ${deps.timeZone}).` },
      },
      handle({ query }) {
        const cost = service();
        if (!MONTH_PATTERN.test(query.month!)) throw new HttpError('bad_query', `"month" must be YYYY-MM, got ${JSON.stringify(query.month)}`);
        const sessions = findSessions(deps.sessions, { ...monthRange(query.month!), ...(query.charger !== undefined ? { chargerId: query.charger } : {}) });
        const report = monthlyCost(withCosts(sessions, (s) => cost.costOf(s)), query.month!, query.tz ?? deps.timeZone);
        return { json: { ...report, currency: report.currency ?? cost.currency } };
      },
    }),
    route({
      method: 'GET',
      path: '/api/sessions/{transactionId}',
      access: 'read',
      tag: 'sessions',
      summary: 'One session, with its cost where a tariff is configured.',
      params: { transactionId: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1, required: true, description: 'The transaction id.' } },
      handle({ params }) {
        const session = deps.sessions.get(params.transactionId!);
        if (!session) throw new HttpError('not_found', `no session ${params.transactionId}`);
        return { json: withCosts([session], deps.cost && ((s) => deps.cost!.costOf(s)))[0] };
      },
    }),
  ];
}
