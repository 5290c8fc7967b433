/**
 * The #19 parts of `npm run bench` that take minutes, run only when named:
 * BENCH_PARTS=scale (site scale, scale.ts) and BENCH_PARTS=burst (burst.ts).
 */
import { printBurst, runBurstBench } from './burst.js';
import { childGateway, openFilesLimit } from './gateway-under-test.js';
import { printScale, runScaleBench } from './scale.js';
import { DISCOVERY_FORMATS, type DiscoveryFormat } from '../mqtt/discovery-format.js';

export async function runScaleParts(parts: readonly string[], progress: (line: string) => void): Promise<void> {
  if (parts.includes('scale')) {
    const counts = (process.env.BENCH_SCALE_CHARGERS ?? '100,1000,5000').split(',').map(Number);
    const steadySeconds = Number(process.env.BENCH_SCALE_SECONDS ?? 30);
    const haFormat = discoveryFormat(process.env.BENCH_HA_FORMAT);
    needFiles(Math.max(...counts));
    const results = await runScaleBench({ counts, steadySeconds, meterIntervalS: 10, pollIntervalS: 5, start: childGateway, progress, haFormat });
    process.stdout.write(printScale(results, steadySeconds, haFormat));
  }
  if (parts.includes('burst')) {
    const chargers = Number(process.env.BENCH_BURST_CHARGERS ?? 500);
    const messages = Number(process.env.BENCH_BURST_MESSAGES ?? 200);
    needFiles(chargers);
    process.stdout.write(printBurst(await runBurstBench({ chargers, messages, start: childGateway, progress })));
  }
}

/** BENCH_HA_FORMAT: entity or device (mqtt.homeAssistant.format); not set: the product's choice for a new install (the bench's store is new). */
function discoveryFormat(given: string | undefined): DiscoveryFormat | undefined {
  if (given === undefined || given === '') return undefined;
  if (!(DISCOVERY_FORMATS as readonly string[]).includes(given)) throw new Error(`BENCH_HA_FORMAT must be one of ${DISCOVERY_FORMATS.join(', ')}, got ${JSON.stringify(given)}`);
  return given as DiscoveryFormat;
}

/**
 * Each charger is an open file here and one in the gateway (which inherits this limit): stop
 * with the fix rather than with EMFILE half-way.
 */
function needFiles(chargers: number): void {
  const limit = openFilesLimit();
  if (limit < chargers + 200) throw new Error(`${chargers} chargers need more open files than ulimit -n allows (${limit}): run \`ulimit -n ${chargers + 1000}\` first`);
}
