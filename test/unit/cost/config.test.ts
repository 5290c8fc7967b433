import t from 'tap';
import { problemsOf } from '../../helpers/config.js';
import { parseConfig } from '../../../src/config/load.js';
import { tariffOf } from '../../../src/cost/options.js';

t.test('a tariff: fixed, time-of-use and feed keys', async (t) => {
  const text = 'site:\n  supply: { maxCurrent: 25 }\n  timeZone: Europe/Vienna\ntariff:\n  currency: EUR\n  price: 0.3\n  periods:\n    - { from: "22:00", to: "06:00", price: 0.2 }\n    - { from: "17:00", to: "20:00", days: [mon, tue], price: 0.4 }\n  feed: {}\n';
  t.strictSame(problemsOf(text), []);
  const config = parseConfig(text, { env: {}, baseDir: '/tmp' });
  t.equal(config.tariff?.feed?.validity, 3600, 'the feed validity has a default');
  t.strictSame(tariffOf(config, 'UTC'), { currency: 'EUR', price: 0.3, periods: config.tariff?.periods, timeZone: 'Europe/Vienna' }, "the site's time zone by default");
  t.equal(tariffOf(parseConfig('', { env: {}, baseDir: '/tmp' }), 'UTC'), undefined, 'no tariff section: no tariff');
});

t.test('bad tariff keys name the key, the value and what is allowed', async (t) => {
  const cases: [string, string][] = [
    ['tariff:\n  currency: euro\n  price: 0.3\n', 'tariff.currency: must be an ISO 4217 currency code such as EUR, CHF, GBP, got "euro"'],
    ['tariff:\n  currency: EUR\n  price: -1\n', 'tariff.price: must be a number from 0 to 1000, got -1'],
    ['tariff:\n  currency: EUR\n  periods:\n    - { from: "25:00", to: "06:00", price: 0.2 }\n', 'tariff.periods[0].from: must be a time of day HH:MM, e.g. 17:00, got "25:00"'],
    ['tariff:\n  currency: EUR\n  periods:\n    - { from: "22:00", to: "06:00", days: [monday], price: 0.2 }\n', 'tariff.periods[0].days[0]: must be one of mon, tue, wed, thu, fri, sat, sun, got "monday"'],
    ['tariff:\n  currency: EUR\n  timeZone: Mars/Olympus\n  price: 0.3\n', 'tariff.timeZone: must be an IANA time zone such as Europe/Berlin, got "Mars/Olympus"'],
    ['tariff:\n  currency: EUR\n', 'tariff: needs a price per kWh (price), time-of-use periods (periods) or a price feed (feed): with none, nothing has a cost'],
    ['tariff:\n  currency: EUR\n  feed: { validity: 10 }\n', 'tariff.feed.validity: must be a number from 60 to 604800, got 10'],
  ];
  for (const [text, problem] of cases) t.strictSame(problemsOf(text), [problem], text);
  t.match(problemsOf('tariff:\n  currency: EUR\n  prize: 0.3\n'), [/^tariff\.prize: unknown key \(allowed: currency, price, timeZone, periods, feed\); did you mean "price"\?/], 'a misspelt key alone, not also "needs a price"');
  t.strictSame(problemsOf('site:\n  supply: { maxCurrent: 25 }\n  prices:\n    threshold: 0.3\n    maxCurrent: 10\n    table: [{ from: "2026-12-03T10:00:00Z", price: 0.5 }]\ntariff:\n  currency: EUR\n  price: 0.3\n'), [
    "site.prices.table: with a tariff: section, site.prices compares the tariff's price (its periods, price and feed) with its threshold: leave table out",
  ], 'one source of prices for the site');
});

t.test('tariff.feed.url: fetched with an interval and a header whose secret comes from the environment', async (t) => {
  const text = 'tariff:\n  currency: EUR\n  feed:\n    url: https://prices.example/api/today\n    header: { name: Authorization, value: "Bearer ${PRICE_KEY}" }\n';
  t.strictSame(problemsOf(text), ['tariff.feed.header.value: environment variable PRICE_KEY is not set'], 'a secret not in the environment stops start-up');
  const config = parseConfig(text, { env: { PRICE_KEY: 'k-42' }, baseDir: '/tmp' });
  t.strictSame(config.tariff?.feed, { validity: 3600, url: 'https://prices.example/api/today', interval: 900, header: { name: 'Authorization', value: 'Bearer k-42' } }, 'a fetch every 15 minutes by default; the secret from ${PRICE_KEY}');
  const cases: [string, string][] = [
    ['tariff:\n  currency: EUR\n  feed: { url: "ftp://prices.example/x" }\n', 'tariff.feed.url: must be an http:// or https:// URL, got "ftp://prices.example/x"'],
    ['tariff:\n  currency: EUR\n  feed: { url: "https://prices.example/x", interval: 5 }\n', 'tariff.feed.interval: must be a number from 60 to 86400, got 5'],
    ['tariff:\n  currency: EUR\n  feed: { url: "https://prices.example/x", header: { name: "Api Key", value: x } }\n', 'tariff.feed.header.name: must be an HTTP header name such as Authorization, got "Api Key"'],
  ];
  for (const [text, problem] of cases) t.strictSame(problemsOf(text), [problem], text);
});
