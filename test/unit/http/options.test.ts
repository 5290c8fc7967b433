/** The http: section resolved: timeouts in ms, the names and origins the guard accepts, and the cross-key checks. */
import t from 'tap';
import type { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { resolveHttpOptions } from '../../../src/http/options.js';

const parse = (http: string) => parseConfig(`http: ${http}\n`, { env: {}, baseDir: '/tmp' });
const problems = (http: string): string[] => {
  try {
    parse(http);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

t.test('defaults: 10 s headers, 30 s request, 5 s keep-alive; localhost, the listen address and the machine name', async (t) => {
  const options = resolveHttpOptions(parse('{}').http, 'Garage-Pi.fritz.box');
  t.same(options.timeouts, { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 });
  t.same(options.hostNames, ['localhost', '127.0.0.1', 'garage-pi.fritz.box', 'garage-pi.local']);
  t.same(options.allowedOrigins, []);
});

t.test('configured names and origins are normalised', async (t) => {
  const options = resolveHttpOptions(parse('{ allowedHosts: [EV.example.com, localhost], allowedOrigins: ["https://EV.example.com:443", "http://10.0.0.5:8080"], requestTimeout: 2, headersTimeout: 1.5, keepAliveTimeout: 0.5 }').http);
  t.same(options.hostNames, ['localhost', '127.0.0.1', 'ev.example.com']);
  t.same(options.allowedOrigins, ['https://ev.example.com', 'http://10.0.0.5:8080']);
  t.same(options.timeouts, { headersMs: 1500, requestMs: 2000, keepAliveMs: 500 });
  t.equal(resolveHttpOptions(parse('{ requestTimeout: 2 }').http).timeouts.headersMs, 2000, 'a default headersTimeout above requestTimeout is lowered to it');
});

t.test('bad values are refused, naming the key', async (t) => {
  t.match(problems('{ requestTimeout: 5, headersTimeout: 6 }'), [/^http\.headersTimeout: must be at most http\.requestTimeout \(5 s\)/]);
  t.match(problems('{ headersTimeout: 31 }'), [/^http\.headersTimeout: must be at most http\.requestTimeout \(30 s\)/]);
  t.match(problems('{ requestTimeout: 0 }'), [/^http\.requestTimeout: /], 'no way to switch the timeout off');
  t.match(problems('{ allowedHosts: ["gw.lan:8080"] }'), [/^http\.allowedHosts\[0\]: .*host name without scheme or port/]);
  t.match(problems('{ allowedHosts: ["http://gw.lan"] }'), [/^http\.allowedHosts\[0\]: /]);
  t.match(problems('{ allowedOrigins: ["https://ev.example.com/"] }'), [/^http\.allowedOrigins\[0\]: .*no path/]);
  t.match(problems('{ allowedOrigins: ["ev.example.com"] }'), [/^http\.allowedOrigins\[0\]: /]);
  t.same(problems('{ allowedHosts: ["*"], allowedOrigins: ["http://[::1]:8080"] }'), []);
});
