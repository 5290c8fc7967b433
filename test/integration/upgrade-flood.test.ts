/**
 * A flood of refused upgrades from one address (issue 13): the log keeps a few lines per
 * source and window, with the URL cut short, and says how many it dropped; every refusal is
 * still answered with its status.
 */
import t from 'tap';
import { capturingLogger, startGateway } from '../helpers/gateway.js';
import { refusedUpgrade } from '../helpers/raw.js';

t.test('300 refused upgrades with 8 KB URLs cost the log a handful of short lines', async (t) => {
  const { logger, entries } = capturingLogger('info');
  const gw = await startGateway(t, { logger });
  const long = 'x'.repeat(8000);
  const statuses: number[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const answers = await Promise.all(Array.from({ length: 30 }, () => refusedUpgrade(gw.url, `CP1/${long}`, {})));
    statuses.push(...answers.map((a) => a.status));
  }
  t.equal(statuses.length, 300);
  t.ok(statuses.every((s) => s >= 400 && s < 500), 'every one refused with a 4xx');
  const refused = entries().filter((e) => e.msg === 'connection refused');
  t.ok(refused.length >= 1 && refused.length <= 5, `${refused.length} 'connection refused' lines for 300 refusals`);
  for (const e of refused) t.ok(String(e.url).length < 300, 'the URL is cut short in the log');
  const bytes = entries().reduce((n, e) => n + JSON.stringify(e).length, 0);
  t.ok(bytes < 20_000, `${bytes} bytes of log in all`);
});
