/**
 * A grid meter read over Modbus TCP with jsmodbus: one read of the block covering the phase
 * currents every `interval`, reconnecting when the socket drops. The register map says where
 * and how (adapters/meters/*.yaml); this file only moves bytes. A SunSpec map is located on
 * every (re)connect first (sunspec.ts): a device may come back with another model layout, e.g.
 * after a firmware update, and reading the old addresses would give wrong currents.
 */
import { Socket } from 'node:net';
import Modbus from 'jsmodbus';
import type { Logger } from '../log.js';
import { wordsOf } from './decode.js';
import type { GridMeter, PhaseReading } from './ports.js';
import { atBlock, currentsFrom, minBlockLength, span, type RegisterMap } from './register-map.js';
import { discoverSunSpec } from './sunspec.js';

export interface ModbusMeterOptions {
  host: string;
  port: number;
  unitId: number;
  intervalMs: number;
  map: RegisterMap;
  logger: Logger;
  now: () => Date;
  /** After a failed SunSpec discovery on a live connection, the next try waits this long (default 30 s). */
  discoveryRetryMs?: number;
}

type ModbusClient = InstanceType<typeof Modbus.client.TCP>;

export function createModbusMeter(o: ModbusMeterOptions): GridMeter {
  const name = `${o.map.name} at ${o.host}:${o.port} unit ${o.unitId}`;
  const log = o.logger.child({ meter: name });
  const listeners: ((r: PhaseReading) => void)[] = [];
  const discoveryRetryMs = o.discoveryRetryMs ?? 30_000;
  // The map with real addresses; for SunSpec unknown until discovery found the block.
  let map: RegisterMap | undefined = o.map.sunspec ? undefined : o.map;
  let block = map ? span(map) : undefined;
  let discovering = false;
  let discoveryFailedAt: number | undefined;
  let latest: PhaseReading | undefined;
  let socket: Socket | undefined;
  let client: ModbusClient | undefined;
  let connected = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let failing = false;
  /** A read is on its way: the next tick waits for it (a slow meter is not sent a queue of reads). */
  let reading = false;

  function connect(): void {
    const s = new Socket();
    socket = s;
    client = new Modbus.client.TCP(s, o.unitId, Math.max(1000, o.intervalMs * 2));
    s.on('connect', () => {
      connected = true;
      log.info('meter connected');
      if (o.map.sunspec) void poll(); // locate the block now rather than one interval later
    });
    s.on('error', (err) => {
      if (!failing) log.warn({ err: err.message }, 'meter connection failed');
      failing = true;
    });
    s.on('close', () => {
      connected = false;
      if (o.map.sunspec) {
        map = undefined;
        block = undefined;
        discoveryFailedAt = undefined; // a fresh connection looks again at once
      }
      if (running) setTimeout(() => running && socket === s && connect(), o.intervalMs).unref();
    });
    s.connect({ host: o.host, port: o.port });
  }

  async function readHolding(c: ModbusClient, address: number, count: number): Promise<number[]> {
    const { response } = await c.readHoldingRegisters(address, count);
    return wordsOf(response.body.valuesAsBuffer);
  }

  async function discover(c: ModbusClient, s: Socket | undefined): Promise<void> {
    discovering = true;
    try {
      const found = await discoverSunSpec((address, count) => readHolding(c, address, count), o.map.sunspec!.models, minBlockLength(o.map));
      if (socket !== s) return; // reconnected meanwhile: that connection looks for itself
      map = atBlock(o.map, found.address);
      block = span(map);
      discoveryFailedAt = undefined;
      log.info({ base: found.base, model: found.model, address: found.address, length: found.length, chain: found.chain }, 'SunSpec meter found');
    } catch (err) {
      if (socket !== s || !connected) return; // the connection dropped: not the device's answer
      // Logged once per connection: the meter stays without readings, so the balancer counts it
      // as stale and its failsafe applies until a later try succeeds.
      if (discoveryFailedAt === undefined) log.error({ err: (err as Error).message ?? String(err), retryInSeconds: discoveryRetryMs / 1000 }, 'SunSpec discovery failed: no meter readings (the balancer treats the meter as stale)');
      discoveryFailedAt = o.now().getTime();
    } finally {
      discovering = false;
    }
  }

  async function poll(): Promise<void> {
    if (!connected || !client || discovering || reading) return;
    if (!map || !block) {
      if (discoveryFailedAt === undefined || o.now().getTime() - discoveryFailedAt >= discoveryRetryMs) await discover(client, socket);
      return;
    }
    reading = true;
    // The currents are the meter's at some moment between the request and its answer: stamped
    // with the request's time, a slow answer counts as old as it may be. Stamped at the answer, a
    // meter (or a Modbus gateway on a serial line) that answers seconds late looked fresh, and
    // its currents were paired with what the chargers reported meanwhile (src/balancer/failsafe.ts).
    const askedAt = o.now().getTime();
    try {
      const read = map.function === 'input' ? client.readInputRegisters(block.start, block.count) : client.readHoldingRegisters(block.start, block.count);
      const { response } = await read;
      const words = wordsOf(response.body.valuesAsBuffer);
      const next: PhaseReading = { currentsA: currentsFrom(map, words, block.start), at: askedAt };
      if (next.currentsA.some((a) => !Number.isFinite(a))) throw new Error('the meter sent a value that is not a number');
      latest = next;
      if (failing) log.info('meter readings are back');
      failing = false;
      for (const l of listeners) l(next);
    } catch (err) {
      if (!failing) log.warn({ err: (err as Error).message ?? String(err) }, 'meter read failed');
      failing = true;
    } finally {
      reading = false;
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
