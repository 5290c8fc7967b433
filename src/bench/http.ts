/**
 * The operator's view must cost the OCPP path nothing measurable: the chargers' p99 with and
 * without a dashboard (a live-feed client) open, in the same run, rounds alternating so drift
 * hits both alike; and the bytes a browser downloads on a first visit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootFrame, closeAll, connectAll, meterValuesFrame as meterValues, runLoad, type LoadResult } from './load.js';

export interface HttpBenchOptions {
  chargers: number;
  seconds: number;
  rounds: number;
  progress: (line: string) => void;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}


/** A dashboard as the server sees it: one live-feed client reading everything it is sent. */
async function openDashboard(httpUrl: string): Promise<{ bytes: () => number; close: () => void }> {
  const controller = new AbortController();
  const res = await fetch(`${httpUrl}/api/events`, { signal: controller.signal });
  let bytes = 0;
  void (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    } catch {
      /* aborted */
    }
  })();
  return { bytes: () => bytes, close: () => controller.abort() };
}

/** Follows the page's references (link, script, ES module imports) and adds up what travels. */
export async function firstLoadBytes(httpUrl: string): Promise<{ files: number; bytes: number }> {
  const seen = new Set<string>();
  let bytes = 0;
  const visit = async (path: string): Promise<void> => {
    if (seen.has(path)) return;
    seen.add(path);
    const res = await fetch(httpUrl + path, { headers: { 'accept-encoding': 'gzip' } });
    const text = await res.text();
    bytes += Number(res.headers.get('content-length') ?? text.length);
    const refs = [...text.matchAll(/(?:href|src)="([^"#?]+)"|from ['"](\.\/[^'"]+)['"]/g)].map((m) => m[1] ?? m[2]!);
    const base = path.endsWith('/') ? path : path.slice(0, path.lastIndexOf('/') + 1);
    for (const ref of refs) if (!/^[a-z]+:/.test(ref)) await visit(new URL(ref, `http://x${base}`).pathname);
  };
  await visit('/');
  return { files: seen.size, bytes };
}

export async function benchHttp(options: HttpBenchOptions): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-http-'));
  const [ocppPort, httpPort] = [await freePort(), await freePort()];
  const configFile = join(dir, 'bench.yaml');
  writeFileSync(
    configFile,
    [
      // The per-charger limits (ocpp.callRate, maxCallsInFlight) are lifted: this measures the path itself.
      `ocpp: { host: 127.0.0.1, port: ${ocppPort}, pingInterval: 0, maxCallsInFlight: 100, callRate: 10000, callBurst: 100000 }`,
      'chargers: { allowUnknown: true }',
      'authorization: { mode: accept-all }',
      `storage: { dir: ${JSON.stringify(join(dir, 'data'))} }`,
      'log: { level: warn }',
      'mqtt: { broker: "off" }',
      `http: { host: 127.0.0.1, port: ${httpPort} }`,
    ].join('\n'),
  );
  const child = spawn(process.execPath, [new URL('../main.js', import.meta.url).pathname, 'start', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  try {
    for (let i = 0; ; i++) {
      const up = await fetch(`${httpUrl}/api/whoami`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 100) throw new Error('chargegate did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const sockets = await connectAll(`ws://127.0.0.1:${ocppPort}/ocpp`, options.chargers, 'HTTPB');
    await runLoad(sockets, { seconds: 1, frame: meterValues, warmup: [bootFrame] });
    const without: LoadResult[] = [];
    const withDashboard: LoadResult[] = [];
    let streamed = 0;
    for (let round = 0; round < options.rounds; round++) {
      options.progress(`http: round ${round + 1}/${options.rounds}, ${options.chargers} chargers, no dashboard…`);
      without.push(await runLoad(sockets, { seconds: options.seconds, frame: meterValues, warmup: [] }));
      const dashboard = await openDashboard(httpUrl);
      options.progress(`http: round ${round + 1}/${options.rounds}, ${options.chargers} chargers, a dashboard open…`);
      withDashboard.push(await runLoad(sockets, { seconds: options.seconds, frame: meterValues, warmup: [] }));
      streamed += dashboard.bytes();
      dashboard.close();
    }
    closeAll(sockets);
    const page = await firstLoadBytes(httpUrl);
    const mean = (rs: LoadResult[], key: 'p50ms' | 'p99ms' | 'perSecond') => rs.reduce((s, r) => s + r[key], 0) / rs.length;
    const row = (label: string, rs: LoadResult[]) => `${label.padEnd(22)}  ${String(Math.round(mean(rs, 'perSecond'))).padStart(7)}  ${mean(rs, 'p50ms').toFixed(2).padStart(6)}  ${mean(rs, 'p99ms').toFixed(2).padStart(6)}`;
    return [
      `\nThe dashboard's cost to chargers: ${options.chargers} chargers sending MeterValues, ${options.rounds} alternating rounds of ${options.seconds} s (means)\n`,
      `${'dashboard'.padEnd(22)}  ${'msg/s'.padStart(7)}  ${'p50 ms'.padStart(6)}  ${'p99 ms'.padStart(6)}`,
      row('none', without),
      row('one live feed open', withDashboard),
      `p99 with / without: ${((mean(withDashboard, 'p99ms') / mean(without, 'p99ms')) * 100).toFixed(0)} %; the feed sent ${(streamed / 1024).toFixed(0)} KiB in ${options.rounds * options.seconds} s`,
      `dashboard first load: ${page.files} files, ${(page.bytes / 1024).toFixed(1)} KiB transferred (gzip; budget 500 KB)\n`,
    ].join('\n');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
