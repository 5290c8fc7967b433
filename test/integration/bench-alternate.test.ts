/**
 * #19's verdict runs the servers in alternating rounds (src/bench/alternate.ts). Over real
 * sockets, two in-process servers that answer every CALL, one of them slowly: every round times
 * every line, each line first in turn, and the ratios say which server is slower.
 */
import t, { type Test } from 'tap';
import { WebSocketServer } from 'ws';
import { runAlternating, roundRatios, type Line } from '../../src/bench/alternate.js';
import { closeAll, connectAll, meterValuesFrame } from '../../src/bench/load.js';

/** A server that answers each CALL with an empty CALLRESULT after `delayMs`; `seen` gets its name whenever the CALLs move to it from the other. */
async function answering(t: Test, name: string, delayMs: number, seen: string[]): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'ocpp1.6' });
  wss.on('connection', (ws) =>
    ws.on('message', (data: Buffer) => {
      const id = JSON.parse(data.toString())[1] as string;
      if (seen.at(-1) !== name) seen.push(name);
      setTimeout(() => ws.send(JSON.stringify([3, id, {}])), delayMs);
    }),
  );
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const addr = wss.address();
  return `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/ocpp`;
}

t.test('every round times every line, each line first in turn; the slower server has the lower figure', async (t) => {
  const seen: string[] = [];
  const line = async (label: string, delayMs: number): Promise<Line> => {
    const sockets = await connectAll(await answering(t, label, delayMs, seen), 4, label);
    t.teardown(() => closeAll(sockets));
    return { label, sockets, frame: meterValuesFrame, pid: process.pid, runs: [] };
  };
  const fast = await line('fast', 0);
  const slow = await line('slow', 5);
  const progress: string[] = [];
  await runAlternating([fast, slow], { rounds: 4, seconds: 0.2, progress: (l) => progress.push(l) });
  t.equal(fast.runs.length, 4, 'four rounds of the first line');
  t.equal(slow.runs.length, 4, 'four rounds of the second');
  t.ok([...fast.runs, ...slow.runs].every((r) => r.messages > 0), 'each round answered messages');
  // Rounds fast→slow, slow→fast, fast→slow, slow→fast: the server that ends a round begins the
  // next, so the servers reached change five times (a fixed order would make it eight).
  t.same(seen, ['fast', 'slow', 'fast', 'slow', 'fast'], 'the order rotates: each line goes first in turn');
  t.equal(progress.length, 4, 'one progress line per round');
  const { median } = roundRatios(slow.runs, fast.runs);
  t.ok(median < 1, `the server that answers 5 ms late has the lower figure: ${median.toFixed(2)} of the other`);
});
