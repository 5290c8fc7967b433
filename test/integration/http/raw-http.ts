/**
 * Requests with exactly the headers a test gives (fetch adds its own Content-Type and refuses
 * to set Host), and raw sockets for clients that send slowly.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

/** One request on its own connection; `headers.host` replaces the real Host. */
export function rawRequest(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'GET',
        agent: false,
        headers: { ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}), ...options.headers },
      },
      (res) => {
        // A live feed never ends: its status is the answer.
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          req.destroy();
          return resolve({ status: res.statusCode ?? 0, headers: res.headers, json: undefined });
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface SlowClient {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves with ms from connect to the server closing the socket. */
  closed: Promise<number>;
  /** ms from connect to the first byte of the server's answer (undefined: none yet). */
  answeredAfter(): number | undefined;
  stop(): void;
}

/**
 * Sends `head` at once, then one byte of `trickle` every `everyMs` (a body that never ends, or
 * the rest of the headers).
 */
export function slowClient(port: number, head: string, trickle: string, everyMs = 100): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<number>((done) =>
      socket.on('close', () => {
        clearInterval(timer);
        done(Date.now() - started);
      }),
    );
    let answeredAfter: number | undefined;
    socket.on('data', (d: Buffer) => {
      answeredAfter ??= Date.now() - started;
      received += d.toString('latin1');
    });
    // The server resets some of them: that is a close too.
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (!socket.destroyed && i < trickle.length) socket.write(trickle[i++]!);
      }, everyMs);
      resolve({ socket, received: () => received, closed, answeredAfter: () => answeredAfter, stop: () => socket.destroy() });
    });
    socket.once('error', reject);
  });
}
