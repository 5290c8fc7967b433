/**
 * A test cloud CSMS on ocpp-rpc's RPCServer in strict mode: every frame chargegate sends up is
 * schema-checked by an independent implementation. It keeps what a real CSMS keeps (sessions
 * with energy, per identity), deduplicating a resent StartTransaction as a real one would, and
 * it records every CALL it received, raw, so a test can also see what was sent twice.
 * It can go down and come back on the same port (its records survive, like a cloud's database).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import rpc from 'ocpp-rpc';
import { PATIENCE_MS } from './patience.js';

const { RPCServer, createRPCError, NOREPLY } = rpc as unknown as {
  RPCServer: new (options: Record<string, unknown>) => RpcServer;
  createRPCError: (type: string, message?: string, details?: unknown) => Error;
  NOREPLY: symbol;
};

export interface RpcServerClient {
  identity: string;
  handshake: { password?: Buffer };
  handle(method: string, handler: (ctx: { params: any; method: string; messageId: string }) => unknown): void;
  call<T = any>(method: string, params?: unknown, options?: Record<string, unknown>): Promise<T>;
  sendRaw(message: string): void;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): void;
}
interface RpcServer {
  handleUpgrade: (...args: any[]) => void;
  on(event: 'client', listener: (client: RpcServerClient) => void): void;
  auth(cb: (accept: (session?: unknown, protocol?: string) => void, reject: (code?: number, message?: string) => void, handshake: { identity: string; password?: Buffer }) => void): void;
  close(options?: Record<string, unknown>): Promise<void>;
}

export interface CloudCall {
  identity: string;
  action: string;
  params: any;
}

export interface CloudSession {
  identity: string;
  transactionId: number;
  connectorId: number;
  idTag: string;
  meterStart: number;
  startedAt: string;
  meterStop?: number;
  stoppedAt?: string;
  meterValues: number;
}

export interface TestCloud {
  url: string;
  port: number;
  /** Every CALL received, in order (including resends). */
  calls: CloudCall[];
  /** The cloud's record: sessions by its transactionId. */
  sessions: Map<number, CloudSession>;
  /** Frames from chargegate that failed ocpp-rpc's schema check (should stay empty). */
  validationFailures: unknown[];
  /** Answers changed on their way out, past the strict check (CloudBase.deviate). */
  deviate: Map<string, (answer: any) => unknown>;
  /** With tls.clientCa: the subject CN of each client certificate a TLS handshake presented. */
  clientCertificates: string[];
  /** Connected clients by identity. */
  clients: Map<string, RpcServerClient>;
  /** Passwords the cloud requires, by identity (none listed: any). */
  passwords: Map<string, string>;
  /** idTagInfo.status the cloud gives an idTag (default Accepted). */
  idTagStatus: Map<string, string>;
  /** BootNotification answer. */
  boot: { status: 'Accepted' | 'Pending' | 'Rejected'; interval: number };
  /** SignCertificate answer (default Accepted). */
  signCertificate: 'Accepted' | 'Rejected';
  /** Answer the next N calls of an action with this CALLERROR. */
  failNext(action: string, times: number, code?: string): void;
  /** Delay answers to an action (ms). */
  delay: Map<string, number>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when a call matching `match` has been received. */
  waitFor(match: (c: CloudCall) => boolean, what: string, ms?: number): Promise<CloudCall>;
}

/**
 * `firstTransactionId`: where its transactionIds start (default 5001).
 * With `tls`, the cloud listens for wss:// with this key and certificate (PEM); with
 * `tls.clientCa` it also requires a client certificate signed by that CA (mutual TLS): a
 * client without one fails the handshake.
 */
export async function startCloud(port = 0, tls?: { key: string; cert: string; clientCa?: string }, options: { firstTransactionId?: number } = {}): Promise<TestCloud> {
  const sessions = new Map<number, CloudSession>();
  const byStart = new Map<string, number>();
  const idTagStatus = new Map<string, string>();
  // Two clouds in one test number their transactions apart, as two real back ends would.
  let nextId = options.firstTransactionId ?? 5001;
  let cloud!: TestCloud;

  const base = await rpcCloud('ocpp1.6', port, tls, (client, answer) => {
    const idTagInfo = (idTag: string) => ({ status: idTagStatus.get(idTag) ?? 'Accepted' });
    answer('BootNotification', () => ({ status: cloud.boot.status, currentTime: new Date().toISOString(), interval: cloud.boot.interval }));
    answer('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
    answer('StatusNotification', () => ({}));
    answer('Authorize', (p) => ({ idTagInfo: idTagInfo(p.idTag) }));
    answer('DataTransfer', (p) => ({ status: 'Accepted', data: `cloud got ${p.vendorId}` }));
    answer('FirmwareStatusNotification', () => ({}));
    answer('DiagnosticsStatusNotification', () => ({}));
    // The OCPP 1.6 security extension (a CSMS that supports it).
    answer('SecurityEventNotification', () => ({}));
    answer('LogStatusNotification', () => ({}));
    answer('SignedFirmwareStatusNotification', () => ({}));
    answer('SignCertificate', () => ({ status: cloud.signCertificate }));
    answer('StartTransaction', (p) => {
      // A real CSMS deduplicates a resent Start: same charge point, connector, idTag, time, meter.
      const key = [client.identity, p.connectorId, p.idTag, p.timestamp, p.meterStart].join('|');
      let id = byStart.get(key);
      if (id === undefined) {
        id = nextId++;
        byStart.set(key, id);
        sessions.set(id, { identity: client.identity, transactionId: id, connectorId: p.connectorId, idTag: p.idTag, meterStart: p.meterStart, startedAt: p.timestamp, meterValues: 0 });
      }
      return { transactionId: id, idTagInfo: idTagInfo(p.idTag) };
    });
    answer('MeterValues', (p) => {
      const s = p.transactionId !== undefined ? sessions.get(p.transactionId) : undefined;
      if (s) s.meterValues++;
      return {};
    });
    answer('StopTransaction', (p) => {
      const s = sessions.get(p.transactionId);
      if (s && s.meterStop === undefined) Object.assign(s, { meterStop: p.meterStop, stoppedAt: p.timestamp });
      return p.idTag ? { idTagInfo: idTagInfo(p.idTag) } : {};
    });
  });
  cloud = Object.assign(base, { boot: { status: 'Accepted' as const, interval: 300 }, signCertificate: 'Accepted' as const, sessions, idTagStatus });
  return cloud;
}

/** What both test clouds have: the server, its records, going down and up, refusing on demand. */
export interface CloudBase {
  readonly url: string;
  readonly port: number;
  calls: CloudCall[];
  validationFailures: unknown[];
  clientCertificates: string[];
  clients: Map<string, RpcServerClient>;
  passwords: Map<string, string>;
  delay: Map<string, number>;
  /**
   * Answers to an action changed on their way out, past the strict check (a CSMS that adds a
   * property, or spells a status its own way): sent raw as the CALLRESULT's payload.
   */
  deviate: Map<string, (answer: any) => unknown>;
  failNext(action: string, times: number, code?: string): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
  waitFor(match: (c: CloudCall) => boolean, what: string, ms?: number): Promise<CloudCall>;
}

/** Registers a handler that records the call, fails or delays it on demand, then answers with `build`. */
export type Answer = (action: string, build: (params: any) => unknown) => void;

/**
 * An ocpp-rpc server in strict mode for one OCPP version, with Basic auth from `passwords`;
 * `onClient` registers the answers of each connecting client.
 */
export async function rpcCloud(protocol: 'ocpp1.6' | 'ocpp2.0.1', port: number, tls: { key: string; cert: string; clientCa?: string } | undefined, onClient: (client: RpcServerClient, answer: Answer) => void): Promise<CloudBase> {
  const server = new RPCServer({ protocols: [protocol], strictMode: true, callTimeoutMs: 5000 });
  const log = callLog();
  const clients = new Map<string, RpcServerClient>();
  const passwords = new Map<string, string>();
  const failures = new Map<string, { times: number; code: string }>();
  const delay = new Map<string, number>();
  const deviate = new Map<string, (answer: any) => unknown>();
  const validationFailures: unknown[] = [];
  const clientCertificates: string[] = [];

  server.auth((accept, reject, handshake) => {
    const wanted = passwords.get(handshake.identity);
    if (wanted !== undefined && handshake.password?.toString('utf8') !== wanted) return reject(401, 'bad password');
    accept();
  });
  server.on('client', (client) => {
    clients.set(client.identity, client);
    client.on('strictValidationFailure', (e: unknown) => validationFailures.push(e));
    onClient(client, (action, build) =>
      client.handle(action, async ({ params, messageId }) => {
        log.record(client.identity, action, params);
        const fail = failures.get(action);
        if (fail && fail.times > 0) {
          fail.times--;
          throw createRPCError(fail.code, `test cloud refuses ${action}`);
        }
        const ms = delay.get(action);
        if (ms) await new Promise((r) => setTimeout(r, ms));
        const change = deviate.get(action);
        if (!change) return build(params);
        client.sendRaw(JSON.stringify([3, messageId, change(build(params))]));
        return NOREPLY;
      }),
    );
  });
  const listener = await listen(server, clients, port, tls, clientCertificates);
  return {
    get url() {
      return listener.url;
    },
    get port() {
      return listener.port;
    },
    calls: log.calls,
    validationFailures,
    clientCertificates,
    clients,
    passwords,
    delay,
    deviate,
    failNext(action: string, times: number, code = 'InternalError') {
      failures.set(action, { times, code });
    },
    down: listener.down,
    up: listener.up,
    async close() {
      await listener.down();
      await server.close({ force: true }).catch(() => undefined);
    },
    waitFor: log.waitFor,
  };
}

/**
 * An ocpp-rpc server on 127.0.0.1 (ws://, or wss:// with `tls`, mutual with `tls.clientCa`) that
 * can go down and come back on the same port.
 */
async function listen(server: RpcServer, clients: Map<string, RpcServerClient>, port: number, tls: { key: string; cert: string; clientCa?: string } | undefined, clientCertificates: string[]) {
  let http: Server | undefined;
  let boundPort = port;
  const up = async () => {
    const mutual = tls?.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {};
    http = tls ? createTlsServer({ key: tls.key, cert: tls.cert, ...mutual }) : createServer();
    http.on('secureConnection', (socket: TLSSocket) => {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      if (typeof cn === 'string') clientCertificates.push(cn);
    });
    http.on('upgrade', server.handleUpgrade);
    await new Promise<void>((resolve) => http!.listen(boundPort, '127.0.0.1', () => resolve()));
    boundPort = (http.address() as AddressInfo).port;
  };
  const down = async () => {
    const h = http;
    http = undefined;
    if (!h) return;
    await Promise.all([...clients.values()].map((c) => c.close({ force: true, code: 1001, reason: 'cloud going down' }).catch(() => undefined)));
    clients.clear();
    h.closeAllConnections();
    await new Promise<void>((resolve) => h.close(() => resolve()));
  };
  await up();
  return {
    up,
    down,
    get url() {
      return `${tls ? 'wss' : 'ws'}://127.0.0.1:${boundPort}/ocpp`;
    },
    get port() {
      return boundPort;
    },
  };
}

/** The CALLs a test cloud received, in order, and waiting for one (both clouds use it). */
export function callLog() {
  const calls: CloudCall[] = [];
  const waiters: { match: (c: CloudCall) => boolean; resolve: (c: CloudCall) => void }[] = [];
  return {
    calls,
    record(identity: string, action: string, params: any): void {
      const call = { identity, action, params };
      calls.push(call);
      for (const w of [...waiters]) {
        if (w.match(call)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(call);
        }
      }
    },
    waitFor(match: (c: CloudCall) => boolean, what: string, ms = PATIENCE_MS): Promise<CloudCall> {
      const found = calls.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<CloudCall>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the cloud never got ${what}`)), ms);
        waiters.push({ match, resolve: (c) => (clearTimeout(timer), resolve(c)) });
      });
    },
  };
}
