/**
 * The durable ceiling as a child process of `npm run bench` (durable-ceiling.ts): its data
 * directory is the first argument; prints its port on stdout once it listens.
 */
import { startDurableCeiling } from './durable-ceiling.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: durable-server <data dir>');
const ceiling = await startDurableCeiling(dir);
process.stdout.write(`${ceiling.port}\n`);
