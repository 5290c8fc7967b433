/**
 * A smaller slice of the HTTP requests through the real server on 127.0.0.1 (the API of the
 * real app, no token on loopback), each on its own socket, written raw so that targets and
 * bodies no HTTP client would send arrive as they are.
 *
 * Invariants: every request is answered within the deadline, never with 500, and the body
 * of an error is the catalogue's {"error": {"code", "message"}}; nothing is logged at error level.
 */
import { connect } from 'node:net';
import type { FuzzSite } from '../site.js';
import { shrinkText, Violation, type Target } from '../target.js';
import { httpInput, type HttpInput } from './http-input.js';

export function httpServerTarget(options: { site: { get(): Promise<FuzzSite>; release(): Promise<void> } }): Target<HttpInput> {
  let site: FuzzSite | undefined;
  return {
    name: 'http-server',
    about: 'the same requests through the real HTTP server',
    weight: 2,
    batch: 8,
    async setup() {
      site = await options.site.get();
    },
    generate: (rng) => httpInput(rng, site!.app.http.routes),
    async execute(input) {
      const answer = await exchange(site!.httpPort, input);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer.head)?.[1] ?? 0);
      if (status === 0) throw new Violation(`no HTTP answer: ${JSON.stringify(answer.head.slice(0, 200))}`);
      if (status >= 500 && status !== 502 && status !== 504) throw new Violation(`answered ${status}: ${answer.body.slice(0, 300)}`);
      const errors = site!.takeErrors();
      if (errors.length > 0) throw new Violation(`logged at error level: ${errors.join('; ')}`);
      if (status >= 400 && input.method !== 'HEAD' && /application\/json/i.test(answer.head)) {
        const code = (JSON.parse(answer.body) as { error?: { code?: unknown } }).error?.code;
        if (typeof code !== 'string') throw new Violation(`an error without a code: ${answer.body.slice(0, 300)}`);
        return `${status} ${code}`;
      }
      return String(status);
    },
    describe: (input) => JSON.stringify(input),
    *shrink(input) {
      for (const t of shrinkText(input.target)) if (t.startsWith('/')) yield { ...input, target: t };
      if (input.body !== undefined) for (const b of shrinkText(input.body)) yield { ...input, body: b };
    },
    async teardown() {
      await options.site.release();
    },
  };
}

/** One raw request; resolves with the head and body once the answer is complete (or the stream's head). */
function exchange(port: number, input: HttpInput): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const done = (head: string, body: string) => {
      socket.destroy();
      resolve({ head, body });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = data.subarray(0, end).toString('latin1');
      const body = data.subarray(end + 4);
      // A live feed never ends: its head is the answer.
      if (/text\/event-stream/i.test(head) || input.method === 'HEAD') return done(head, '');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (body.length >= length) done(head, body.toString('utf8'));
    });
    socket.on('end', () => {
      const text = data.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      done(end < 0 ? text : text.slice(0, end), end < 0 ? '' : text.slice(end + 4));
    });
    socket.on('error', reject);
    const body = input.body === undefined ? undefined : Buffer.from(input.body, 'utf8');
    const head = [
      `${input.method} ${input.target} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      ...(body ? ['Content-Type: application/json', `Content-Length: ${body.length}`] : []),
      '',
      '',
    ].join('\r\n');
    socket.write(body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1'));
  });
}
