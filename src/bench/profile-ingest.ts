/**
 * `npm run build && node dist/bench/profile-ingest.js`: where chargegate's time goes while it
 * stores 1.6 MeterValues (issue #19). Starts the gateway as the `ocpp` bench part does, under
 * `node --cpu-prof`, drives it with the bench's load (PROFILE_CHARGERS chargers, default 100,
 * each sending its next MeterValues of 4 samples when the last is answered) for PROFILE_SECONDS
 * (default 5) after an untimed warm-up, and prints the CPU profile of that window by stage
 * (cpu-profile.ts), in µs per message, next to the process's CPU per message from /proc (the
 * difference is work off the main thread: the WAL's fdatasync on libuv's pool, the kernel's
 * socket work) and the profiler's own cost. PROFILE_KEEP=<dir> keeps the `.cpuprofile`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageBreakdown, type CpuProfile } from './cpu-profile.js';
import { bootFrame, closeAll, connectAll, meterValuesFrame, runLoad } from './load.js';
import { benchNodeArgs, cpuMs, startGateway } from './processes.js';

const CHARGERS = Number(process.env.PROFILE_CHARGERS ?? 100);
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 5);
const WARM_SECONDS = 2;

/** Now on the clock V8 stamps profile samples with (CLOCK_MONOTONIC, as process.hrtime), µs. */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-profile-'));
  const profDir = process.env.PROFILE_KEEP ?? join(dir, 'profile');
  mkdirSync(profDir, { recursive: true });
  try {
    // The launch flags too (benchNodeArgs): the profile is of the gateway as a site runs it.
    const gw = await startGateway(dir, [...benchNodeArgs(), '--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    const sockets = await connectAll(gw.url, CHARGERS, 'PROF');
    await runLoad(sockets, { seconds: WARM_SECONDS, frame: meterValuesFrame, warmup: [bootFrame] });
    const cpuBefore = cpuMs(gw.child.pid!);
    const from = monotonicUs();
    const load = await runLoad(sockets, { seconds: SECONDS, frame: meterValuesFrame });
    const to = monotonicUs();
    const cpuUsPerMsg = ((cpuMs(gw.child.pid!) - cpuBefore) * 1000) / load.messages;
    closeAll(sockets);
    // SIGTERM: the gateway stops in order and node writes the profile on the way out.
    const exited = new Promise((resolve) => gw.child.once('exit', resolve));
    gw.child.kill('SIGTERM');
    await exited;
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile in ${profDir}`);
    const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
    const stages = stageBreakdown(profile, from, to);
    const busy = stages.filter((s) => s.stage !== 'idle');
    const busyUs = busy.reduce((sum, s) => sum + s.us, 0);
    // The profiler stamps wall time: on a busy machine a sample's interval includes time the
    // process waited for a core. The shares hold; µs are the shares of the CPU /proc counted.
    const share = (us: number) => us / busyUs;
    const out: string[] = [
      `\n1.6 MeterValues (4 samples) into chargegate under --cpu-prof: ${CHARGERS} chargers, ${SECONDS} s, ${load.messages} messages, ${Math.round(load.perSecond)} msg/s\n`,
      `${'stage'.padEnd(40)}  share of the main thread   ≈ µs CPU/msg`,
      ...busy.map((s) => `${s.stage.padEnd(40)}  ${(100 * share(s.us)).toFixed(1).padStart(7)} %   ${(share(s.us) * cpuUsPerMsg).toFixed(1).padStart(16)}`),
      `${'process CPU from /proc (all threads)'.padEnd(40)}  ${''.padStart(9)}   ${cpuUsPerMsg.toFixed(1).padStart(16)}  (the profiler's own cost included)`,
    ];
    process.stdout.write(out.join('\n') + '\n');
    if (process.env.PROFILE_KEEP) process.stdout.write(`profile kept: ${join(profDir, file)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
