/**
 * A simulated charger that is stopped, then asked to start a transaction (what a fleet's
 * session loop does when an answer lands while the charger powers off). It must leave nothing
 * running: the process ends by itself. Prints what is still active, for the test's message.
 */
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';

const charger = new SimulatedCharger({
  url: 'ws://127.0.0.1:9/ocpp', // nothing listens: the charger keeps retrying until stopped
  identity: 'STOPPED-1',
  logger: silentLogger(),
  autoMeterValues: true,
  configuration: { MeterValueSampleInterval: '1' },
  backoff: { initialMs: 20, maxMs: 50 },
});
charger.start();
await charger.stop();
charger.plugIn(1);
void charger.startTransaction(1, 'TAG-AFTER-STOP');
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify({ active: process.getActiveResourcesInfo() }) + '\n');
