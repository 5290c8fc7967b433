/** The tariff section: checks across its keys (at start-up) and the Tariff it describes. */
import type { Problem } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { isTimeZone } from '../report/energy.js';
import type { Tariff } from './tariff.js';

const KEYS = new Set(['currency', 'price', 'timeZone', 'periods', 'feed']);

export function tariffConfigProblems(root: unknown): Problem[] {
  const tariff = (root as { tariff?: Record<string, unknown> } | undefined)?.tariff;
  if (!tariff || typeof tariff !== 'object') return [];
  const problems: Problem[] = [];
  if (typeof tariff.timeZone === 'string' && !isTimeZone(tariff.timeZone)) {
    problems.push({ path: ['tariff', 'timeZone'], text: `must be an IANA time zone such as Europe/Berlin, got ${JSON.stringify(tariff.timeZone)}` });
  }
  const periods = Array.isArray(tariff.periods) ? tariff.periods.length : 0;
  // A misspelt key (prize:) is reported as unknown already; "needs a price" would only add noise.
  const allKnown = Object.keys(tariff).every((k) => KEYS.has(k));
  if (allKnown && tariff.price === undefined && periods === 0 && tariff.feed === undefined) {
    problems.push({ path: ['tariff'], text: 'needs a price per kWh (price), time-of-use periods (periods) or a price feed (feed): with none, nothing has a cost' });
  }
  const table = (root as { site?: { prices?: { table?: unknown } } }).site?.prices?.table;
  if (Array.isArray(table) && table.length > 0) {
    problems.push({ path: ['site', 'prices', 'table'], text: 'with a tariff: section, site.prices compares the tariff\'s price (its periods, price and feed) with its threshold: leave table out' });
  }
  return problems;
}

/** The tariff chargegate prices with; undefined without a tariff section. */
export function tariffOf(config: Config, systemTimeZone: string): Tariff | undefined {
  const t = config.tariff;
  if (!t) return undefined;
  return {
    currency: t.currency,
    ...(t.price !== undefined ? { price: t.price } : {}),
    periods: t.periods,
    timeZone: t.timeZone ?? config.site?.timeZone ?? systemTimeZone,
  };
}
