/**
 * POST /api/login and POST /api/logout: the dashboard's remembered login (logins.ts,
 * docs/security.md). A right token gets a long-lived HttpOnly, SameSite=Strict cookie holding
 * a random secret; a wrong one gets 401 and no cookie. Logout forgets the secret on the server.
 */
import type { Auth } from '../auth.js';
import { HttpError } from '../errors.js';
import { loginCookie, loginSecret, overTls, type Logins } from '../logins.js';
import { route, type Route } from '../route.js';

export interface LoginRouteDeps {
  auth: Pick<Auth, 'roleOfPresented' | 'authRequired'>;
  logins: Pick<Logins, 'create' | 'remove'>;
}

export function loginRoutes({ auth, logins }: LoginRouteDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/api/login',
      access: 'public',
      tag: 'meta',
      summary: 'Sign the browser in: {"token"} (http.token or http.readToken) → {"role"} and a cookie (HttpOnly, SameSite=Strict, a year) the API and the live feed accept instead of the bearer header. A wrong token: 401, no cookie; too many wrong ones from one address (http.maxAuthFailures a minute): 429 with Retry-After.',
      body: { token: { type: 'string', maxLength: 512, required: true, description: 'http.token (may command) or http.readToken (may only read).' } },
      async handle({ body, req, res, logger }) {
        if (!auth.authRequired) return { json: { role: 'command', remembered: false } };
        const role = auth.roleOfPresented(req, body.token ?? '');
        if (role === 'none') throw new HttpError('unauthorized', 'that token is neither http.token nor http.readToken');
        const secret = await logins.create(role);
        res.setHeader('Set-Cookie', loginCookie(secret, overTls(req)));
        logger.info({ role }, 'dashboard login remembered');
        return { json: { role, remembered: true } };
      },
    }),
    route({
      method: 'POST',
      path: '/api/logout',
      access: 'public',
      tag: 'meta',
      summary: 'Sign the browser out: the login cookie\'s secret is forgotten on the server (the cookie no longer works anywhere) and the cookie cleared.',
      async handle({ req, res, logger }) {
        const secret = loginSecret(req);
        if (secret !== undefined) await logins.remove(secret);
        res.setHeader('Set-Cookie', loginCookie(undefined, overTls(req)));
        logger.info({ hadLogin: secret !== undefined }, 'dashboard logout');
        return { json: { loggedOut: true } };
      },
    }),
  ];
}
