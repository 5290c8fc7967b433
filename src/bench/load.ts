/**
 * The load generator: N chargers on raw `ws` connections, each sending one CALL at a time
 * (as OCPP-J §4.1.1 wants) for a fixed time. The same client code runs against the bare-ws
 * baseline and against chargegate, so the difference is the server.
 */
import { WebSocket } from 'ws';
import { percentile } from './stats.js';

export interface LoadResult {
  chargers: number;
  messages: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

export interface LoadOptions {
  url: string;
  chargers: number;
  seconds: number;
  idPrefix: string;
  /** The CALL each charger sends, given the charger's index and a sequence number. */
  frame: (charger: number, seq: number) => [string, unknown];
  /** Sent once per charger before the measurement (e.g. BootNotification); a function gets the charger's index. */
  warmup?: Warmup[];
}

/** A CALL sent once per charger before the measurement: the same for all, or built per charger. */
export type Warmup = [string, unknown] | ((charger: number) => [string, unknown]);

export async function connectAll(url: string, count: number, idPrefix: string, subprotocol = 'ocpp1.6'): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const batch = 50; // connect in batches: a real site does not open 500 sockets in one tick
  for (let i = 0; i < count; i += batch) {
    const part = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, (_, k) => open(`${url}/${idPrefix}-${String(i + k + 1).padStart(4, '0')}`, subprotocol)),
    );
    sockets.push(...part);
  }
  return sockets;
}

function open(url: string, subprotocol: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [subprotocol], { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} for ${url}`)));
  });
}

/** One CALL, resolved with the round-trip time in ms (and the CALLRESULT's text, for callAll). */
function roundTrip(ws: WebSocket, id: string, action: string, payload: unknown, answer?: (text: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const onMessage = (data: Buffer) => {
      const text = data.toString();
      if (!text.includes(`"${id}"`)) return;
      ws.off('message', onMessage);
      if (text.startsWith('[4')) return reject(new Error(`CALLERROR for ${action}: ${text.slice(0, 200)}`));
      answer?.(text);
      resolve(performance.now() - t0);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify([2, id, action, payload]));
  });
}

/** One CALL per charger (all at once), resolved with each charger's answer payload, in charger order. */
export async function callAll(sockets: WebSocket[], frame: (charger: number) => [string, unknown]): Promise<unknown[]> {
  const answers: unknown[] = [];
  await Promise.all(
    sockets.map((ws, i) => {
      const [action, payload] = frame(i);
      return roundTrip(ws, `c-${i}-${action}`, action, payload, (text) => (answers[i] = (JSON.parse(text) as [number, string, unknown])[2]));
    }),
  );
  return answers;
}

export async function runLoad(sockets: WebSocket[], options: Omit<LoadOptions, 'url' | 'chargers' | 'idPrefix'>): Promise<LoadResult> {
  for (const warmup of options.warmup ?? []) {
    await Promise.all(
      sockets.map((ws, i) => {
        const [action, payload] = typeof warmup === 'function' ? warmup(i) : warmup;
        return roundTrip(ws, `w-${i}-${action}`, action, payload);
      }),
    );
  }
  const latencies: number[] = [];
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    sockets.map(async (ws, i) => {
      for (let seq = 0; performance.now() < deadline; seq++) {
        const [action, payload] = options.frame(i, seq);
        latencies.push(await roundTrip(ws, `${i}-${seq}`, action, payload));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { chargers: sockets.length, messages: latencies.length, seconds, perSecond: latencies.length / seconds, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99) };
}

export function closeAll(sockets: WebSocket[]): void {
  for (const ws of sockets) ws.terminate();
}

/** The BootNotification each bench charger sends first. */
export const bootFrame: [string, unknown] = ['BootNotification', { chargePointVendor: 'bench', chargePointModel: 'load' }];
/** A typical MeterValues of a charging 3-phase car: energy register, power, current, voltage. */
export const meterValuesFrame = (i: number, seq: number): [string, unknown] => [
  'MeterValues',
  {
    connectorId: 1,
    meterValue: [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [
          { value: String(1000 + seq * 10), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: '11040', measurand: 'Power.Active.Import', unit: 'W' },
          { value: '16.0', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
          { value: String(230 + (i % 3)), measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
        ],
      },
    ],
  },
];
