/**
 * JSON schemas of the answers the OpenAPI document describes (components.schemas). Only the
 * shapes a client is likely to read field by field are here; the others are described by their
 * route's summary. Kept beside views.ts, whose types they describe.
 */

const nullableNumber = (description: string) => ({ type: ['number', 'null'], description });

const LIMIT = {
  type: ['object', 'null'],
  description:
    'The load balancer\'s limit for the connector, A per phase; null without load balancing. plannedA is only the plan: what a car may draw is ' +
    'acceptedA (what the charger confirmed), or its own maximum while acceptedA is null or the charger is uncontrolled.',
  required: ['plannedA', 'acceptedA', 'inFlightA', 'measuredA', 'phases', 'active', 'reason', 'detail', 'at'],
  properties: {
    plannedA: { type: 'number', description: 'What the balancer wants the connector to draw at most.' },
    acceptedA: nullableNumber('The limit the charger last accepted (SetChargingProfile Accepted); null: none known, so it may draw up to its maximum.'),
    inFlightA: nullableNumber('A limit sent and not answered yet; null: none.'),
    measuredA: nullableNumber('The highest per-phase current the charger reported lately; null: no fresh reading.'),
    phases: { type: 'array', items: { type: 'string', enum: ['L1', 'L2', 'L3'] }, description: 'Site phases it draws on.' },
    numberPhases: { type: 'integer', enum: [1, 3], description: 'Phase switching (chargers.list[].phaseSwitching, solar modes): the phases its charger is told to charge on (its profile\'s numberPhases); absent: as wired.' },
    active: { type: 'boolean', description: 'A session runs on it (else the limit is its standing share).' },
    reason: { type: 'string', description: 'max, cap, released, fair-share, circuit-full, external, failsafe, paused-rotation, paused-priority, paused-capacity, fixed, standby.' },
    detail: { type: 'string', description: 'The reason in words.' },
    at: { type: 'string', format: 'date-time', description: 'When the balancer said so.' },
  },
} as const;

const CONTROL_PROPERTIES = {
  controlled: {
    type: ['boolean', 'null'],
    description:
      'Whether chargegate controls the charger\'s current. false: it refused, ignored or never answered its limits, has not booted, or is configured ' +
      'without smart charging; it is counted at its maximum and the others are reduced for it. null: no load balancing, or not reported yet.',
  },
  uncontrolledWhy: { type: 'string', description: 'Why it is uncontrolled, in words (only while uncontrolled).' },
  uncontrolledSince: { type: 'string', format: 'date-time', description: 'Since when it is uncontrolled (only while uncontrolled, when known).' },
} as const;

const CONNECTOR = {
  type: 'object',
  required: ['connectorId', 'status', 'powerW', 'currentA', 'session', 'limit'],
  properties: {
    connectorId: { type: 'integer', minimum: 1 },
    status: { type: 'string', description: 'OCPP status (Unavailable while the charger is offline).' },
    errorCode: { type: 'string' },
    info: { type: 'string' },
    since: { type: 'string', format: 'date-time' },
    powerW: nullableNumber('Power drawn now, W: 0 when offline or no session runs; null while a session runs and the charger has not reported it yet.'),
    currentA: {
      type: ['array', 'null'],
      items: { type: 'number' },
      minItems: 3,
      maxItems: 3,
      description: 'Current per phase L1, L2, L3 now, A: 0 on a phase the latest reading does not name, and on all three when offline or no session runs; null while a session runs and the charger has not reported it yet.',
    },
    session: {
      type: ['object', 'null'],
      properties: { transactionId: { type: 'integer' }, idTag: { type: 'string' }, startedAt: { type: 'string' }, energyWh: { type: ['number', 'null'] } },
    },
    limit: { $ref: '#/components/schemas/ConnectorLimit' },
    evNeeds: {
      type: 'object',
      description: 'What the car said it needs (OCPP 2.0.1 NotifyEVChargingNeeds), until its session ends: its maximum is a cap of the load balancer, its phases the ones reserved for it.',
      properties: {
        transfer: { type: 'string', enum: ['AC_single_phase', 'AC_two_phase', 'AC_three_phase', 'DC'] },
        phases: { type: 'integer', enum: [1, 2, 3] },
        maxCurrentA: { type: 'number' },
        minCurrentA: { type: 'number' },
        energyWh: { type: 'number' },
        departureTime: { type: 'string', format: 'date-time' },
        receivedAt: { type: 'string', format: 'date-time' },
      },
    },
    externalLimits: { type: 'array', items: { $ref: '#/components/schemas/ExternalLimit' } },
  },
} as const;

const EXTERNAL_LIMIT = {
  type: 'object',
  description: 'A limit another party set at the charger (OCPP 2.0.1 NotifyChargingLimit): a cap of the load balancer until ClearedChargingLimit.',
  properties: {
    connectorId: { type: 'integer', minimum: 0, description: '0: the whole charger.' },
    source: { type: 'string', description: 'EMS (an energy manager on site), SO (the grid operator), CSO, Other.' },
    amps: { type: ['number', 'null'], description: 'A per phase in force when reported; null: no schedule came with it.' },
    gridCritical: { type: 'boolean' },
    receivedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const QUIRK = {
  type: 'object',
  required: ['value', 'source'],
  properties: {
    value: { type: 'boolean' },
    source: { type: 'string', enum: ['config', 'profile', 'learnt', 'default'], description: 'config (chargers.list[].quirks) beats profile, which beats learnt (configuration keys); default: none said.' },
    detail: { type: 'string', description: 'The profile\'s name, or the key and value it was learnt from.' },
  },
} as const;

const SETUP = {
  type: 'object',
  description: 'Vendor profile, automatic setup after boot and effective quirks (docs/chargers.md).',
  required: ['mode', 'state', 'profile', 'learnt', 'unknownKeys', 'changes', 'quirks'],
  properties: {
    mode: { type: 'string', enum: ['auto', 'off'] },
    state: { type: 'string', enum: ['off', 'pending', 'done', 'failed'], description: 'pending: running, or cut short and going on at the next boot.' },
    reason: { type: 'string', description: 'Why failed or pending, in words.' },
    at: { type: 'string', format: 'date-time' },
    profile: {
      type: ['object', 'null'],
      description: 'The vendor profile (adapters/chargers) that matched its last BootNotification; null: none.',
      properties: { id: { type: 'string' }, name: { type: 'string' }, notes: { type: 'string' }, sources: { type: 'array', items: { type: 'string' } } },
    },
    learnt: { type: 'object', description: 'Configuration keys read (OCPP 1.6 §9.1), by name.', additionalProperties: { type: 'object', properties: { value: { type: 'string' }, readonly: { type: 'boolean' } } } },
    unknownKeys: { type: 'array', items: { type: 'string' }, description: 'Keys the charger does not have.' },
    changes: {
      type: 'object',
      description: 'The last ChangeConfiguration of each key chargegate changed.',
      additionalProperties: { type: 'object', properties: { value: { type: 'string' }, at: { type: 'string', format: 'date-time' }, result: { type: 'string', enum: ['Accepted', 'RebootRequired', 'Rejected', 'NotSupported', 'Failed'] }, error: { type: 'string' } } },
    },
    quirks: {
      type: 'object',
      properties: { stackLevelZeroOnly: QUIRK, wattsOnly: QUIRK, noTxProfile: QUIRK, noZeroAmps: QUIRK, noSmartCharging: QUIRK },
    },
  },
} as const;

const CHARGER = {
  type: 'object',
  required: ['id', 'online', 'booted', 'registration', 'configured', 'status', 'controlled', 'connectors'],
  properties: {
    id: { type: 'string' },
    online: { type: 'boolean' },
    booted: { type: 'boolean', description: 'Its BootNotification was accepted since chargegate started; until then it gets no commands (they wait, then fail after ocpp.callTimeout).' },
    awaitingBootSince: { type: 'string', format: 'date-time', description: 'Only while connected and not booted: since when it waits for its BootNotification.' },
    registration: {
      type: 'object',
      required: ['state'],
      description: 'Where it stands with its BootNotification: accepted; pending (connected, none accepted yet) or refused (answered with a CALLERROR, strict validation), with the reason: until accepted it gets no call but TriggerMessage; offline.',
      properties: { state: { type: 'string', enum: ['accepted', 'pending', 'refused', 'offline'] }, reason: { type: 'string' }, since: { type: 'string', format: 'date-time' } },
    },
    configured: { type: 'boolean', description: 'In chargers.list (else it connected while chargers.allowUnknown is on).' },
    status: { type: 'string' },
    protocol: { type: 'string', description: 'The WebSocket subprotocol of its current or last connection (ocpp1.6, ocpp2.0.1).' },
    ocpp: { type: 'string', enum: ['1.6', '2.0.1'], description: 'The OCPP version it speaks, as chargers.list[].ocpp names it (its current or last connection since chargegate started).' },
    connectedAt: { type: 'string', format: 'date-time' },
    disconnectedAt: { type: 'string', format: 'date-time' },
    lastMessageAt: { type: 'string', format: 'date-time' },
    vendor: { type: 'string' },
    model: { type: 'string' },
    serialNumber: { type: 'string' },
    firmwareVersion: { type: 'string' },
    maxCurrentA: { type: 'number' },
    phases: { type: 'integer', enum: [1, 3] },
    firmwareStatus: { type: 'string', description: 'The latest FirmwareStatusNotification or SignedFirmwareStatusNotification status.' },
    logStatus: { type: 'object', description: 'The latest LogStatusNotification (1.6 security extension).', properties: { status: { type: 'string' }, requestId: { type: 'integer' } } },
    lastSecurityEvent: {
      type: 'object',
      description: 'The latest security event since chargegate started; all of them: GET /api/chargers/{chargerId}/security-events.',
      properties: { type: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' }, techInfo: { type: 'string' } },
    },
    ...CONTROL_PROPERTIES,
    setup: SETUP,
    externalLimits: { type: 'array', items: { $ref: '#/components/schemas/ExternalLimit' }, description: 'Limits set at the charger on the whole charger.' },
    transactionQueues: {
      type: 'array',
      description: 'The charger\'s latest answers (OCPP 2.0.1 GetTransactionStatus, asked when it reconnects with sessions running) on whether a session\'s messages are still queued there.',
      items: { type: 'object', properties: { transactionId: { type: 'integer' }, messagesInQueue: { type: 'boolean' }, ongoing: { type: 'boolean' }, at: { type: 'string', format: 'date-time' } } },
    },
    connectors: { type: 'array', items: { $ref: '#/components/schemas/Connector' } },
  },
} as const;

const SITE = {
  type: 'object',
  description: 'The site against its supply. Fields not listed here are described by the route summary.',
  properties: {
    balancing: { type: 'boolean' },
    connectors: {
      type: 'array',
      description: 'Every connector the balancer planned for.',
      items: { allOf: [{ type: 'object', required: ['chargerId', 'connectorId'], properties: { chargerId: { type: 'string' }, connectorId: { type: 'integer' } } }, { $ref: '#/components/schemas/ConnectorLimit' }] },
    },
    chargers: {
      type: 'array',
      description: 'Per charger whether chargegate controls it.',
      items: { type: 'object', required: ['chargerId', 'controlled'], properties: { chargerId: { type: 'string' }, ...CONTROL_PROPERTIES } },
    },
  },
} as const;

export const RESPONSE_SCHEMAS = {
  ConnectorLimit: LIMIT,
  Connector: CONNECTOR,
  ExternalLimit: EXTERNAL_LIMIT,
  Charger: CHARGER,
  ChargerList: { type: 'object', required: ['chargers'], properties: { chargers: { type: 'array', items: { $ref: '#/components/schemas/Charger' } } } },
  Site: SITE,
  OcppCommandResult: {
    type: 'object',
    required: ['action', 'answer', 'answeredBy'],
    properties: {
      action: { type: 'string', description: 'The OCPP 1.6 action sent (or answered for).' },
      answer: { type: 'object', description: 'The OCPP answer payload (e.g. {"status": "Accepted"}): the charger\'s, or chargegate\'s when answeredBy says so.' },
      answeredBy: { type: 'string', enum: ['charger', 'chargegate'] },
      reason: { type: 'string', description: 'Why chargegate answered, or changed the request, when it did.' },
      reservationId: { type: 'integer', description: 'Reserve only: the reservation id sent (chosen by chargegate when the request named none).' },
    },
  },
} as const;

export type ResponseSchema = keyof typeof RESPONSE_SCHEMAS;
