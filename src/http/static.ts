/**
 * The dashboard's files, read once at start into memory (with a gzip copy): the dashboard is a
 * few small files, and serving only what was found at start rules out path traversal.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/** Everything the page loads comes from here: no inline script, nothing from elsewhere. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface StaticFiles {
  /** Serves the file for a GET path, or returns false when there is none. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** Bytes a first visit downloads (gzip when smaller), for the bench. */
  readonly files: ReadonlyMap<string, { bytes: number; gzipBytes: number }>;
}

export function loadStaticFiles(root: string | undefined): StaticFiles {
  const assets = new Map<string, Asset>();
  if (root && existsSync(root)) {
    for (const file of walk(root)) {
      const type = TYPES[extname(file)];
      if (!type) continue; // sources (.ts) and maps stay out
      const body = readFileSync(file);
      const urlPath = '/' + relative(root, file).split(sep).join('/');
      assets.set(urlPath, { type, body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` });
    }
  }
  if (!assets.has('/index.html')) {
    const body = Buffer.from('<!doctype html><title>chargegate</title><p>The dashboard is not built: run <code>npm run build</code>. The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>');
    assets.set('/index.html', { type: TYPES['.html']!, body, gzip: gzipSync(body), etag: '"not-built"' });
  }

  return {
    files: new Map([...assets].map(([p, a]) => [p, { bytes: a.body.length, gzipBytes: a.gzip.length }])),
    serve(req, res, path) {
      const asset = assets.get(path === '/' ? '/index.html' : path);
      if (!asset) return false;
      res.setHeader('Content-Type', asset.type);
      res.setHeader('ETag', asset.etag);
      // The page itself is revalidated each time (it names the other files); files are small.
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (asset.type.startsWith('text/html')) {
        res.setHeader('Content-Security-Policy', CSP);
        res.setHeader('Referrer-Policy', 'no-referrer');
      }
      if (req.headers['if-none-match'] === asset.etag) {
        res.statusCode = 304;
        res.end();
        return true;
      }
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && asset.gzip.length < asset.body.length;
      res.setHeader('Vary', 'Accept-Encoding');
      if (gzip) res.setHeader('Content-Encoding', 'gzip');
      const body = gzip ? asset.gzip : asset.body;
      res.setHeader('Content-Length', body.length);
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
