/**
 * The chargers' side of chargegate's HTTP port: firmware downloads and diagnostics uploads on
 * capability URLs. A charger cannot send a bearer token, so the URL carries a random 128-bit
 * token (names.ts parseChargerPath): a wrong or missing token is a plain 404, the same as a
 * missing file, there is no listing, and the log never holds the token. The Host and Origin
 * checks of the API (DNS rebinding) do not apply: a page cannot know a token.
 *
 *   GET|HEAD /firmware/<token>/<name>          the stored file (one byte range, if asked)
 *   PUT|POST /uploads/<token>/<file name>      a diagnostics file: raw bytes, or multipart/form-data
 *   PUT|POST /uploads/<token>                  the same, the name from the form (or a generated one)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { TooLarge } from './files.js';
import { boundaryOf, firstFile } from './multipart.js';
import { parseChargerPath } from './names.js';
import { readStored, type Transfers } from './service.js';

export type ChargerFileHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean;

export function chargerFiles(transfers: Transfers, maxUploadBytes: number, logger: Logger): ChargerFileHandler {
  const log = logger.child({ component: 'charger-files' });
  return (req, res, pathname) => {
    const path = parseChargerPath(pathname);
    if (!path && !/^\/(firmware|uploads)\//.test(pathname)) return false;
    const method = req.method ?? 'GET';
    // What the log keeps: never the token.
    const shown = path ? (path.kind === 'firmware' ? `/firmware/…/${path.name}` : `/uploads/…/${path.fileName ?? ''}`) : pathname.replace(/^\/(\w+)\/[^/]*/, '/$1/…');
    const reqLog = log.child({ method, path: shown.slice(0, 200), remoteAddress: req.socket.remoteAddress });
    const answer = (status: number, text: string) => {
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
      res.end(method === 'HEAD' ? undefined : text);
    };
    if (path?.kind === 'firmware' && (method === 'GET' || method === 'HEAD')) {
      const found = transfers.firmwareFor(path.token, path.name);
      if (!found) {
        reqLog.info('firmware download refused: no such file or token');
        answer(404, 'not found\n');
        return true;
      }
      const size = found.file.size;
      const range = byteRange(req.headers.range, size);
      if (range === 'unsatisfiable') {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        res.end();
        return true;
      }
      const headers = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store', ETag: `"${found.file.sha256}"`, 'X-Checksum-Sha256': found.file.sha256 };
      if (range) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': range.end - range.start + 1 });
      else res.writeHead(200, { ...headers, 'Content-Length': size });
      if (method === 'HEAD') {
        res.end();
        return true;
      }
      reqLog.info({ name: found.file.name, size, ...(range ? { range: `${range.start}-${range.end}` } : {}) }, 'firmware download');
      const stream = readStored(found.path, range);
      stream.on('error', (err) => {
        reqLog.error({ err }, 'firmware file could not be read');
        res.destroy();
      });
      stream.pipe(res);
      return true;
    }
    if (path?.kind === 'upload' && (method === 'PUT' || method === 'POST')) {
      void receive(path.token, path.fileName, req, reqLog).then(
        (status) => answer(status, status === 201 ? 'stored\n' : status === 413 ? `larger than ${maxUploadBytes} bytes\n` : status === 400 ? 'malformed multipart body\n' : 'not found\n'),
        (err: unknown) => {
          reqLog.error({ err }, 'diagnostics upload failed inside chargegate');
          answer(500, 'failed\n');
        },
      );
      return true;
    }
    if (path && method !== 'GET' && method !== 'HEAD' && method !== 'PUT' && method !== 'POST') {
      res.setHeader('Allow', path.kind === 'firmware' ? 'GET, HEAD' : 'PUT, POST');
      answer(405, 'method not allowed\n');
      return true;
    }
    answer(404, 'not found\n');
    return true;
  };

  async function receive(token: string, fileName: string | undefined, req: IncomingMessage, reqLog: Logger): Promise<number> {
    // The token first: a stranger's body is not read, let alone stored.
    if (!transfers.uploadOpen(token)) {
      reqLog.info('diagnostics upload refused: unknown or expired upload URL');
      req.resume();
      return 404;
    }
    if (Number(req.headers['content-length'] ?? 0) > maxUploadBytes) {
      req.resume();
      return 413;
    }
    const boundary = boundaryOf(req.headers['content-type']);
    try {
      if (!boundary) return (await transfers.receiveUpload(token, fileName, req)) ? 201 : 404;
      // A form: in memory (bounded), then its first file.
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxUploadBytes + 64 * 1024) throw new TooLarge(maxUploadBytes);
        chunks.push(chunk);
      }
      const part = firstFile(Buffer.concat(chunks), boundary);
      if (!part) return 400;
      return (await transfers.receiveUpload(token, fileName ?? part.fileName, [part.bytes])) ? 201 : 404;
    } catch (err) {
      if (err instanceof TooLarge) {
        reqLog.warn({ maxBytes: maxUploadBytes }, 'diagnostics upload refused: too large');
        req.resume();
        return 413;
      }
      throw err;
    }
  }
}

/** One `bytes=a-b` range (RFC 9110 §14.1.2); several ranges or a malformed header: the whole file. */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
