/**
 * A bare `ws` peer for the cases an OCPP library would refuse to produce: malformed frames,
 * refused upgrades, a client that never answers pings. Frames are collected as parsed JSON.
 */
import type { IncomingMessage } from 'node:http';
import type { Test } from 'tap';
import { WebSocket, type ClientOptions } from 'ws';

export function basicAuth(identity: string, password: string | Buffer): string {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  return 'Basic ' + Buffer.concat([Buffer.from(identity + ':', 'utf8'), pw]).toString('base64');
}

export interface RawOptions {
  /** The last URL segment as sent on the wire (already percent-encoded); default: the identity. */
  segment?: string;
  password?: string | Buffer;
  /** Subprotocols offered; default ['ocpp1.6']. */
  protocols?: string[];
  headers?: Record<string, string>;
  ws?: ClientOptions;
}

function open(url: string, identity: string, options: RawOptions): WebSocket {
  const headers: Record<string, string> = { ...options.headers };
  if (options.password !== undefined) headers.Authorization = basicAuth(identity, options.password);
  return new WebSocket(`${url}/${options.segment ?? identity}`, options.protocols ?? ['ocpp1.6'], { headers, perMessageDeflate: false, ...options.ws });
}

export interface RawCharger {
  ws: WebSocket;
  /** Every frame received, parsed (unparseable text kept as a string). */
  received: unknown[];
  /** Sends a string as is, anything else as JSON. */
  send(frame: unknown): void;
  /** Resolves with the first received frame (old or new) whose message id is `id`. */
  answerTo(id: string): Promise<unknown[]>;
  /** Resolves with the next frame received after this call. */
  next(): Promise<unknown>;
  /** Sends a CALL and resolves with its answer. */
  call(id: string, action: string, payload: unknown): Promise<unknown[]>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function rawCharger(t: Test, url: string, identity: string, options: RawOptions = {}): Promise<RawCharger> {
  const ws = open(url, identity, options);
  const received: unknown[] = [];
  const waiters: ((frame: unknown) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    let frame: unknown = text;
    try {
      frame = JSON.parse(text);
    } catch {
      /* kept as text */
    }
    received.push(frame);
    for (const w of waiters.splice(0)) w(frame);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
  });
  ws.on('error', () => undefined);
  t.teardown(() => ws.terminate());

  const next = () => new Promise<unknown>((resolve) => waiters.push(resolve));
  const idOf = (f: unknown) => (Array.isArray(f) ? f[1] : undefined);
  const answerTo = async (id: string): Promise<unknown[]> => {
    for (;;) {
      const found = received.find((f) => idOf(f) === id && (f as unknown[])[0] !== 2);
      if (found) return found as unknown[];
      await next();
    }
  };
  return {
    ws,
    received,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    answerTo,
    next,
    call(id, action, payload) {
      ws.send(JSON.stringify([2, id, action, payload]));
      return answerTo(id);
    },
    closed,
  };
}

export interface Refusal {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

/**
 * Attempts an upgrade that should be refused; resolves with the HTTP answer once the server
 * has also closed the TCP connection (so "no connection is left" is part of the result).
 * Rejects if the upgrade succeeds.
 */
export function refusedUpgrade(url: string, identity: string, options: RawOptions = {}): Promise<Refusal> {
  const ws = open(url, identity, options);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      // The server ends the socket after its answer: wait for that, not for a timer.
      const done = () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      res.on('end', () => (res.socket.destroyed ? done() : res.socket.once('close', done)));
    });
  });
}
