/**
 * A grid meter read from MQTT, for homes whose meter already reports to Home Assistant (or any
 * broker): one topic with a JSON payload holding the three phase values (keys configurable,
 * dotted paths allowed), or one topic per phase with a plain number. Values are currents (A)
 * or powers (W, divided by the supply voltage).
 */
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import type { GridMeter, PhaseReading } from './ports.js';

export interface MqttMeterOptions {
  url: string;
  username?: string;
  password?: string;
  /** One JSON topic … */
  topic?: string;
  fields: readonly string[];
  /** … or one topic per phase. */
  topics?: readonly string[];
  quantity: 'current' | 'power';
  voltage: number;
  logger: Logger;
  now: () => Date;
}

/** Pure: the phase values of one JSON payload, or undefined when a field is missing. */
export function valuesFromJson(payload: string, fields: readonly string[]): number[] | undefined {
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const values = fields.map((path) => path.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), data));
  const numbers = values.map((v) => (typeof v === 'string' ? Number(v) : v));
  return numbers.every((n) => typeof n === 'number' && Number.isFinite(n)) ? (numbers as number[]) : undefined;
}

export function createMqttMeter(o: MqttMeterOptions): GridMeter {
  const topics = o.topics ?? (o.topic ? [o.topic] : []);
  const name = `mqtt ${o.url} ${topics.join(', ')}`;
  const log = o.logger.child({ meter: name });
  const listeners: ((r: PhaseReading) => void)[] = [];
  const perPhase: (number | undefined)[] = [undefined, undefined, undefined];
  let latest: PhaseReading | undefined;
  let client: MqttClient | undefined;
  const toAmps = (x: number) => (o.quantity === 'power' ? x / o.voltage : x);

  function publish(values: number[]): void {
    const currentsA: [number, number, number] = [toAmps(values[0] ?? 0), toAmps(values[1] ?? 0), toAmps(values[2] ?? 0)];
    // A meter of W: its own power too (the grid power shown), not A × voltage back again.
    const powerW = o.quantity === 'power' ? values.slice(0, 3).reduce((sum, w) => sum + w, 0) : undefined;
    latest = { currentsA, at: o.now().getTime(), ...(powerW !== undefined ? { powerW } : {}) };
    for (const l of listeners) l(latest);
  }

  function onMessage(topic: string, payload: Buffer): void {
    const text = payload.toString('utf8');
    if (o.topics) {
      const i = o.topics.indexOf(topic);
      const n = Number(text);
      if (i < 0 || !Number.isFinite(n)) return;
      perPhase[i] = n;
      // A reading is complete once every phase has reported since the start.
      if (perPhase.slice(0, o.topics.length).every((v) => v !== undefined)) publish(perPhase as number[]);
      return;
    }
    const values = valuesFromJson(text, o.fields);
    if (values) publish(values);
    else log.warn({ topic, fields: o.fields }, 'meter payload without the configured fields: ignored');
  }

  return {
    name,
    start() {
      client = connect(o.url, { ...(o.username ? { username: o.username } : {}), ...(o.password ? { password: o.password } : {}), reconnectPeriod: 2000 });
      client.on('connect', () => {
        log.info('meter broker connected');
        client?.subscribe([...topics]);
      });
      client.on('message', onMessage);
      client.on('error', (err) => log.warn({ err: err.message }, 'meter broker error'));
    },
    async stop() {
      await client?.endAsync(true);
    },
    latest: () => latest,
    onReading: (l) => void listeners.push(l),
  };
}
