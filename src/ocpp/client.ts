/**
 * The charger side of an OCPP-J connection: used by the simulator, by tests, and (upstream
 * issue) by the link to a cloud CSMS. One connect attempt; reconnecting is the caller's policy.
 */
import { WebSocket } from 'ws';
import type { Logger } from '../log.js';
import type { OcppVersion } from './errors.js';
import { OcppSession, type SessionOptions } from './session.js';

export interface ClientOptions {
  /** Base URL, e.g. ws://127.0.0.1:9000/ocpp: the identity is appended, percent-encoded. */
  url: string;
  identity: string;
  /** Basic auth (security profile 1); bytes for a binary AuthorizationKey. */
  password?: string | Buffer;
  protocols: readonly OcppVersion[];
  /** 'charger' for a charge point; 'central' is never used by a client today. */
  role?: 'charger' | 'central';
  handler: SessionOptions['handler'];
  logger: Logger;
  callTimeoutMs: number;
  maxFrameBytes?: number;
  /** Our CALLs may carry strings over their maxLength (session.ts relaysLongStrings). */
  relaysLongStrings?: boolean;
  /** The repair of a peer's answer that fails its schema (session.ts repairAnswer). */
  repairAnswer?: SessionOptions['repairAnswer'];
  /** How many of the server's CALLs are handled at once and how fast (inbound-gate.ts); unlimited when absent. */
  inboundLimits?: SessionOptions['inboundLimits'];
  handshakeTimeoutMs?: number;
  /**
   * wss:// only: PEM CA certificate(s) the server's certificate must chain to, instead of the
   * system's. The certificate and host name are always verified (security profile 2).
   */
  ca?: string | Buffer;
  /**
   * wss:// only: the client certificate (PEM chain) and its key, for a server that requires
   * mutual TLS (security profile 3 towards the cloud).
   */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Extra headers (tests use this to send malformed auth). */
  headers?: Record<string, string>;
}

export interface ClientConnection {
  session: OcppSession;
  protocol: OcppVersion;
  /** Resolves once, when the connection closes for any reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(code?: number, reason?: string): void;
  /** Sends a raw text frame, bypassing the session (tests of malformed input). */
  sendRaw(text: string): void;
  /** Raw frames received, before the session sees them (tests). */
  onRaw(listener: (text: string) => void): void;
}

export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  constructor(readonly status: number, readonly body: string) {
    super(`connection refused with HTTP ${status}${body ? `: ${body.trim()}` : ''}`);
  }
}

export function connectOcpp(opts: ClientOptions): Promise<ClientConnection> {
  const url = `${opts.url.replace(/\/+$/, '')}/${encodeURIComponent(opts.identity)}`;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.password !== undefined) {
    const pw = typeof opts.password === 'string' ? Buffer.from(opts.password, 'utf8') : opts.password;
    headers.Authorization = 'Basic ' + Buffer.concat([Buffer.from(opts.identity + ':', 'utf8'), pw]).toString('base64');
  }
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [...opts.protocols], {
      headers,
      handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
      maxPayload: Math.max((opts.maxFrameBytes ?? 65536) * 4, 1 << 20),
      perMessageDeflate: false,
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.cert !== undefined && opts.key !== undefined ? { cert: opts.cert, key: opts.key } : {}),
    });
    const rawListeners: ((text: string) => void)[] = [];
    let session: OcppSession | null = null;
    let settled = false;
    const closed = new Promise<{ code: number; reason: string }>((resolveClosed) => {
      ws.on('close', (code, reason) => {
        const why = reason.toString();
        session?.closed(why || `closed (${code})`);
        resolveClosed({ code, reason: why });
      });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        settled = true;
        reject(new HandshakeError(res.statusCode ?? 0, body));
      });
      res.on('error', () => undefined);
    });
    ws.on('error', (err) => {
      if (!settled) {
        settled = true;
        reject(err);
      } else opts.logger.debug({ err }, 'websocket error');
    });
    ws.on('open', () => {
      settled = true;
      const protocol = ws.protocol as OcppVersion;
      session = new OcppSession({
        version: protocol,
        role: opts.role ?? 'charger',
        handler: opts.handler,
        logger: opts.logger,
        callTimeoutMs: opts.callTimeoutMs,
        ...(opts.maxFrameBytes ? { maxFrameBytes: opts.maxFrameBytes } : {}),
        ...(opts.relaysLongStrings ? { relaysLongStrings: true } : {}),
        ...(opts.repairAnswer ? { repairAnswer: opts.repairAnswer } : {}),
        ...(opts.inboundLimits ? { inboundLimits: opts.inboundLimits } : {}),
        socket: { send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason), pause: () => ws.pause(), resume: () => ws.resume() },
      });
      const s = session;
      ws.on('message', (data: Buffer) => {
        const text = data.toString('utf8');
        for (const l of rawListeners) l(text);
        s.receive(text);
      });
      resolve({
        session: s,
        protocol,
        closed,
        close: (code = 1000, reason = '') => ws.close(code, reason),
        sendRaw: (text) => ws.send(text),
        onRaw: (listener) => rawListeners.push(listener),
      });
    });
  });
}
