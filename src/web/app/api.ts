/**
 * Talks to chargegate's API. With a token configured, the page signs in once (POST /api/login):
 * the server sets an HttpOnly cookie the page never sees, and every request carries it, in
 * every tab, until Sign out. Each request also says X-Requested-With, which the server wants
 * on commands the cookie signs (a cross-site page cannot send that header). The live feed is
 * read with fetch, like the rest.
 */
export class Unauthorized extends Error {}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, 'x-requested-with': 'chargegate' };
}

/** Signs in with a token: true when the server took it (and set its cookie). */
export async function login(token: string): Promise<boolean> {
  const res = await fetch('/api/login', { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify({ token }) });
  if (res.status === 401) {
    // Read every answer to the end: the page reloads next, which would abort one still open.
    await res.text();
    return false;
  }
  if (!res.ok) throw new Error(await errorText(res));
  await res.text();
  return true;
}

/** Forgets this browser's login on the server and clears its cookie. */
export async function logout(): Promise<void> {
  const res = await fetch('/api/logout', { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: '{}' });
  await res.text();
}

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: headers() });
  if (res.status === 401) throw new Unauthorized();
  if (!res.ok) throw new Error(await errorText(res));
  return (await res.json()) as T;
}

/** A command; DELETE sends no body. */
export async function post(path: string, body: unknown, method: 'POST' | 'PUT' | 'DELETE' = 'POST'): Promise<{ accepted: boolean; reason: string }> {
  const res = await fetch(path, method === 'DELETE' ? { method, headers: headers() } : { method, headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
  if (res.status === 401) throw new Unauthorized();
  if (!res.ok) return { accepted: false, reason: await errorText(res) };
  return (await res.json()) as { accepted: boolean; reason: string };
}

/** What came of an OCPP command: the answer, or why there is none (the API's error code and words). */
export type OcppOutcome =
  | { ok: true; answer: Record<string, unknown>; answeredBy: 'charger' | 'chargegate'; reason?: string }
  | { ok: false; status: number; code: string; message: string };

/** POST /api/chargers/{id}/ocpp/{action}: any OCPP 1.6 command, through chargegate's one door for them. */
export async function ocpp(chargerId: string, action: string, payload: unknown): Promise<OcppOutcome> {
  const res = await fetch(`/api/chargers/${encodeURIComponent(chargerId)}/ocpp/${action}`, {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify(payload),
  });
  if (res.status === 401) throw new Unauthorized();
  const body = (await res.json().catch(() => ({}))) as { answer?: Record<string, unknown>; answeredBy?: 'charger' | 'chargegate'; reason?: string; error?: { code?: string; message?: string } };
  if (!res.ok || !body.answer) return { ok: false, status: res.status, code: body.error?.code ?? `http_${res.status}`, message: body.error?.message ?? `HTTP ${res.status}` };
  return { ok: true, answer: body.answer, answeredBy: body.answeredBy ?? 'charger', ...(body.reason ? { reason: body.reason } : {}) };
}

/** Downloads a CSV through fetch (a plain link would do with the cookie; not with a bearer token). */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw new Error(await errorText(res));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/** Reads /api/events, calling onEvent per event; reconnects with back-off until the page closes. */
export function liveFeed(onEvent: (event: string, data: unknown) => void, onState: (live: boolean) => void, onUnauthorized: () => void): void {
  let delay = 1000;
  const connect = async () => {
    try {
      const res = await fetch('/api/events', { headers: headers() });
      if (res.status === 401) return onUnauthorized();
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      onState(true);
      delay = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) onEvent(event, JSON.parse(data));
        }
      }
    } catch {
      /* reconnect below */
    }
    onState(false);
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 15_000);
  };
  void connect();
}
