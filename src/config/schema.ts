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
import { MIRROR_COMMANDS } from '../upstream/mirror-policy.js';
import { DISCOVERY_FORMATS } from '../mqtt/discovery-format.js';
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
    port: Type.Integer({ default: 9000, minimum: 0, maximum: 65535, description: 'TCP port of the plain ws:// listener; 0 picks any free port (tests).' }),
    plain: Type.Boolean({ default: true, description: 'Run the plain ws:// listener on host:port (security profile 1). false once every charger connects with wss:// (ocpp.tls).' }),
    tls: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1, description: 'Address the wss:// listener listens on. Default: ocpp.host.' })),
          port: Type.Integer({ default: 9443, minimum: 0, maximum: 65535, description: 'TCP port of the wss:// listener; 0 picks any free port (tests).' }),
          certFile: Type.String({ minLength: 1, description: 'Path of the site certificate chargers see (PEM: the certificate, then its intermediates); relative to the config file. Reread when it changes.' }),
          keyFile: Type.String({ minLength: 1, description: 'Path of its private key (PEM, not encrypted); relative to the config file. Reread when it changes.' }),
          clientCaFile: Type.Optional(Type.String({ minLength: 1, description: 'Path of the CA certificate(s) (PEM) that sign the chargers\' client certificates: needed for securityProfile 3 chargers. Reread when it changes.' })),
          reloadInterval: Type.Number({ default: 10, minimum: 0.1, maximum: 3600, description: 'Seconds between checks of the three files for a change; a changed file is used once it stayed the same for one more interval.' }),
        },
        { additionalProperties: false, description: 'The wss:// listener (security profiles 2 and 3), beside or instead of the plain one.' },
      ),
    ),
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
    maxCallsInFlight: Type.Integer({ default: 4, minimum: 1, maximum: 100, description: 'CALLs of one charger handled at the same time; more wait their turn (never refused).' }),
    callRate: Type.Number({ default: 20, minimum: 1, maximum: 10000, description: 'CALLs per second one charger may start on average; more wait their turn, and a charger far ahead is no longer read until it catches up, so one charger cannot starve the others.' }),
    callBurst: Type.Integer({ default: 100, minimum: 1, maximum: 100000, description: 'CALLs one charger may start at once after a quiet spell (an offline backlog, a reconnect).' }),
    maxAuthFailures: Type.Integer({
      default: 10,
      minimum: 1,
      maximum: 10000,
      description:
        'Wrong charger passwords (Basic auth) one client address may present per minute; beyond that its connections are refused with 429 and Retry-After, the right password too, until the minute allows another try. Slows guessing; other addresses are not affected.',
    }),
    validation: OneOf(['lenient', 'strict'], {
      default: 'lenient',
      description:
        "How a charger's frames are checked against the OCPP 1.6 schemas (with the 1.6 errata applied): lenient repairs the deviations seen in the field (unknown properties dropped, over-long strings kept, unknown enum values mapped, numbers sent as strings read) and counts each; strict answers them with a CALLERROR. Per charger: chargers.list[].validation. OCPP 2.0.1 chargers are checked against the 2.0.1 schemas with the same policy (docs/chargers.md, 2.0.1 frames that fail the schemas).",
    }),
    requireSubprotocol: Type.Boolean({
      default: false,
      description: 'true: refuse a charger that offers no Sec-WebSocket-Protocol; false: take it as OCPP 1.6 (older 1.6 firmware, e.g. Grizzl-E) with a warning.',
    }),
    bootTimeout: Type.Number({
      default: 15,
      minimum: 0,
      maximum: 3600,
      description: 'Seconds a charger may stay connected without a BootNotification before chargegate asks for one (TriggerMessage), then at most every 10 minutes; 0 = never ask. Until it boots, chargegate sends it no calls.',
    }),
    orphanGrace: Type.Number({
      default: 300,
      minimum: 0,
      maximum: 86400,
      description: 'Seconds a session superseded by a later StartTransaction on its connector waits for its own StopTransaction before chargegate closes it by estimate (its last meter reading); a later real Stop still corrects it.',
    }),
  },
  'The OCPP-J server chargers connect to (OCPP 1.6 and 2.0.1 on the same endpoint).',
);

/** Charger L1, L2, L3 → site phases; R/S/T is the older naming of L1/L2/L3. L1/L2/L3 alone: a 1-phase charger's phase. */
const PHASE_ROTATIONS = ['L1L2L3', 'L2L3L1', 'L3L1L2', 'L1L3L2', 'L3L2L1', 'L2L1L3', 'RST', 'STR', 'TRS', 'RTS', 'TSR', 'SRT', 'L1', 'L2', 'L3'] as const;

const ChargerEntry = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 48,
      // OCPP identifierString: the charge point identity in the connection URL.
      pattern: '^[A-Za-z0-9*_=:+|@.-]+$',
      description: 'Charge point identity (the last segment of the URL it connects to); unique.',
    }),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 128, description: 'Basic-auth password (AuthorizationKey); required for securityProfile 1 and 2, unused by 3. Use ${ENV_VAR} or ${file:/path}.' })),
    securityProfile: OneOf([1, 2, 3], {
      default: 1,
      description: 'OCPP security profile, enforced: 1 = Basic auth over ws:// or wss://; 2 = Basic auth over wss:// only; 3 = wss:// with a client certificate signed by ocpp.tls.clientCaFile whose CN is the charger id, no password.',
    }),
    maxCurrent: Type.Number({ default: 32, minimum: 6, maximum: 80, description: 'Most current the charger may draw, in A per phase.' }),
    phases: OneOf([1, 3], { default: 3, description: 'Phases the charger is wired to.' }),
    connectors: Type.Integer({ default: 1, minimum: 1, maximum: 8, description: 'Number of connectors.' }),
    // Load balancing (used only when the config has a site: section).
    minCurrent: Type.Number({ default: 6, minimum: 1, maximum: 80, description: 'Least current a session is given when it charges, A per phase (IEC 61851: 6); below it, it pauses.' }),
    uncontrolledCurrent: Type.Optional(Type.Number({ minimum: 0, maximum: 80, description: 'What the charger draws when chargegate cannot control it (quirks.noSmartCharging, or it refuses or ignores its limits), A per phase. Default: maxCurrent.' })),
    priority: Type.Integer({ default: 0, minimum: -100, maximum: 100, description: 'Higher charges first when not everyone can; the lowest pauses first.' }),
    phaseRotation: OneOf(PHASE_ROTATIONS, {
      default: 'L1L2L3',
      description: "Which site phases the charger's L1, L2, L3 are wired to (RST = L1L2L3); a 1-phase charger uses the first (L2 alone means its L1 is on the site's L2).",
    }),
    phaseSwitching: OneOf(['none', 'numberPhases'], {
      default: 'none',
      description:
        "Whether a 3-phase charger can switch its car between 3 phases and 1 (solar modes: 1 phase while the surplus does not cover the 3-phase minimum, site.solar.phaseSwitchDelay). numberPhases: through the charging profile's numberPhases (OCPP 1.6 §7.13, 2.0.1 K01). none: never switched.",
    }),
    validation: Type.Optional(OneOf(['lenient', 'strict'], { description: "This charger's frame checking (see ocpp.validation); default: ocpp.validation." })),
    ocpp: Type.Optional(
      OneOf(['1.6', '2.0.1'], {
        description: 'The OCPP version chargegate speaks with this charger when it offers both (Sec-WebSocket-Protocol ocpp1.6 and ocpp2.0.1); one that offers only one version gets that one. Default: the newest both speak (2.0.1). docs/chargers.md "OCPP 2.0.1 chargers".',
      }),
    ),
    allowSetNetworkProfile: Type.Optional(
      Type.Boolean({ description: 'This charger (OCPP 2.0.1) may be sent SetNetworkProfile; default: chargers.allowSetNetworkProfile. docs/security.md "Network profiles".' }),
    ),
    pushLocalList: Type.Boolean({
      default: false,
      description: "Keep the charger's own local authorization list equal to chargegate's (sent in full at boot when its version differs, and after every change from the cloud), so it can authorize even when chargegate is gone.",
    }),
    circuit: Type.String({ default: 'supply', minLength: 1, description: 'The site circuit (site.circuits[].id) the charger hangs off; supply = directly on the main supply.' }),
    upstream: Type.Optional(
      Type.Object(
        {
          identity: Type.Optional(Type.String({ minLength: 1, maxLength: 48, pattern: '^[A-Za-z0-9*_=:+|@.-]+$', description: 'The identity the cloud knows this charger by. Default: its id.' })),
          password: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Its Basic-auth password at the cloud. Use ${ENV_VAR} or ${file:/path}.' })),
        },
        { additionalProperties: false, description: 'upstream.mode transparent: how this charger connects to the cloud.' },
      ),
    ),
    setup: Type.Optional(
      OneOf(['auto', 'off'], {
        description: 'auto: after each accepted BootNotification chargegate reads the charger\'s configuration and, where the balancer needs it, sets its meter values (docs/chargers.md); off: nothing is sent. Default: chargers.setup.mode (a vendor profile may say off).',
      }),
    ),
    // No defaults here: a quirk left out may still come from a vendor profile or be learnt from
    // the charger's configuration keys (src/setup/quirks.ts); an explicit value always wins.
    quirks: Section(
      {
        stackLevelZeroOnly: Type.Optional(Type.Boolean({ description: 'The charger accepts only stackLevel 0. Default: from its vendor profile, or learnt (ChargeProfileMaxStackLevel 0), else false.' })),
        wattsOnly: Type.Optional(Type.Boolean({ description: 'The charger accepts only chargingRateUnit W: limits are sent in W. Default: from its vendor profile, or learnt (ChargingScheduleAllowedChargingRateUnit without Current), else false.' })),
        noTxProfile: Type.Optional(Type.Boolean({ description: 'The charger does not support TxProfile: the TxDefaultProfile carries the live limit. Default: from its vendor profile, else false.' })),
        noZeroAmps: Type.Optional(Type.Boolean({ description: '0 A ends the transaction or is ignored: pause through ChangeAvailability instead. Default: from its vendor profile, else false.' })),
        noSmartCharging: Type.Optional(
          Type.Boolean({
            description:
              'The charger takes no charging profiles at all (e.g. Zaptec Go 2): none is sent, and it is counted at uncontrolledCurrent (idle too, unless site.balancing.reserveUncontrolled is false) and the others are reduced for it. Default: from its vendor profile, or learnt (SmartCharging not in SupportedFeatureProfiles), else false.',
          }),
        ),
      },
      'Vendor quirks the load balancer works around. Each one left out comes from the vendor profile, else from what automatic setup learnt, else false; true or false here overrides both.',
    ),
  },
  { additionalProperties: false },
);

const ChargersSection = Section(
  {
    allowUnknown: Type.Boolean({ default: false, description: 'true: any identity may connect, without a password. Keep false on a real site.' }),
    allowSetNetworkProfile: Type.Boolean({
      default: false,
      description:
        'false: a SetNetworkProfile to an OCPP 2.0.1 charger, from a local user or a cloud, is answered Rejected by chargegate and never sent (a wrong network profile strands the charger); true: sent, unless it lowers the charger\'s securityProfile. Per charger: chargers.list[].allowSetNetworkProfile.',
    }),
    list: Type.Array(ChargerEntry, { default: [], description: 'The chargers allowed to connect.' }),
    setup: Section(
      {
        mode: OneOf(['auto', 'off'], {
          default: 'auto',
          description: 'auto: after each accepted BootNotification chargegate reads each charger\'s configuration (GetConfiguration) and, where the balancer needs it, sets its meter values (ChangeConfiguration), one call at a time; off: nothing is sent. chargers.list[].setup overrides it per charger.',
        }),
        meterValueSampleInterval: Type.Integer({
          default: 60,
          minimum: 1,
          maximum: 3600,
          description: 'Seconds: MeterValueSampleInterval set on a charger that samples less often than this (or not at all); a charger sampling more often is left alone. A vendor profile may bound it.',
        }),
      },
      'Automatic charger setup after boot (docs/chargers.md).',
    ),
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
    mode: OneOf(['list', 'accept-all'], { default: 'list', description: 'list: only idTags in the list; accept-all: every idTag is Accepted (a wallbox without a card reader needs it; whoever can plug in may charge).' }),
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

/** An API bearer token: long enough that guessing is hopeless. */
const ApiToken = (description: string) => Type.Optional(Type.String({ minLength: 16, maxLength: 256, pattern: '^[\\x21-\\x7e]+$', allowed: '16..256 printable characters without spaces', description }));

const HttpSection = Section(
  {
    host: Type.Optional(Type.String({ minLength: 1, description: 'Address the HTTP API and dashboard listen on. Default: 0.0.0.0 when a token is set, else 127.0.0.1 (without a token only this machine may connect).' })),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'TCP port of the HTTP API and dashboard; 0 picks any free port (tests).' }),
    token: ApiToken('Bearer token that may read everything and send commands. Use ${ENV_VAR} or ${file:/path}.'),
    readToken: ApiToken('Bearer token that may only read (dashboard, API, /metrics), never command.'),
    headersTimeout: Type.Optional(
      Type.Number({ minimum: 0.1, maximum: 600, description: 'Seconds a client has to send a request\'s headers; then the connection is closed. At most requestTimeout. Default: 10, or requestTimeout when shorter.' }),
    ),
    requestTimeout: Type.Number({
      default: 30,
      minimum: 0.1,
      maximum: 3600,
      description: 'Seconds a client has to send a whole request, body included: a body that trickles is cut off (408) and the connection closed. The answer is not limited (the live feed stays open).',
    }),
    keepAliveTimeout: Type.Number({ default: 5, minimum: 0.1, maximum: 600, description: 'Seconds an idle keep-alive connection stays open waiting for the next request.' }),
    maxConnections: Type.Integer({ default: 256, minimum: 1, maximum: 100000, description: 'Open HTTP connections at most, live feeds included; more are closed at once.' }),
    maxConnectionsPerAddress: Type.Integer({
      default: 32,
      minimum: 1,
      maximum: 100000,
      description: 'Open HTTP connections from one client address at most, so one client cannot take every slot; more are closed at once. Capped at maxConnections.',
    }),
    maxAuthFailures: Type.Integer({
      default: 10,
      minimum: 1,
      maximum: 10000,
      description:
        'Wrong tokens (bearer header or POST /api/login) one client address may present per minute; beyond that every token it presents, the right one too, is answered 429 with Retry-After until the minute allows another try. Slows guessing; other addresses are not affected.',
    }),
    allowedHosts: Type.Array(
      Type.String({ minLength: 1, maxLength: 253, pattern: '^(\\*|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$', allowed: 'a host name without scheme or port (e.g. chargegate.example.com), or * for any' }),
      {
        default: [],
        maxItems: 64,
        description:
          'More names the API may be reached by (the Host header), besides IP addresses, localhost, http.host and this machine\'s host name (and <name>.local). Any other name is refused with 403 (DNS rebinding). * allows any name.',
      },
    ),
    allowedOrigins: Type.Array(
      Type.String({ maxLength: 300, pattern: '^https?://[^/?#\\s]+$', allowed: 'an origin: http:// or https://, a host and an optional port, no path (e.g. https://ev.example.com)' }),
      {
        default: [],
        maxItems: 64,
        description:
          'Web origins besides the API\'s own that may send commands (POST), e.g. a reverse proxy\'s public URL when it rewrites the Host header. A browser request from any other origin is refused with 403.',
      },
    ),
  },
  'The HTTP API, the web dashboard and /metrics.',
);

const MqttUser = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, description: 'MQTT user name.' }),
    password: Type.String({ minLength: 8, maxLength: 128, description: 'Its password, 8..128 characters. Use ${ENV_VAR} or ${file:/path}.' }),
    access: OneOf(['command', 'read'], { default: 'command', description: 'command: may read everything and send commands; read: may only subscribe.' }),
  },
  { additionalProperties: false },
);

/** A topic prefix: one or more levels, no wildcards, no empty level. */
const TOPIC_PREFIX = '^[^#+/\\s]+(/[^#+/\\s]+)*$';

const MqttSection = Section(
  {
    broker: Type.Optional(
      OneOf(['embedded', 'external', 'off'], { description: 'embedded: chargegate runs its own broker; external: it connects to mqtt.url; off: no MQTT. Default: external when url is set, else embedded.' }),
    ),
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address the embedded broker listens on. Beyond loopback it needs mqtt.users.' }),
    port: Type.Integer({ default: 1883, minimum: 0, maximum: 65535, description: 'TCP port of the embedded broker (MQTT 3.1.1); 0 picks any free port.' }),
    tls: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({ default: 8883, minimum: 0, maximum: 65535, description: 'Port of the embedded broker\'s MQTT-over-TLS listener.' }),
          cert: Type.String({ minLength: 1, description: 'PEM certificate (chain): use ${file:/path/to/cert.pem}.' }),
          key: Type.String({ minLength: 1, description: 'PEM private key: use ${file:/path/to/key.pem}.' }),
        },
        { additionalProperties: false, description: 'An extra TLS listener on the embedded broker.' },
      ),
    ),
    websocket: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({ default: 8083, minimum: 0, maximum: 65535, description: 'Port of the embedded broker\'s MQTT-over-WebSocket listener (path /mqtt).' }),
        },
        { additionalProperties: false, description: 'An extra WebSocket listener on the embedded broker, for browser clients.' },
      ),
    ),
    users: Type.Array(MqttUser, { default: [], description: 'Who may connect to the embedded broker with a password; only users with access: command may send commands.' }),
    anonymous: Type.Optional(
      OneOf(['read', 'none'], { description: 'Clients without a user name on the embedded broker: read (subscribe only) or none. Default: read when the broker listens on loopback only, else none.' }),
    ),
    maxPacketSize: Type.Integer({ default: 262144, minimum: 1024, maximum: 16777216, description: 'Embedded broker: the largest MQTT packet a client may send, in bytes (fixed header included); a larger one closes the connection before it is read. Its CONNECT, read before it authenticates, may be at most 16 KiB. Default 262144 (256 KiB).' }),
    maxAuthFailures: Type.Integer({
      default: 10,
      minimum: 1,
      maximum: 10000,
      description:
        'Embedded broker: wrong passwords one client address may present per minute; beyond that its CONNECTs are refused (not authorized), the right password too, until the minute allows another try. Slows guessing; other addresses are not affected.',
    }),
    url: Type.Optional(
      Type.String({ pattern: '^(mqtt|mqtts|ws|wss)://[^\\s]+$', allowed: 'a URL such as mqtt://broker.local:1883 or mqtts://broker.local:8883', description: 'The external broker (broker: external).' }),
    ),
    username: Type.Optional(Type.String({ minLength: 1, description: 'User name on the external broker.' })),
    password: Type.Optional(Type.String({ minLength: 1, description: 'Password on the external broker. Use ${ENV_VAR} or ${file:/path}.' })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 23, description: 'Client id on the external broker. Default chargegate-<8 hex>.' })),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA certificate the external broker\'s TLS certificate must chain to: use ${file:/path}.' })),
    prefix: Type.String({ default: 'chargegate', pattern: TOPIC_PREFIX, allowed: 'topic levels without + or # or spaces, e.g. chargegate or site1/chargegate', description: 'First topic level(s) of every chargegate topic.' }),
    throttle: Type.Number({ default: 1, minimum: 0, maximum: 3600, description: 'Seconds: a state topic is published at most once per this interval (on change); 0 = every change.' }),
    showIdTag: Type.Boolean({ default: false, description: 'true: session topics include the idTag. Default false (idTags identify people).' }),
    startIdTag: Type.Optional(IdTag('idTag used by a start command that names none (the Home Assistant start button).')),
    homeAssistant: Section(
      {
        discovery: Type.Boolean({ default: true, description: 'Publish Home Assistant MQTT discovery configs (retained).' }),
        prefix: Type.String({ default: 'homeassistant', pattern: TOPIC_PREFIX, allowed: 'topic levels without + or # or spaces', description: 'Home Assistant\'s discovery prefix.' }),
        format: Type.Optional(
          OneOf(DISCOVERY_FORMATS, {
            description:
              "entity: one retained config per entity (<prefix>/<component>/<node>/<object>/config), which every Home Assistant version reads. device: one per charger (<prefix>/device/<node>/config), Home Assistant 2024.11 or later; a site of many chargers keeps a fraction of the retained messages and memory (docs/mqtt.md, Home Assistant). Not set: an install keeps the format it published before, a new install publishes per device. A change of format moves the entities once, keeping their ids and history.",
          }),
        ),
        user: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Embedded broker: the mqtt.users entry Home Assistant logs in as, when its access is read. Its birth message (<prefix>/status = online) is accepted besides those of command users; anyone else\'s is dropped.' })),
      },
      'Home Assistant MQTT discovery.',
    ),
  },
  'Telemetry and commands over MQTT (embedded broker by default).',
);

/** A circuit or site id: letters, digits, - _ . */
const CircuitId = (description: string) => Type.String({ minLength: 1, maxLength: 48, pattern: '^[A-Za-z0-9_.-]+$', description });
const ClockTime = (description: string) =>
  Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', allowed: 'a time of day HH:MM, e.g. 17:00', description });
/** When a time-of-use entry (a schedule window, a tariff period) holds: local times and weekdays. */
const LocalTimes = (what: string) => ({
  from: ClockTime('Start, local time.'),
  to: ClockTime(`End, local time (before from: the ${what} runs past midnight).`),
  days: Type.Optional(Type.Array(OneOf(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { description: 'A weekday.' }), { minItems: 1, description: 'Weekdays it applies on (of the from time). Default: every day.' })),
});

const SiteMeter = Type.Object(
  {
    type: OneOf(['modbus-tcp', 'mqtt'], { description: 'modbus-tcp: polled over Modbus TCP with a register map; mqtt: per-phase values read from an MQTT topic.' }),
    model: Type.String({ default: 'generic', pattern: '^[a-z0-9-]+$', allowed: 'a register map name from adapters/meters, e.g. sdm630', description: 'Register map (adapters/meters/<model>.yaml) for modbus-tcp.' }),
    host: Type.Optional(Type.String({ minLength: 1, description: 'Modbus TCP address of the meter (or its gateway).' })),
    port: Type.Integer({ default: 502, minimum: 1, maximum: 65535, description: 'Modbus TCP port.' }),
    unitId: Type.Integer({ default: 1, minimum: 0, maximum: 255, description: 'Modbus unit (slave) id.' }),
    interval: Type.Number({ default: 2, minimum: 0.2, maximum: 60, description: 'Seconds between Modbus reads.' }),
    url: Type.Optional(Type.String({ pattern: '^(mqtt|mqtts|ws|wss)://[^\\s]+$', allowed: 'a URL such as mqtt://homeassistant.local:1883', description: 'MQTT broker of an mqtt meter.' })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'MQTT user name.' })),
    password: Type.Optional(Type.String({ minLength: 1, description: 'MQTT password. Use ${ENV_VAR} or ${file:/path}.' })),
    topic: Type.Optional(Type.String({ minLength: 1, description: 'mqtt: one topic whose JSON payload holds the three phase values (see fields).' })),
    fields: Type.Array(Type.String({ minLength: 1 }), { default: ['L1', 'L2', 'L3'], minItems: 1, maxItems: 3, description: 'mqtt: the JSON keys (dotted paths allowed) of the L1, L2, L3 values in the payload of topic.' }),
    topics: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 3, description: 'mqtt: instead of topic, one topic per phase (L1, L2, L3), each a plain number.' })),
    quantity: OneOf(['current', 'power'], { default: 'current', description: 'mqtt: the values are currents (A) or powers (W, divided by the supply voltage).' }),
  },
  { additionalProperties: false, description: 'The grid meter: available current per phase = limit − (meter − the chargers\' own measured current).' },
);

/** A PV inverter or home battery (site.solar.pv, battery): a topic on site.meter's broker, or polled over Modbus TCP. */
const SolarMeter = (defaultModel: string, value: string, description: string) =>
  Type.Object(
    {
      type: OneOf(['mqtt', 'modbus-tcp'], { default: 'mqtt', description: `mqtt: ${value} as a plain number on a topic of site.meter's broker; modbus-tcp: polled with a power register map (adapters/meters).` }),
      topic: Type.Optional(Type.String({ minLength: 1, description: `mqtt: the topic with ${value} (a plain number).` })),
      model: Type.String({ default: defaultModel, pattern: '^[a-z0-9-]+$', allowed: 'a power register map name from adapters/meters, e.g. sunspec-inverter or generic-battery', description: 'modbus-tcp: register map (adapters/meters/<model>.yaml) with a power register.' }),
      host: Type.Optional(Type.String({ minLength: 1, description: 'modbus-tcp: address of the device (or its Modbus gateway).' })),
      port: Type.Integer({ default: 502, minimum: 1, maximum: 65535, description: 'modbus-tcp: port.' }),
      unitId: Type.Integer({ default: 1, minimum: 0, maximum: 255, description: 'modbus-tcp: unit (slave) id.' }),
      interval: Type.Number({ default: 2, minimum: 0.2, maximum: 60, description: 'modbus-tcp: seconds between reads. A reading older than site.failsafe.meterTimeout counts as none.' }),
    },
    { additionalProperties: false, description },
  );

const SiteSection = Type.Object(
  {
    supply: Type.Object(
      {
        maxCurrent: Type.Number({ minimum: 1, maximum: 4000, description: 'The main fuse, A per phase (required).' }),
        phases: OneOf([1, 3], { default: 3, description: 'Phases of the supply.' }),
        voltage: Type.Number({ default: 230, minimum: 100, maximum: 480, description: 'Phase-to-neutral voltage, V (for W limits and power meters).' }),
        margin: Type.Number({ default: 0, minimum: 0, maximum: 100, description: 'A per phase kept free on top of everything (meter error, reaction time).' }),
      },
      { additionalProperties: false, description: 'The site\'s connection to the grid.' },
    ),
    circuits: Type.Array(
      Type.Object(
        {
          id: CircuitId('Circuit id, referenced by chargers.list[].circuit and other circuits\' parent.'),
          maxCurrent: Type.Number({ minimum: 1, maximum: 4000, description: 'Its breaker, A per phase.' }),
          parent: Type.String({ default: 'supply', minLength: 1, description: 'The circuit it hangs off; supply = the main supply.' }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'Sub-distributions with their own per-phase limits, nested through parent.' },
    ),
    meter: Type.Optional(SiteMeter),
    failsafe: Section(
      {
        meterTimeout: Type.Number({ default: 10, minimum: 1, maximum: 600, description: 'Seconds without a meter reading before it counts as stale.' }),
        current: Type.Optional(Type.Number({ minimum: 0, maximum: 4000, description: 'While the meter is stale, the chargers together get at most this, A per phase. Default: the limit minus the peak other load of the last peakWindow.' })),
        peakWindow: Type.Number({ default: 900, minimum: 10, maximum: 86400, description: 'Seconds of other-load history whose peak is assumed while the meter is stale.' }),
        overdrawTolerance: Type.Number({ default: 2, minimum: 0, maximum: 32, description: 'A above its limit a charger may draw before it counts as ignoring it.' }),
        overdrawSamples: Type.Integer({ default: 3, minimum: 1, maximum: 100, description: 'Meter samples in a row above limit + tolerance that flag a charger (then assumed at its maximum).' }),
      },
      'What is assumed when a meter or a charger cannot be trusted.',
    ),
    balancing: Section(
      {
        settleTime: Type.Number({ default: 30, minimum: 0, maximum: 3600, description: 'Seconds after a raise before a car drawing less than offered releases the rest to others; also how long a car must report SuspendedEV before it is held at its minimum.' }),
        releaseHeadroom: Type.Number({ default: 2, minimum: 0.5, maximum: 16, description: 'A kept above what a released car draws, so it can show it wants more.' }),
        turn: Type.Number({ default: 900, minimum: 10, maximum: 86400, description: 'Seconds a running session keeps its turn before a waiting one may take it (rotation when not all fit).' }),
        maxWait: Type.Number({ default: 1800, minimum: 10, maximum: 86400, description: 'Seconds: nobody stays paused longer, whatever its priority (no starvation).' }),
        step: Type.Number({ default: 1, minimum: 0.1, maximum: 8, description: 'A: limits are whole multiples of this (or a charger\'s min or max). 1 suits chargers and cars that follow whole amperes; 0.1 (the OCPP resolution) for those that take tenths. With steps, a start or stop changes only the limits that must move.' }),
        hysteresis: Type.Number({ default: 1, minimum: 0, maximum: 32, description: 'A: an increase smaller than this is not sent (a decrease always is, at once).' }),
        rampStep: Type.Number({ default: 4, minimum: 0.1, maximum: 80, description: 'A: an increase is sent in steps of at most this much.' }),
        responseTime: Type.Number({ default: 5, minimum: 0, maximum: 60, description: 'Seconds a car may take to follow a new limit (IEC 61851-1 gives it 5 s): until its charger reports after that, the other load on its phases may rise but not fall.' }),
        rampInterval: Type.Number({ default: 5, minimum: 0, maximum: 600, description: 'Seconds between two increase steps of one connector.' }),
        recheckInterval: Type.Number({ default: 5, minimum: 0.1, maximum: 600, description: 'Seconds between allocations when nothing happened (schedules, expiries, ramps).' }),
        phaseThreshold: Type.Number({ default: 1, minimum: 0.1, maximum: 10, description: 'A on a phase above which a car counts as using it (tells 1- and 3-phase cars apart).' }),
        readingDeadband: Type.Number({ default: 1, minimum: 0, maximum: 16, description: 'A: a charger\'s reading that moved no phase by this much from the one that last asked for a new plan, stays within its limit and on the same phases, is kept for the next plan but asks for none (a car at its limit reports about the same current every MeterValues). 0: every reading asks for a new plan.' }),
        stackLevel: Type.Integer({ default: 1, minimum: 0, maximum: 100, description: 'stackLevel of the profiles chargegate sends (0 for chargers with quirks.stackLevelZeroOnly).' }),
        standingInterval: Type.Number({ default: 60, minimum: 0, maximum: 86400, description: 'Seconds: an idle connector\'s standing limit (its TxDefaultProfile, written to the charger\'s flash) is raised at most this often; lowered at once when safety needs it.' }),
        reserveUncontrolled: Type.Boolean({ default: true, description: 'true: a charger chargegate cannot control (refuses or ignores its limits, silent, not booted, quirks.noSmartCharging) is counted at its uncontrolledCurrent also while idle, as a car may arrive and draw it before chargegate hears of it; the limits taken then never add up above the supply. false: counted only while it charges; a start is answered by lowering the others, and the site may be above the supply for that reaction (a few seconds, which a fuse carries; a home with one charger that takes no limits may prefer it).' }),
        retryInterval: Type.Number({ default: 15, minimum: 0.1, maximum: 3600, description: 'Seconds before a charger that refused or did not answer a limit is tried again; doubled after each refusal, up to retryMaxInterval.' }),
        retryMaxInterval: Type.Number({ default: 600, minimum: 0.1, maximum: 86400, description: 'Seconds: the longest wait between two tries of a charger that keeps refusing its limits.' }),
      },
      'How the supply is shared.',
    ),
    solar: Section(
      {
        defaultMode: OneOf(['off', 'now', 'minsolar', 'solar'], { default: 'now', description: 'The charge mode of a connector nobody chose one for: off (paused), now (as fast as the fuse allows), minsolar (its minimum, plus the solar surplus), solar (the surplus only). Set per connector over MQTT, HTTP or Home Assistant.' }),
        startDelay: Type.Number({ default: 60, minimum: 0, maximum: 3600, description: 'Seconds the surplus must cover a car\'s minimum before a car in solar mode starts.' }),
        stopDelay: Type.Number({ default: 300, minimum: 0, maximum: 7200, description: 'Seconds the surplus must stay below a charging car\'s minimum before a car in solar mode stops (held at its minimum meanwhile): a passing cloud does not stop it.' }),
        metering: OneOf(['sum', 'phase'], { default: 'sum', description: 'sum: the export of the three phases is netted (most home meters bill the sum), so a 1-phase car may use all of it; phase: a car gets only what its own phases export.' }),
        batteryFirst: Type.Boolean({ default: false, description: 'The home battery charges before the cars: its charging power is not surplus.' }),
        phaseSwitchDelay: Type.Number({ default: 300, minimum: 0, maximum: 7200, description: 'Seconds the surplus must ask for the other phase count (1 or 3) before a charger with phaseSwitching switches: at most one switch per this many seconds, so a surplus swinging around the 3-phase minimum does not flap.' }),
        pv: Type.Optional(SolarMeter('sunspec-inverter', 'the PV inverter\'s output, W', 'The PV inverter: the surplus is never more than it gives.')),
        battery: Type.Optional(SolarMeter('generic-battery', 'the home battery\'s power, W (charging positive, discharging negative)', 'The home battery: what it takes is surplus (unless batteryFirst), what it gives is not.')),
      },
      'Charge modes and solar surplus charging (docs/load-balancing.md): the surplus is the export the grid meter (site.meter, signed: import positive) sees plus what the solar-mode cars draw.',
    ),
    timeZone: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone of schedule times, e.g. Europe/Berlin. Default: the system\'s.' })),
    schedule: Type.Array(
      Type.Object(
        {
          ...LocalTimes('window'),
          maxCurrent: Type.Number({ minimum: 0, maximum: 4000, description: 'Site limit in this window, A per phase.' }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'Time-of-use site limits, e.g. a lower limit from 17:00 to 20:00.' },
    ),
    prices: Type.Optional(
      Type.Object(
        {
          threshold: Type.Number({ description: 'While the price is above this, the site limit is maxCurrent. With a tariff: section, the tariff\'s price per kWh (docs/cost.md).' }),
          maxCurrent: Type.Number({ minimum: 0, maximum: 4000, description: 'Site limit while the price is above the threshold, A per phase.' }),
          table: Type.Array(
            Type.Object(
              {
                from: Type.String({ format: 'date-time', allowed: 'a date-time with a time zone', description: 'From when this price holds (until the next entry).' }),
                price: Type.Number({ description: 'The price, in any unit (the same as threshold).' }),
              },
              { additionalProperties: false },
            ),
            { default: [], description: 'Known prices, without a tariff: section (with one, the tariff\'s prices are used).' },
          ),
        },
        { additionalProperties: false, description: 'Dynamic pricing: reduce charging while the price is high.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'The site\'s supply and how chargegate shares it (local load balancing). Without it, no balancing runs.' },
);

const TariffSection = Type.Object(
  {
    currency: Type.String({ pattern: '^[A-Z]{3}$', allowed: 'an ISO 4217 currency code such as EUR, CHF, GBP', description: 'Currency of every price and cost (ISO 4217), e.g. EUR; the unit of the cost sensors.' }),
    price: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Price per kWh when no period and no feed price applies (a fixed tariff: this alone).' })),
    timeZone: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone of the periods, e.g. Europe/Berlin. Default: site.timeZone, else the system\'s.' })),
    periods: Type.Array(
      Type.Object(
        {
          ...LocalTimes('period'),
          price: Type.Number({ minimum: 0, maximum: 1000, description: 'Price per kWh in this period.' }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'Time-of-use prices, e.g. 0.20 from 22:00 to 06:00; the first period that covers an instant holds; outside them, price.' },
    ),
    feed: Type.Optional(
      Type.Object(
        {
          validity: Type.Number({ default: 3600, minimum: 60, maximum: 7 * 86400, description: 'Seconds the last published price (one without "to") holds; then the periods and price apply again.' }),
          url: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', allowed: 'an http:// or https:// URL', description: 'Fetch the prices from this URL (GET, the same JSON as a publication) every interval seconds, besides MQTT and HTTP publications.' })),
          interval: Type.Number({ default: 900, minimum: 60, maximum: 86400, description: 'Seconds between two fetches of url.' }),
          header: Type.Optional(
            Type.Object(
              {
                name: Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$', allowed: 'an HTTP header name such as Authorization', description: 'Header sent with each fetch, e.g. Authorization.' }),
                value: Type.String({ minLength: 1, description: 'Its value, e.g. "Bearer ${PRICE_API_KEY}" (a secret: put it in the environment or a ${file:…}; never logged).' }),
              },
              { additionalProperties: false, description: 'A header for the price server, e.g. an API key.' },
            ),
          ),
        },
        { additionalProperties: false, description: 'Dynamic prices: a JSON list of { from, to?, price } published to <mqtt.prefix>/tariff/prices/set or PUT to /api/tariff/prices; a valid one beats the periods and price (docs/cost.md).' },
      ),
    ),
  },
  { additionalProperties: false, description: 'What a kWh costs: the cost of each session and month (docs/cost.md). Without it, no costs.' },
);

/**
 * One connection to a cloud CSMS: the primary (`upstream:` itself) and each mirror
 * (`upstream.mirrors[]`) are described by these same keys.
 */
const UpstreamConnection = {
  ocpp: OneOf(['1.6', '2.0.1'], {
    default: '1.6',
    description:
      'The OCPP version spoken to this cloud: 1.6 (OCPP-J 1.6) or 2.0.1 (e.g. CitrineOS). transparent: each charger appears as a 2.0.1 charging station; aggregate: the site is one 2.0.1 charging station whose EVSEs are its connectors; messages translated (docs/cloud.md "A 2.0.1 cloud").',
  }),
  mode: Type.Optional(OneOf(['aggregate', 'transparent', 'none'], { description: 'aggregate: the cloud sees chargegate as one charge point with all connectors; transparent: one connection per charger; none: no cloud. Default: aggregate when url is set, else none.' })),
  url: Type.Optional(Type.String({ pattern: '^wss?://[^\\s]+$', allowed: 'a ws:// or wss:// URL such as wss://csms.example.com/ocpp', description: 'The cloud CSMS base URL; the identity is appended.' })),
  identity: Type.Optional(Type.String({ minLength: 1, maxLength: 48, pattern: '^[A-Za-z0-9*_=:+|@.-]+$', description: 'aggregate: the charge point identity the cloud sees (required in aggregate mode).' })),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'aggregate: Basic-auth password at the cloud. Use ${ENV_VAR} or ${file:/path}.' })),
  ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA certificate(s) the cloud\'s TLS certificate must chain to (default: the system CAs). Use ${file:/path}.' })),
  cert: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate (chain) chargegate presents to a cloud that requires mutual TLS (wss:// only; with key). Use ${file:/path}.' })),
  key: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of upstream.cert (not encrypted). Use ${file:/path}.' })),
  callTimeout: Type.Number({ default: 30, minimum: 0.1, maximum: 600, description: 'Seconds to wait for the cloud to answer a message; then it counts as failed.' }),
  maxCallsInFlight: Type.Integer({ default: 1000, minimum: 1, maximum: 10000, description: 'CALLs of this cloud handled at the same time; more wait their turn. A command forwarded to a charger holds one until the charger answers or its call times out (a silent charger at most 101: its queue), so a low value lets one silent charger hold up all the cloud\'s calls.' }),
  callRate: Type.Number({ default: 50, minimum: 1, maximum: 10000, description: 'CALLs per second this cloud may start on average; more wait their turn, and a cloud far ahead is no longer read until it catches up, so a cloud in a loop cannot starve the chargers and the balancer.' }),
  callBurst: Type.Integer({ default: 500, minimum: 1, maximum: 100000, description: 'CALLs this cloud may start at once after a quiet spell (a command to every connector of the site).' }),
  transactionMessageAttempts: Type.Integer({ default: 5, minimum: 1, maximum: 100, description: 'Times a message is sent before it goes to the dead letters (1.6 TransactionMessageAttempts).' }),
  transactionMessageRetryInterval: Type.Number({ default: 60, minimum: 0, maximum: 86400, description: 'Seconds; the n-th retry waits n times this (1.6 TransactionMessageRetryInterval).' }),
  reconnect: Section(
    {
      initialDelay: Type.Number({ default: 1, minimum: 0.05, maximum: 3600, description: 'Seconds before the first reconnect; doubles on each failure (with jitter).' }),
      maxDelay: Type.Number({ default: 300, minimum: 0.05, maximum: 86400, description: 'Longest wait between reconnects, seconds.' }),
    },
    'Reconnecting to the cloud.',
  ),
  outbox: Section(
    {
      maxMessages: Type.Integer({ default: 500000, minimum: 100, maximum: 100000000, description: 'Messages kept for the cloud at most (about three weeks of 20 chargers sampling every minute); when full, status then every second MeterValues are given up, never a Start or Stop.' }),
    },
    'The durable queue of messages for the cloud.',
  ),
};

/** A read-only upstream: the site's messages from its own outbox, commands only from its allow-list. */
const UpstreamMirror = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 32,
      pattern: '^[A-Za-z0-9_-]+$',
      allowed: 'letters, digits, _ and - (it is part of MQTT topics and API paths)',
      description: 'The mirror\'s name, unique among the upstreams (the primary is upstream.name): its MQTT topic, API entry and metrics label.',
    }),
    ...UpstreamConnection,
    commands: Type.Array(OneOf(MIRROR_COMMANDS, { description: 'An OCPP 1.6 action this mirror may send.' }), {
      default: [],
      uniqueItems: true,
      description:
        'The commands this mirror may send, handled as from the primary (default: none). Any other is refused: with status Rejected where its answer has one, else CALLERROR SecurityError. SetChargingProfile, ClearChargingProfile and SendLocalList are the primary\'s alone.',
    }),
  },
  { additionalProperties: false, description: 'A read-only copy of the site for another back end (an energy supplier, a certificate registry).' },
);

const UpstreamSection = Section(
  {
    name: Type.String({ default: 'primary', minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$', allowed: 'letters, digits, _ and -', description: 'The primary upstream\'s name in the API, MQTT topics and metrics.' }),
    ...UpstreamConnection,
    answerTimeout: Type.Number({ default: 2, minimum: 0, maximum: 30, description: 'Seconds an Authorize or StartTransaction waits for the cloud\'s idTagInfo before chargegate decides itself.' }),
    offline: Section(
      {
        unknownIdTag: OneOf(['reject', 'accept'], { default: 'reject', description: 'While the cloud is away, an idTag in neither the local list nor the cache is rejected or accepted (1.6 AllowOfflineTxForUnknownId).' }),
      },
      'Authorization while the cloud does not answer.',
    ),
    stopTransactionOnInvalidId: Type.Boolean({ default: true, description: 'A late non-Accepted idTagInfo from the cloud stops the running session (RemoteStopTransaction).' }),
    connectors: Type.Array(
      Type.Object(
        {
          charger: Type.String({ minLength: 1, description: 'A charger id.' }),
          connector: Type.Integer({ minimum: 1, maximum: 8, description: 'Its connector.' }),
          virtual: Type.Integer({ minimum: 1, maximum: 1000, description: 'The connector number the cloud sees.' }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'aggregate: pinned virtual connector numbers (mirrors number connectors the same); the rest are numbered in order and remembered.' },
    ),
    mirrors: Type.Array(UpstreamMirror, {
      default: [],
      description: 'Further clouds that receive every message of the site, each from its own durable outbox, with its own mode, credentials and transaction ids; they decide nothing (the primary authorizes) and may command only what their `commands` allow.',
    }),
    dataTransfer: Type.Array(
      Type.Object(
        {
          vendorId: Type.String({ minLength: 1, maxLength: 255, description: 'The DataTransfer vendorId (1.6 §5.6).' }),
          messageId: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'Only this messageId; default: every message of the vendor.' })),
          to: Type.String({
            pattern: '^(charger:.+|mqtt|reject)$',
            allowed: 'charger:<a charger id>, mqtt or reject',
            description: 'charger:<id>: sent to that charger, its answer relayed; mqtt: published on <prefix>/gateway/event/data-transfer and answered Accepted; reject: answered Rejected.',
          }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'aggregate: where the cloud\'s DataTransfer goes, first match wins; a vendorId not listed is answered UnknownVendorId. vendorId chargegate is built in (docs/cloud.md).' },
    ),
  },
  'The cloud CSMS chargegate proxies the site to (OCPP 1.6J or 2.0.1: upstream.ocpp).',
);

const SecuritySection = Section(
  {
    localCa: Type.Optional(
      Type.Object(
        {
          cert: Type.String({ minLength: 1, description: 'PEM CA certificate that signs the chargers\' certificates: use ${file:/path/to/ca.pem}.' }),
          key: Type.String({ minLength: 1, description: 'PEM private key of that CA certificate: use ${file:/path/to/ca-key.pem}.' }),
          validityDays: Type.Integer({ default: 365, minimum: 1, maximum: 3650, description: 'Days an issued charger certificate is valid (never past the CA certificate).' }),
          organization: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The O of every issued certificate (the operator); default: the CSR\'s own.' })),
        },
        {
          additionalProperties: false,
          description:
            'A local CA that answers a charger\'s SignCertificate (OCPP 1.6 security extension) when the cloud does not: it signs CSRs whose CN is the charger id and sends the chain with CertificateSigned.',
        },
      ),
    ),
  },
  'The OCPP 1.6 security extension.',
);

/** Bytes, with the unit in the words (256 MiB = 268435456). */
const ByteLimit = (def: number, description: string) => Type.Integer({ default: def, minimum: 1024, maximum: 8 * 1024 ** 3, allowed: 'a number of bytes from 1024 to 8 GiB', description });

const FirmwareSection = Section(
  {
    maxBytes: ByteLimit(256 * 1024 ** 2, 'Largest firmware file chargegate stores (uploaded through the API or fetched from a URL), in bytes. Default 256 MiB.'),
    publicUrl: Type.Optional(
      Type.String({
        maxLength: 300,
        pattern: '^https?://[^/?#\\s]+(/[^?#\\s]*)?$',
        allowed: 'an http:// or https:// base URL without query, e.g. http://192.168.1.10:8080',
        description: 'Base URL the chargers reach chargegate\'s HTTP port by (firmware downloads, diagnostics uploads). Default: the address each charger\'s own OCPP connection reached, with http.port.',
      }),
    ),
    proxy: Type.Boolean({ default: true, description: 'true: an UpdateFirmware naming an http(s) URL (from a local user or the cloud) is fetched into the store first and the charger gets chargegate\'s URL (chargers on a site LAN often cannot reach the internet); false: the URL is passed on unchanged.' }),
    fetchTimeout: Type.Number({ default: 300, minimum: 1, maximum: 3600, description: 'Seconds a firmware download from a URL may take in all.' }),
  },
  'Firmware files served to the chargers (docs/firmware.md).',
);

const DiagnosticsSection = Section(
  {
    maxBytes: ByteLimit(64 * 1024 ** 2, 'Largest diagnostics file a charger may upload to chargegate, in bytes. Default 64 MiB.'),
    uploadWindow: Type.Integer({ default: 86400, minimum: 60, maximum: 30 * 86400, description: 'Seconds an upload URL handed to a charger with GetDiagnostics stays valid.' }),
    keep: Type.Integer({ default: 20, minimum: 1, maximum: 10000, description: 'Received diagnostics files kept per charger (older ones are deleted).' }),
  },
  'Diagnostics uploads received from the chargers (docs/firmware.md).',
);

export const ConfigSchema = Type.Object(
  {
    ocpp: OcppSection,
    chargers: ChargersSection,
    authorization: AuthorizationSection,
    storage: StorageSection,
    log: LogSection,
    site: Type.Optional(SiteSection),
    tariff: Type.Optional(TariffSection),
    mqtt: MqttSection,
    upstream: UpstreamSection,
    http: HttpSection,
    security: SecuritySection,
    firmware: FirmwareSection,
    diagnostics: DiagnosticsSection,
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
export type SiteConfig = NonNullable<Config['site']>;
export type TariffConfig = NonNullable<Config['tariff']>;
export type AuthorizationEntryConfig = Config['authorization']['list'][number];
export type MqttConfig = Config['mqtt'];
export type UpstreamConfig = Config['upstream'];
export type HttpConfig = Config['http'];
export type SecurityConfig = Config['security'];
export type FirmwareConfig = Config['firmware'];
export type DiagnosticsConfig = Config['diagnostics'];

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
