import { EventEmitter } from 'node:events';
import t from 'tap';
import { PacketSizeScanner, guardPacketSize } from '../../../src/mqtt/packet-guard.js';

/** A fixed header: type byte and Remaining Length [MQTT-2.2.3]. */
function header(type: number, remaining: number): number[] {
  const bytes = [type];
  do {
    let byte = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) byte |= 0x80;
    bytes.push(byte);
  } while (remaining > 0);
  return bytes;
}

function packet(type: number, bodyLength: number): Buffer {
  return Buffer.concat([Buffer.from(header(type, bodyLength)), Buffer.alloc(bodyLength, 0x61)]);
}

t.test('packets within the limit pass, however the stream is cut', async (t) => {
  const stream = Buffer.concat([packet(0x10, 100), packet(0x30, 0), packet(0xc0, 0), packet(0x30, 200), packet(0x30, 1000 - 3)]);
  t.equal(packet(0x30, 997).length, 1000, 'a 1,000-byte packet: 1 + 2 + 997');
  for (const cut of [1, 2, 3, 7, 64, stream.length]) {
    const scanner = new PacketSizeScanner(1000);
    for (let i = 0; i < stream.length; i += cut) t.equal(scanner.feed(stream.subarray(i, i + cut)), undefined, `cut every ${cut} bytes`);
  }
});

t.test('a fixed header declaring more than the limit is refused before its body', async (t) => {
  const scanner = new PacketSizeScanner(1000);
  t.equal(scanner.feed(packet(0x30, 10)), undefined);
  t.strictSame(scanner.feed(Buffer.from(header(0x30, 998))), { tooLarge: 1001 }, 'one byte over: the header is enough');
  // CONNECT declaring 268,435,455 bytes (FF FF FF 7F): refused at its third length byte,
  // which says it is at least 2 MB, before the fourth arrives.
  const connect = new PacketSizeScanner(262_144);
  t.equal(connect.feed(Buffer.from([0x10, 0xff])), undefined, '127 so far, more may follow');
  t.equal(connect.feed(Buffer.from([0xff])), undefined, '16,383 so far: still under the limit');
  t.strictSame(connect.feed(Buffer.from([0xff, 0x7f])), { tooLarge: 1 + 3 + 0x1fffff });
});

t.test('the first packet (the CONNECT, read before authentication) has its own, smaller limit', async (t) => {
  const scanner = new PacketSizeScanner(1000, 100);
  t.equal(scanner.feed(packet(0x10, 90)), undefined, 'a 92-byte CONNECT');
  t.equal(scanner.feed(packet(0x30, 900)), undefined, 'then the larger limit');
  t.equal(new PacketSizeScanner(1000, 100).feed(Buffer.from(header(0x10, 98))), undefined, 'a 100-byte CONNECT: at the limit');
  t.strictSame(new PacketSizeScanner(1000, 100).feed(Buffer.from(header(0x10, 99))), { tooLarge: 101 }, 'one byte over');
});

t.test('a Remaining Length of five bytes is not MQTT', async (t) => {
  const scanner = new PacketSizeScanner(Number.MAX_SAFE_INTEGER);
  t.match(scanner.feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])), { malformed: /longer than four bytes/ });
});

/** A connection read the way aedes reads one: read() on 'readable'. */
class FakeConnection extends EventEmitter {
  chunks: Buffer[] = [];
  destroyed = false;
  read(): Buffer | null {
    return this.chunks.shift() ?? null;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

t.test('the guard closes the connection and hands nothing more on', async (t) => {
  const conn = new FakeConnection();
  const refused: unknown[] = [];
  guardPacketSize(conn, { maxBytes: 1000, maxConnectBytes: 1000 }, (v) => refused.push(v));
  conn.chunks.push(packet(0x10, 50), Buffer.from(header(0x30, 5000)), packet(0x30, 1));
  t.equal((conn.read() as Buffer).length, 52, 'a small packet passes');
  t.equal(conn.read(), null, 'the oversized one does not');
  t.ok(conn.destroyed);
  t.strictSame(refused, [{ tooLarge: 5003 }]);
  t.equal(conn.read(), null, 'nor anything after it');
});
