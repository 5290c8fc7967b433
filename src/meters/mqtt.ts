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

/**
 * One topic per phase: the phases come as separate messages, so a reading is taken only once
 * every phase has sent a value since the last reading, and it is as old as its oldest phase.
 * Taking one at every message paired one phase's new value with the others' old ones: a car cut
 * from 15 to 10 A showed at 10 A on L1 and still at 15 on L2, the 5 A on L2 became house load and
 * paused the car (seen: 40 A fuse, 10 A house, a rogue at 20 A). And a phase whose topic went
 * quiet kept its last value for good while the others made every reading look fresh, so the
 * failsafe for a silent meter (failsafe.meterTimeout) never came for that phase: its house load
 * could grow unseen. Pure bookkeeping: the caller passes the clock.
 */
export function createPhaseRound(phases: number): { arrive(phase: number, value: number, at: number): { values: number[]; at: number } | undefined } {
  const values: number[] = new Array<number>(phases).fill(0);
  const times: (number | undefined)[] = new Array<number | undefined>(phases).fill(undefined);
  return {
    arrive(phase, value, at) {
      values[phase] = value;
      times[phase] = at;
      if (times.some((t) => t === undefined)) return undefined;
      const oldest = Math.min(...(times as number[]));
      times.fill(undefined);
      return { values: [...values], at: oldest };
    },
  };
}

export function createMqttMeter(o: MqttMeterOptions): GridMeter {
  const topics = o.topics ?? (o.topic ? [o.topic] : []);
  const name = `mqtt ${o.url} ${topics.join(', ')}`;
  const log = o.logger.child({ meter: name });
  const listeners: ((r: PhaseReading) => void)[] = [];
  const round = createPhaseRound(topics.length);
  /** Phases whose payload was not a number, warned about once until they send one again. */
  const unreadable = new Set<number>();
  /** The JSON topic's payload lacked the fields: warned about once until one has them again. */
  let jsonUnreadable = false;
  let latest: PhaseReading | undefined;
  let client: MqttClient | undefined;
  const toAmps = (x: number) => (o.quantity === 'power' ? x / o.voltage : x);

  function publish(values: readonly number[], at: number): void {
    const currentsA: [number, number, number] = [toAmps(values[0] ?? 0), toAmps(values[1] ?? 0), toAmps(values[2] ?? 0)];
    // A meter of W: its own power too (the grid power shown), not A × voltage back again.
    const powerW = o.quantity === 'power' ? values.slice(0, 3).reduce((sum, w) => sum + w, 0) : undefined;
    latest = { currentsA, at, ...(powerW !== undefined ? { powerW } : {}) };
    for (const l of listeners) l(latest);
  }

  function onMessage(topic: string, payload: Buffer): void {
    const text = payload.toString('utf8');
    if (o.topics) {
      const i = o.topics.indexOf(topic);
      if (i < 0) return;
      const n = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(n)) {
        // Home Assistant publishes "unavailable" for a sensor it lost: that phase has no value,
        // so no reading is complete and after failsafe.meterTimeout the meter counts as silent.
        if (!unreadable.has(i)) log.warn({ topic, payload: text.slice(0, 40) }, 'meter phase payload is not a number: no reading until it sends one');
        unreadable.add(i);
        return;
      }
      unreadable.delete(i);
      const reading = round.arrive(i, n, o.now().getTime());
      if (reading) publish(reading.values, reading.at);
      return;
    }
    const values = valuesFromJson(text, o.fields);
    if (values) {
      if (jsonUnreadable) log.info({ topic }, 'meter payload has the configured fields again: readings resumed');
      jsonUnreadable = false;
      publish(values, o.now().getTime());
      return;
    }
    // Once per episode, not at every message: a meter that publishes every second with a field
    // misnamed in the config filled the log with one line a second (no reading, so after
    // failsafe.meterTimeout the meter counts as silent, which the site's state says).
    if (!jsonUnreadable) log.warn({ topic, fields: o.fields, payload: text.slice(0, 80) }, 'meter payload without the configured fields (or not numbers): no reading until one has them');
    jsonUnreadable = true;
  }

  return {
    name,
    start() {
      client = connect(o.url, { ...(o.username ? { username: o.username } : {}), ...(o.password ? { password: o.password } : {}), reconnectPeriod: 2000 });
      client.on('connect', () => {
        log.info('meter broker connected');
        client?.subscribe([...topics]);
      });
      let toldRetained = false;
      client.on('message', (topic, payload, packet) => {
        // A retained value comes from the broker's memory, not from the meter, and may be hours
        // old (a meter publisher that died leaves its last values retained): taken as a reading
        // at connect, it hid a dead meter until failsafe.meterTimeout. A meter's live publishes
        // reach a subscriber without the retain flag [MQTT-3.3.1-9], so only the broker's copy is skipped.
        if (packet.retain) {
          if (!toldRetained) log.info({ topic }, 'meter value retained by the broker ignored (its age is unknown): waiting for the meter to publish');
          toldRetained = true;
          return;
        }
        onMessage(topic, payload);
      });
      client.on('error', (err) => log.warn({ err: err.message }, 'meter broker error'));
    },
    async stop() {
      await client?.endAsync(true);
    },
    latest: () => latest,
    onReading: (l) => void listeners.push(l),
  };
}
