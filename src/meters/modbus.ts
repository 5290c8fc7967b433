/**
 * A grid meter read over Modbus TCP with jsmodbus: one read of the block covering the phase
 * currents every `interval`, reconnecting when the socket drops. The register map says where
 * and how (adapters/meters/*.yaml); this file only moves bytes.
 */
import { Socket } from 'node:net';
import Modbus from 'jsmodbus';
import type { Logger } from '../log.js';
import { wordsOf } from './decode.js';
import type { GridMeter, PhaseReading } from './ports.js';
import { currentsFrom, span, type RegisterMap } from './register-map.js';

export interface ModbusMeterOptions {
  host: string;
  port: number;
  unitId: number;
  intervalMs: number;
  map: RegisterMap;
  logger: Logger;
  now: () => Date;
}

export function createModbusMeter(o: ModbusMeterOptions): GridMeter {
  const name = `${o.map.name} at ${o.host}:${o.port} unit ${o.unitId}`;
  const log = o.logger.child({ meter: name });
  const listeners: ((r: PhaseReading) => void)[] = [];
  const block = span(o.map);
  let latest: PhaseReading | undefined;
  let socket: Socket | undefined;
  let client: InstanceType<typeof Modbus.client.TCP> | undefined;
  let connected = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let failing = false;

  function connect(): void {
    const s = new Socket();
    socket = s;
    client = new Modbus.client.TCP(s, o.unitId, Math.max(1000, o.intervalMs * 2));
    s.on('connect', () => {
      connected = true;
      log.info('meter connected');
    });
    s.on('error', (err) => {
      if (!failing) log.warn({ err: err.message }, 'meter connection failed');
      failing = true;
    });
    s.on('close', () => {
      connected = false;
      if (running) setTimeout(() => running && socket === s && connect(), o.intervalMs).unref();
    });
    s.connect({ host: o.host, port: o.port });
  }

  async function poll(): Promise<void> {
    if (!connected || !client) return;
    try {
      const read = o.map.function === 'input' ? client.readInputRegisters(block.start, block.count) : client.readHoldingRegisters(block.start, block.count);
      const { response } = await read;
      const words = wordsOf(response.body.valuesAsBuffer);
      const reading: PhaseReading = { currentsA: currentsFrom(o.map, words, block.start), at: o.now().getTime() };
      if (reading.currentsA.some((a) => !Number.isFinite(a))) throw new Error('the meter sent a value that is not a number');
      latest = reading;
      if (failing) log.info('meter readings are back');
      failing = false;
      for (const l of listeners) l(reading);
    } catch (err) {
      if (!failing) log.warn({ err: (err as Error).message ?? String(err) }, 'meter read failed');
      failing = true;
    }
  }

  return {
    name,
    start() {
      if (running) return;
      running = true;
      connect();
      timer = setInterval(() => void poll(), o.intervalMs);
    },
    async stop() {
      running = false;
      clearInterval(timer);
      socket?.destroy();
    },
    latest: () => latest,
    onReading: (l) => void listeners.push(l),
  };
}
