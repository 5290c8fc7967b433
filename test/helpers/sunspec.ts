/**
 * Simulated SunSpec devices for tests: a holding-register image laid out as a SunSpec map
 * ("SunS", then model blocks of ID, L and data, then the 0xFFFF end marker), and a jsmodbus TCP
 * server on 127.0.0.1, port 0, serving it.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import Modbus from 'jsmodbus';
import type { Test } from 'tap';
import { encodeValue } from '../../src/meters/decode.js';

export interface ModelBlock {
  id: number;
  /** L: registers after the 2-register header. */
  length: number;
  /** Words by offset from the ID register (2 = first data register). */
  words?: Record<number, number>;
}

/** The whole holding address space (65,536 registers), zero except for the SunSpec map at `base`. */
export function sunspecImage(base: number, blocks: readonly ModelBlock[], options: { end?: boolean } = {}): Buffer {
  const image = Buffer.alloc(65536 * 2);
  const put = (address: number, word: number) => image.writeUInt16BE(word & 0xffff, address * 2);
  put(base, 0x5375);
  put(base + 1, 0x6e53);
  let address = base + 2;
  for (const b of blocks) {
    put(address, b.id);
    put(address + 1, b.length);
    for (const [offset, word] of Object.entries(b.words ?? {})) put(address + Number(offset), word);
    address += 2 + b.length;
  }
  if (options.end !== false) {
    put(address, 0xffff);
    put(address + 1, 0);
  }
  return image;
}

/** A model 203 block (L = 105, json/model_203.json) with phase currents as raw int16 and A_SF. */
export function meter203(raw: [number, number, number], sf: number, id = 203): ModelBlock {
  const int16 = (v: number) => encodeValue(v, 'int16', 'big')[0]!;
  return { id, length: 105, words: { 2: int16(raw[0] + raw[1] + raw[2]), 3: int16(raw[0]), 4: int16(raw[1]), 5: int16(raw[2]), 6: int16(sf) } };
}

/** The common model 1 (L = 65 in the older definition many devices still ship, 66 with its pad). */
export const COMMON: ModelBlock = { id: 1, length: 65 };

export interface ModbusDevice {
  port: number;
  holding: Buffer;
  /** Drops every connection and stops answering. */
  silent(): void;
  /** Answers again on the same port, with `holding` (or the old image). */
  back(holding?: Buffer): Promise<void>;
  /** How many reads of holding registers starting at `address` the device has answered so far. */
  readsAt(address: number): number;
  /** How many reads of holding registers it has answered so far, wherever they started. */
  reads(): number;
}

export async function startModbusDevice(t: Test, holding: Buffer): Promise<ModbusDevice> {
  const sockets = new Set<Socket>();
  const reads = new Map<number, number>();
  let server: Server;
  const listen = async (port: number) => {
    server = createServer();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // The gateway may drop a connection with a reset (it destroys its socket when it stops,
      // also with a poll in flight): a real device shrugs that off. Unhandled, it was an uncaught
      // ECONNRESET in the test process (a fresh-clone .ci/run on a loaded box, 5 December 2026).
      s.on('error', () => undefined);
    });
    const modbus = new Modbus.server.TCP(server, { holding: device.holding });
    modbus.on('postReadHoldingRegisters', (request) => {
      const { start } = request.body as unknown as { start: number };
      reads.set(start, (reads.get(start) ?? 0) + 1);
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    device.port = (server.address() as AddressInfo).port;
  };
  const silent = () => {
    server.close();
    for (const s of sockets) s.destroy();
  };
  const device: ModbusDevice = {
    port: 0,
    holding,
    silent,
    async back(next) {
      if (next) device.holding = next;
      await listen(device.port);
    },
    readsAt: (address) => reads.get(address) ?? 0,
    reads: () => [...reads.values()].reduce((sum, n) => sum + n, 0),
  };
  await listen(0);
  t.teardown(silent);
  return device;
}
