/**
 * The embedded broker's packet size limit. aedes' parser (mqtt-packet) buffers a whole packet
 * before it parses it, whatever size its fixed header declares, and it does so before the
 * client has authenticated: a CONNECT declaring 268 MB made the process hold 268 MB for anyone
 * who can open a socket. The guard reads the framing of what the broker reads from the socket
 * and closes the connection as soon as a fixed header declares more than the limit, before the
 * rest of the packet is read. MQTT 3.1.1 has no way to announce such a limit (MQTT 5 adds
 * Maximum Packet Size, §3.1.2.11.4 of 5.0, and closes the connection the same way); closing the
 * network connection is the only answer 3.1.1 has [MQTT-4.8.0-1].
 */

export type Verdict =
  /** The bytes so far frame packets within the limit. */
  | undefined
  /** A packet declares at least this many bytes (fixed header included), over the limit. */
  | { tooLarge: number }
  /** The Remaining Length has a fifth byte: not MQTT [MQTT-2.2.3]. */
  | { malformed: string };

/**
 * Follows the framing of an MQTT byte stream (pure): a fixed header's first byte, then its
 * Remaining Length (one to four bytes, seven bits each, least significant first, the top bit
 * saying another byte follows; at most 268,435,455, §2.2.3), then that many bytes.
 */
export class PacketSizeScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private packets = 0;
  private limit: number;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  /**
   * @param maxBytes the largest packet allowed, fixed header included.
   * @param maxFirstBytes the largest first packet, which must be the CONNECT [MQTT-3.1.0-1]:
   *   it is read before the client has authenticated.
   */
  constructor(
    private readonly maxBytes: number,
    maxFirstBytes = maxBytes,
  ) {
    this.limit = Math.min(maxFirstBytes, maxBytes);
  }

  /** Takes the next bytes read from the connection. Once it returned a problem, the connection must close. */
  feed(chunk: Uint8Array): Verdict {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      if (this.state === 'type') {
        i++;
        if (this.packets++ === 1) this.limit = this.maxBytes;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      const byte = chunk[i++]!;
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      const total = 1 + this.lengthBytes + this.length;
      // Known too large before the last length byte arrives (a further byte only adds): no need to wait for it.
      if (total > this.limit) return { tooLarge: total };
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return { malformed: 'Remaining Length longer than four bytes' };
        continue;
      }
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'type' : 'body';
    }
    return undefined;
  }
}

/** What the guard needs of a connection: a Readable that the broker reads with read() (paused mode). */
export interface GuardedConnection {
  read(size?: number): unknown;
  destroy(): unknown;
}

/**
 * Puts the scanner between the connection and whoever reads it. aedes reads a connection with
 * `read()` on 'readable' (paused mode), so every byte it parses passes through here first;
 * on a packet over the limit the connection is destroyed and the broker gets nothing more.
 */
export function guardPacketSize(conn: GuardedConnection, limits: { maxBytes: number; maxConnectBytes: number }, onRefused: (verdict: NonNullable<Verdict>) => void): void {
  const scanner = new PacketSizeScanner(limits.maxBytes, limits.maxConnectBytes);
  const read = conn.read.bind(conn);
  let refused = false;
  conn.read = (size?: number) => {
    if (refused) return null;
    const chunk = read(size);
    if (!(chunk instanceof Uint8Array)) return chunk;
    const verdict = scanner.feed(chunk);
    if (verdict === undefined) return chunk;
    refused = true;
    conn.destroy();
    onRefused(verdict);
    return null;
  };
}
