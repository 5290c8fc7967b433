import t from 'tap';
import { ampTicks, MIN_SPAN_MS, timeDomain, timeTicks } from '../../../src/web/app/chart-scale.js';

const at = (hhmm: string) => Date.parse(`2026-12-03T${hhmm}:00Z`);

t.test('the time axis spans the data, not a fixed window', async (t) => {
  t.same(timeDomain([at('10:00'), at('10:20'), at('10:40')], 4 * 3600_000, at('12:00')), [at('10:00'), at('10:40')], '40 minutes of data fill the chart');
  t.same(timeDomain([at('10:00'), at('10:02')], 4 * 3600_000, at('12:00')), [at('10:02') - MIN_SPAN_MS, at('10:02')], 'at least ten minutes wide');
  t.same(timeDomain([at('01:00'), at('10:00')], 4 * 3600_000, at('12:00')), [at('06:00'), at('10:00')], 'at most the window back from the newest');
  t.same(timeDomain([], 3600_000, at('12:00')), [at('12:00') - MIN_SPAN_MS, at('12:00')], 'no data: the last minutes');
});

t.test('time ticks fall on round times, a handful of them', async (t) => {
  const forty = timeTicks(at('10:00') + 7_000, at('10:40'), 0);
  t.equal(forty.step, 10 * 60_000);
  t.same(forty.ticks, [at('10:10'), at('10:20'), at('10:30'), at('10:40')]);
  const day = timeTicks(at('00:00') - 86_400_000, at('00:00'), 0);
  t.equal(day.step, 6 * 3600_000, 'a day: every 6 hours');
  t.ok(day.ticks.length >= 4 && day.ticks.length <= 7);
  const local = timeTicks(at('10:00'), at('16:00'), 3600_000 * 5.5);
  t.ok(local.ticks.every((x) => (x + 3600_000 * 5.5) % local.step === 0), 'round in the viewer\'s time zone (UTC+5:30)');
  const week = timeTicks(at('00:00') - 7 * 86_400_000, at('00:00'), 0);
  t.equal(week.step, 86_400_000, 'a week: a tick a day');
});

t.test('amp ticks: 0 to a round top in steps of 1, 2 or 5', async (t) => {
  t.same(ampTicks(16), { top: 20, ticks: [0, 5, 10, 15, 20] });
  t.same(ampTicks(32), { top: 40, ticks: [0, 10, 20, 30, 40] });
  t.same(ampTicks(0), { top: 1.5, ticks: [0, 0.5, 1, 1.5] }, 'nothing drawn: still a scale, no two ticks with the same label');
  t.same(ampTicks(63), { top: 80, ticks: [0, 20, 40, 60, 80] });
});
