/** HTTP calls against a running gateway's API, and a reader for its server-sent events. */
export const TOKENS = { full: 'full-token-0123456789abcdef', read: 'read-token-0123456789abcdef' } as const;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function api(base: string, path: string, options: { token?: string; method?: string; body?: unknown; rawBody?: string; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(base + path, { method: options.method ?? (body !== undefined ? 'POST' : 'GET'), headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Opens /api/events and hands each event to `onEvent` until `until` returns true. */
export async function readEvents(base: string, token: string | undefined, until: (event: string, data: any) => boolean): Promise<void> {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/events`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`/api/events answered ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data && until(event, JSON.parse(data))) return;
      }
    }
  } finally {
    controller.abort();
  }
}

/** Prometheus text → { 'name{labels}': value }. Throws on a line that is not the format. */
export function parsePrometheus(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|Nan|[+-]Inf)$/.exec(line); // prom-client writes NaN as "Nan"; Prometheus parses either
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    values.set(m[1]!, Number(m[2]));
  }
  return values;
}
