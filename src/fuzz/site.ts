/**
 * A real chargegate for the fuzz targets that need one: createApp with its SQLite store in a
 * temp folder, a site: section so the balancer listens to what the handlers announce, OCPP
 * and HTTP on 127.0.0.1 port 0, MQTT off (the MQTT target wires the command path itself).
 * Its logger keeps every error-level line: a handler that failed, an event listener that
 * threw, a request that failed inside chargegate are findings even when they were answered.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../app.js';
import { parseConfig } from '../config/load.js';
import { createLogger, type Logger } from '../log.js';

export const CHARGER_IDS = ['CP1', 'CP2', 'CP3', 'CP4', 'CP5', 'CP6', 'CP7', 'CP8'] as const;

export interface FuzzSite {
  app: App;
  /** The app's logger (error level, kept by takeErrors). */
  logger: Logger;
  httpPort: number;
  /**
   * Error-level log lines (msg and err message) of one call, by its message id, with those that
   * name no call (an event listener that failed): inputs run in batches, so the id attributes them.
   */
  takeErrors(messageId?: string): string[];
  stop(): Promise<void>;
}

export async function startSite(): Promise<FuzzSite> {
  // In memory where there is a tmpfs: this is about answers, not about surviving a power cut,
  // and an fsync per group commit would set the pace of the whole run.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'chargegate-fuzz-'));
  const config = parseConfig(
    JSON.stringify({
      // The per-charger call limits are lifted: the fuzzer drives many calls per charger at once.
      ocpp: { host: '127.0.0.1', port: 0, pingInterval: 0, callTimeout: 2, maxCallsInFlight: 100, callRate: 10000, callBurst: 100000 },
      chargers: { allowUnknown: true, list: CHARGER_IDS.map((id, i) => ({ id, password: `fuzz-password-${id}`, maxCurrent: 16 + i * 2, phases: i % 2 ? 1 : 3, connectors: 2 })) },
      authorization: { mode: 'list', list: [{ idTag: 'TAG1' }, { idTag: 'TAG2', parentIdTag: 'TAG1' }, { idTag: 'BLOCKED1', status: 'Blocked' }, { idTag: 'OLD1', expiryDate: '2020-01-01T00:00:00Z' }] },
      storage: { dir },
      log: { level: 'error' },
      mqtt: { broker: 'off' },
      http: { port: 0 },
      site: { supply: { maxCurrent: 63, phases: 3 } },
    }),
    { env: {}, baseDir: dir },
  );
  const errors: { messageId?: string; text: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        const entry = JSON.parse(line) as { msg?: string; messageId?: string; err?: { message?: string } | string };
        const text = `${entry.msg ?? ''}${entry.err ? ': ' + (typeof entry.err === 'string' ? entry.err : entry.err.message) : ''}`;
        errors.push({ text, ...(entry.messageId !== undefined ? { messageId: entry.messageId } : {}) });
      }
      done();
    },
  });
  const logger = createLogger({ level: 'error', format: 'json' }, sink);
  const app = createApp(config, { logger });
  const { httpPort } = await app.start();
  return {
    app,
    logger,
    httpPort: httpPort!,
    takeErrors(messageId) {
      const mine = errors.filter((e) => e.messageId === undefined || e.messageId === messageId);
      for (const e of mine) errors.splice(errors.indexOf(e), 1);
      return mine.map((e) => e.text);
    },
    async stop() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One site shared by the targets of a run, started by the first that needs it. */
export function sharedSite(): { get(): Promise<FuzzSite>; release(): Promise<void> } {
  let site: Promise<FuzzSite> | undefined;
  let users = 0;
  return {
    get() {
      users++;
      site ??= startSite();
      return site;
    },
    async release() {
      if (--users > 0 || !site) return;
      const s = await site;
      site = undefined;
      await s.stop();
    },
  };
}
