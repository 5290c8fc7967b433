/**
 * Starts a real chargegate (createApp) on 127.0.0.1, port 0, with its data in a temp folder,
 * from a config built the way an installer writes one (YAML through the real loader).
 */
import { PATIENCE_MS } from './patience.js';
import type { Test } from 'tap';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { createApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

export const PASSWORDS = { CP1: 'cp1-secret-key-01', CP2: 'cp2-secret-key-02' } as const;

export function baseConfig(dir: string): Record<string, unknown> {
  return {
    ocpp: { host: '127.0.0.1', port: 0, path: '/ocpp', pingInterval: 0, callTimeout: 2 },
    chargers: {
      allowUnknown: false,
      list: [
        { id: 'CP1', password: PASSWORDS.CP1, maxCurrent: 16, phases: 3 },
        { id: 'CP2', password: PASSWORDS.CP2, maxCurrent: 32, phases: 1 },
      ],
      // Automatic setup (GetConfiguration after boot) is on by default in the product; off here
      // so that tests of other things see only the calls they make. test/integration/setup-*
      // turn it on.
      setup: { mode: 'off' },
    },
    authorization: {
      mode: 'list',
      list: [{ idTag: 'TAG1' }, { idTag: 'TAG2' }, { idTag: 'BLOCKED1', status: 'Blocked' }, { idTag: 'OLD1', expiryDate: '2020-01-01T00:00:00Z' }],
    },
    storage: { dir },
    log: { level: 'silent' },
    // Off unless a test asks for it: parallel tests must not race for port 1883.
    mqtt: { broker: 'off' },
    // Any free port: parallel tests must not race for 8080 either.
    http: { port: 0 },
  };
}

export interface RunningGateway {
  app: App;
  /** The plain ws:// port; undefined with ocpp.plain: false. */
  port: number | undefined;
  /** ws://127.0.0.1:<port>/ocpp */
  url: string;
  /** The wss:// port, with ocpp.tls. */
  tlsPort?: number;
  /** wss://127.0.0.1:<tlsPort>/ocpp, with ocpp.tls. */
  tlsUrl?: string;
  /** http://127.0.0.1:<port> of the HTTP API and dashboard */
  httpUrl: string;
  dir: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  dir?: string;
  patch?: (config: Record<string, any>) => void;
  logger?: Logger;
  now?: () => Date;
  /** The built dashboard to serve (test/helpers/web.ts builds one). */
  webRoot?: string;
  /**
   * Chargers that booted before this start (as the rpc-charger's bootPayload): transparent mode
   * opens a charger's channel to the cloud only once its identity is known.
   */
  bootedBefore?: string[];
}

export async function startGateway(t: Test, options: StartOptions = {}): Promise<RunningGateway> {
  const dir = options.dir ?? t.testdir();
  const raw = baseConfig(dir);
  options.patch?.(raw);
  const config = parseConfig(stringify(raw), { env: {}, baseDir: dir });
  if (options.bootedBefore) {
    const store = openSqliteStore(config.storage.dir);
    for (const id of options.bootedBefore) store.chargers.recordBoot(id, { vendor: 'TestVendor', model: 'TestModel', serialNumber: 'SN-1', firmwareVersion: '1.2.3' }, new Date().toISOString());
    store.close();
  }
  const logger = options.logger ?? (process.env.TEST_LOG ? createLogger({ level: 'debug', format: 'pretty' }, process.stderr) : silentLogger());
  const app = createApp(config, { logger, ...(options.now ? { now: options.now } : {}), ...(options.webRoot ? { webRoot: options.webRoot } : {}) });
  const { ocppPort, ocppTlsPort, httpPort } = await app.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.stop();
  };
  t.teardown(stop);
  return {
    app,
    port: ocppPort,
    url: `ws://127.0.0.1:${ocppPort}/ocpp`,
    ...(ocppTlsPort !== undefined ? { tlsPort: ocppTlsPort, tlsUrl: `wss://127.0.0.1:${ocppTlsPort}/ocpp` } : {}),
    httpUrl: `http://127.0.0.1:${httpPort}`,
    dir,
    stop,
  };
}

/** Waits until `check` is true (or resolves true: an HTTP or OCPP question), polling; fails with `what` after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = PATIENCE_MS): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A real pino logger whose JSON lines the test can read back. */
export function capturingLogger(level = 'info'): { logger: Logger; entries(): Record<string, any>[] } {
  const out = new PassThrough();
  const lines: string[] = [];
  let rest = '';
  out.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  return { logger: createLogger({ level, format: 'json' }, out), entries: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}
