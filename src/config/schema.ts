/**
 * The configuration file's schema, written once with TypeBox: the TypeScript type `Config`
 * and the JSON schema (validation, editors) both come from it.
 *
 * Conventions, so that adding a section (upstream, site, mqtt, http) is one `Section({...})`
 * and one line in `ConfigSchema`:
 * - every object is closed (`additionalProperties: false`): an unknown key is a typo;
 * - a key with a `default` may be omitted from the file (see `inputSchema`), yet is always
 *   present in `Config`; a key without a default is required unless wrapped in `Type.Optional`;
 * - `allowed` is our own keyword: the human wording of what a value may be, used by error
 *   messages where the generic wording (built from type/minimum/pattern...) would be cryptic.
 */
import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** A closed mapping that may be omitted entirely: it then gets all its defaults. */
function Section<P extends TProperties>(properties: P, description: string): TObject<P> {
  return Type.Object(properties, { additionalProperties: false, default: {}, description });
}

/** A string (or number) enumeration, as a plain JSON-schema `enum` (one clear error, not an anyOf per member). */
function OneOf<const V extends readonly (string | number)[]>(
  values: V,
  options: { default?: V[number]; description: string },
): TUnsafe<V[number]> {
  const type = values.every((v) => typeof v === 'number') ? 'integer' : 'string';
  return Type.Unsafe<V[number]>({ type, enum: [...values], ...options });
}

/** OCPP 1.6 CiString20Type, the length of an idTag. */
const IdTag = (description: string) => Type.String({ minLength: 1, maxLength: 20, description });

const OcppSection = Section(
  {
    host: Type.String({ default: '0.0.0.0', minLength: 1, description: 'Address the OCPP WebSocket server listens on.' }),
    port: Type.Integer({ default: 9000, minimum: 0, maximum: 65535, description: 'TCP port; 0 picks any free port (tests).' }),
    path: Type.String({
      default: '/ocpp',
      // '/' or '/a/b': chargers connect to <path>/<chargerId>, so no trailing slash, no query.
      pattern: '^/([^/?#\\s]+(/[^/?#\\s]+)*)?$',
      allowed: 'a URL path starting with / and not ending with / (e.g. /ocpp)',
      description: 'URL path; chargers connect to ws://<host>:<port><path>/<chargerId>.',
    }),
    maxFrameBytes: Type.Integer({ default: 65536, minimum: 1024, maximum: 16777216, description: 'Largest WebSocket frame accepted, in bytes; larger frames are refused.' }),
    pingInterval: Type.Integer({ default: 30, minimum: 0, maximum: 3600, description: 'Seconds between WebSocket pings that end dead TCP connections; 0 = off.' }),
    callTimeout: Type.Integer({ default: 30, minimum: 1, maximum: 600, description: 'Seconds to wait for a charger to answer a call chargegate sent.' }),
    heartbeatInterval: Type.Integer({ default: 300, minimum: 10, maximum: 86400, description: 'Seconds; the heartbeat interval given to chargers in BootNotification.conf.' }),
  },
  'The OCPP 1.6J server chargers connect to.',
);

const ChargerEntry = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 48,
      // OCPP identifierString: the charge point identity in the connection URL.
      pattern: '^[A-Za-z0-9*_=:+|@.-]+$',
      description: 'Charge point identity (the last segment of the URL it connects to); unique.',
    }),
    password: Type.String({ minLength: 8, maxLength: 128, description: 'Security profile 1 Basic-auth password (AuthorizationKey). Use ${ENV_VAR} or ${file:/path}.' }),
    maxCurrent: Type.Number({ default: 32, minimum: 6, maximum: 80, description: 'Most current the charger may draw, in A per phase.' }),
    phases: OneOf([1, 3], { default: 3, description: 'Phases the charger is wired to.' }),
    connectors: Type.Integer({ default: 1, minimum: 1, maximum: 8, description: 'Number of connectors.' }),
  },
  { additionalProperties: false },
);

const ChargersSection = Section(
  {
    allowUnknown: Type.Boolean({ default: false, description: 'true: any identity may connect, without a password. Keep false on a real site.' }),
    list: Type.Array(ChargerEntry, { default: [], description: 'The chargers allowed to connect.' }),
  },
  'Which chargers may connect, and how they are wired.',
);

const AuthorizationEntry = Type.Object(
  {
    idTag: IdTag('The RFID card / token id.'),
    status: OneOf(['Accepted', 'Blocked', 'Expired', 'Invalid'], { default: 'Accepted', description: 'idTagInfo.status given for this idTag.' }),
    expiryDate: Type.Optional(Type.String({ format: 'date-time', allowed: 'a date-time with a time zone, e.g. 2027-12-31T23:59:59Z', description: 'When the idTag stops being valid.' })),
    parentIdTag: Type.Optional(IdTag('Group idTag: sessions of the same parent may stop each other.')),
  },
  { additionalProperties: false },
);

const AuthorizationSection = Section(
  {
    mode: OneOf(['list', 'accept-all'], { default: 'list', description: 'list: only idTags in the list; accept-all: every idTag is Accepted (demo only).' }),
    list: Type.Array(AuthorizationEntry, { default: [], description: 'The local authorization list.' }),
  },
  'Which idTags may charge.',
);

const StorageSection = Section(
  {
    dir: Type.String({ default: './data', minLength: 1, description: 'Folder of the SQLite database; relative to the config file.' }),
  },
  'Where durable state lives.',
);

const LogSection = Section(
  {
    level: OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', description: 'Least severe level written.' }),
    format: OneOf(['json', 'pretty'], { default: 'json', description: 'json: one object per line; pretty: readable in a terminal.' }),
  },
  'Logging.',
);

export const ConfigSchema = Type.Object(
  {
    ocpp: OcppSection,
    chargers: ChargersSection,
    authorization: AuthorizationSection,
    storage: StorageSection,
    log: LogSection,
  },
  { additionalProperties: false, title: 'chargegate configuration' },
);

/** What a config file holds once defaults are applied. */
export type FileConfig = Static<typeof ConfigSchema>;

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The frozen configuration the gateway runs with. `demo` is true only for `demoConfig()`. */
export type Config = DeepReadonly<FileConfig & { demo: boolean }>;
export type OcppConfig = Config['ocpp'];
export type ChargerConfig = Config['chargers']['list'][number];
export type AuthorizationEntryConfig = Config['authorization']['list'][number];

/**
 * The JSON schema a file is validated against (and editors use): plain JSON, and a key with a
 * default is not required, since the loader fills it in.
 */
export function configJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ConfigSchema)) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(relaxRequired(plain) as Record<string, unknown>),
  };
}

function relaxRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relaxRequired);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = relaxRequired(value);
  const properties = out.properties as Record<string, TSchema> | undefined;
  if (properties && Array.isArray(out.required)) {
    const required = (out.required as string[]).filter((k) => properties[k]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}
