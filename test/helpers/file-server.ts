/** Plain HTTP servers a test stands up as "the internet": one serving files, one taking uploads. */
import type { Test } from 'tap';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

async function listen(t: Test, server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves `files` by path (404 otherwise); `handler` may answer first. Every request path is in `hits`. */
export async function fileServer(t: Test, files: Record<string, Buffer>, handler?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (handler?.(req, res)) return;
    const body = files[req.url ?? ''];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  return { url: await listen(t, server), hits };
}

export interface ReceivedUpload {
  method: string;
  url: string;
  contentType: string;
  body: Buffer;
}

/** An upload endpoint (the cloud's diagnostics location): keeps every request, answers 201. */
export async function uploadServer(t: Test): Promise<{ url: string; received: ReceivedUpload[] }> {
  const received: ReceivedUpload[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      res.writeHead(201).end();
    });
  });
  return { url: await listen(t, server), received };
}
