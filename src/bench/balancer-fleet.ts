/**
 * The chargers of the load-balancing bench, run as a child process (as on a real site, the
 * chargers are not in the gateway's process): `node balancer-fleet.js <url> <trials>`.
 * 100 raw `ws` chargers accept every SetChargingProfile; 60 start a session; then, trial by
 * trial, one more starts and the time from sending its StartTransaction to receiving the last
 * SetChargingProfile it causes is taken, all on this process's clock. Prints one JSON line.
 */
import { WebSocket } from 'ws';

const [url, trialsArg] = process.argv.slice(2);
const CHARGERS = 100;
const RUNNING = 60;
const TRIALS = Number(trialsArg ?? 100);
/** No profile for this long: the balancer is done with the last change. */
const QUIET_MS = 100;

interface Charger {
  ws: WebSocket;
  call(action: string, payload: unknown): Promise<Record<string, unknown>>;
}

let lastProfileAt = 0;
let profiles = 0;

async function connect(id: string): Promise<Charger> {
  const ws = new WebSocket(`${url}/${id}`, ['ocpp1.6'], { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const pending = new Map<string, (v: Record<string, unknown>) => void>();
  let seq = 0;
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as unknown[];
    if (msg[0] === 3) pending.get(msg[1] as string)?.(msg[2] as Record<string, unknown>);
    if (msg[0] === 2) {
      if (msg[2] === 'SetChargingProfile') {
        lastProfileAt = performance.now();
        profiles++;
      }
      ws.send(JSON.stringify([3, msg[1], msg[2] === 'SetChargingProfile' ? { status: 'Accepted' } : {}]));
    }
  });
  return {
    ws,
    call(action, payload) {
      const id = `${++seq}`;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify([2, id, action, payload]));
      });
    },
  };
}

async function quiet(): Promise<void> {
  for (let seen = -1; seen !== profiles; ) {
    seen = profiles;
    await new Promise((r) => setTimeout(r, QUIET_MS));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const chargers: Charger[] = [];
  for (let i = 0; i < CHARGERS; i++) chargers.push(await connect(`BAL${String(i).padStart(3, '0')}`));
  for (const c of chargers) await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  const start = (c: Charger) => c.call('StartTransaction', { connectorId: 1, idTag: 'BENCH', meterStart: 0, timestamp: new Date().toISOString() });
  for (let i = 0; i < RUNNING; i++) await start(chargers[i]!);
  await quiet();
  const times: number[] = [];
  let perStart = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const c = chargers[RUNNING + (trial % (CHARGERS - RUNNING))]!;
    const before = profiles;
    const t0 = performance.now();
    const { transactionId } = (await start(c)) as { transactionId: number };
    await quiet();
    times.push(lastProfileAt - t0);
    perStart = profiles - before;
    await c.call('StopTransaction', { transactionId, meterStop: 10, timestamp: new Date().toISOString() });
    await quiet();
  }
  for (const c of chargers) c.ws.terminate();
  process.stdout.write(`${JSON.stringify({ p50: percentile(times, 50), p99: percentile(times, 99), chargers: CHARGERS, sessions: RUNNING + 1, profilesPerStart: perStart, trials: TRIALS })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
