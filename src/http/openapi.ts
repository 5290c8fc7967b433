/** The OpenAPI 3.1 document, generated from the route table and the error catalogue. */
import { ERRORS } from './errors.js';
import { fieldSchema, type FieldsSpec } from './params.js';
import type { Route } from './route.js';
import { RESPONSE_SCHEMAS } from './schemas.js';

export function openApiDocument(routes: readonly Route[], version: string, authRequired: boolean): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    paths[r.path] ??= {};
    paths[r.path]![r.method.toLowerCase()] = operation(r, authRequired);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'chargegate HTTP API',
      version,
      description:
        'The operator\'s view of an EV charging site. Authenticate with `Authorization: Bearer <token>`: http.token may read and command, ' +
        'http.readToken may only read. Without a configured token the API listens on loopback only and asks for none. ' +
        'Errors are `{"error": {"code", "message"}}`; the codes are listed under components.schemas.Error. ' +
        'Every POST and PUT needs `Content-Type: application/json` (an empty body counts as {}); a DELETE has no body. A Host header that is not one of the API\'s names (an IP address, localhost, ' +
        'http.host, the machine\'s host name, http.allowedHosts) is refused with 403, and so is a POST, PUT or DELETE whose Origin header is neither the API\'s own origin nor in http.allowedOrigins. ' +
        'Limits: a connector\'s `limit.plannedA` is the load balancer\'s plan, `limit.acceptedA` what the charger accepted (null: none, it may draw its maximum), ' +
        '`limit.inFlightA` a limit sent and not answered, `limit.measuredA` what it draws; a charger with `controlled: false` ignores its limits and is counted at its maximum.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ...RESPONSE_SCHEMAS,
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERRORS), description: Object.entries(ERRORS).map(([c, e]) => `${c} (${e.status}): ${e.means}`).join('; ') },
                message: { type: 'string', description: 'What was wrong, in words.' },
              },
            },
          },
        },
        CommandResult: {
          type: 'object',
          required: ['accepted', 'reason'],
          properties: { accepted: { type: 'boolean' }, reason: { type: 'string' } },
        },
      },
    },
  };
}

function operation(r: Route, authRequired: boolean): Record<string, unknown> {
  const parameters = [...fields(r.params, 'path'), ...fields(r.query, 'query')];
  const produces = r.produces ?? ['application/json'];
  const schema = r.response ?? (r.tag === 'commands' ? 'CommandResult' : undefined);
  const success = schema ? { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } : Object.fromEntries(produces.map((t) => [t, {}]));
  const errors = errorStatuses(r);
  return {
    operationId: operationId(r),
    summary: r.summary,
    tags: [r.tag],
    ...(r.access !== 'public' && authRequired ? { security: [{ bearer: [] }] } : { security: [] }),
    ...(r.access === 'command' ? { description: 'Needs http.token (the read-only token is refused with 403).' } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(r.rawBody !== undefined
      ? { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: r.rawBody } } } } }
      : r.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: objectSchema(r.body) } },
          },
        }
      : {}),
    responses: {
      200: { description: 'OK', content: success },
      ...Object.fromEntries(errors.map((status) => [status, { description: errorDescription(status), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }])),
    },
  };
}

function fields(spec: FieldsSpec | undefined, where: 'path' | 'query') {
  return Object.entries(spec ?? {}).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || field.required === true,
    description: field.description,
    schema: fieldSchema(field),
  }));
}

function objectSchema(spec: FieldsSpec): Record<string, unknown> {
  const required = Object.entries(spec).filter(([, f]) => f.required).map(([n]) => n);
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(spec).map(([n, f]) => [n, fieldSchema(f)])),
    ...(required.length ? { required } : {}),
  };
}

function errorStatuses(r: Route): number[] {
  const statuses = new Set<number>();
  if (r.params || r.query) statuses.add(400);
  if (r.access !== 'public') statuses.add(401);
  if (r.access === 'command') [400, 403, 404, 409, 413, 415, 502, 504].forEach((s) => statuses.add(s));
  if (r.params) statuses.add(404);
  return [...statuses].sort((a, b) => a - b);
}

function errorDescription(status: number): string {
  return Object.entries(ERRORS)
    .filter(([, e]) => e.status === status)
    .map(([code, e]) => `${code}: ${e.means}`)
    .join('; ');
}

function operationId(r: Route): string {
  const words = r.path
    .replace(/^\/api\//, '')
    .split(/[/{}-]+/)
    .filter(Boolean);
  return [r.method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}
