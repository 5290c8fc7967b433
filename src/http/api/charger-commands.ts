/**
 * The OCPP 1.6 commands by name, each a thin route that builds the OCPP request from its path,
 * query and body and sends it through the shared door (src/control/ocpp-commands.ts), so the
 * interceptors apply (owned configuration keys, charging profiles merged by the balancer,
 * firmware and diagnostics through the box). Every answer has the generic route's shape:
 * {"action", "answer", "answeredBy", "reason"?}. `POST /api/chargers/{id}/ocpp/{Action}` takes
 * the same commands as raw OCPP payloads.
 */
import type { OcppCommands } from '../../control/ocpp-commands.js';
import { TRIGGERABLE_16, type CentralAction16 } from '../../ocpp/v16/actions.js';
import type { FieldsSpec } from '../params.js';
import { route, type Route, type RouteRequest } from '../route.js';
import { CHARGER_ID } from './chargers.js';
import { OCPP_BODY_BYTES, sendOcpp } from './ocpp.js';

export interface ChargerCommandDeps {
  ocpp: OcppCommands;
  now: () => Date;
  /** A reservation id for a reservation that names none (OCPP 1.6 §5.13: a charger replaces a reservation with the same id). */
  reservationId: () => number;
}

const BASE = '/api/chargers/{chargerId}';
const ON_CHARGER = { chargerId: CHARGER_ID } as const;
/** Connector 0 is the whole charger (ReserveNow where ReserveConnectorZeroSupported, GetCompositeSchedule). */
const CONNECTOR = { type: 'integer', minimum: 0, maximum: 100, required: true, description: 'The connector, from 1; 0 the whole charger.' } as const;
const ON_CONNECTOR = { chargerId: CHARGER_ID, connectorId: CONNECTOR } as const;
const INT32 = 2_147_483_647;
const RETRIES = {
  retries: { type: 'integer', minimum: 0, maximum: 100, description: 'How often the charger retries.' },
  retryInterval: { type: 'integer', minimum: 0, maximum: 86_400, description: 'Seconds between retries.' },
} as const;
const LOCATION = { type: 'string', maxLength: 2000, required: true, description: 'The URL (anyURI).' } as const;
const PURPOSES = ['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile'] as const;

type Request = RouteRequest<FieldsSpec, FieldsSpec, FieldsSpec> & { params: Record<string, any>; query: Record<string, any>; body: Record<string, any> };

interface Command {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  action: CentralAction16;
  summary: string;
  params?: FieldsSpec;
  query?: FieldsSpec;
  body?: FieldsSpec;
  rawBody?: string;
  /** The OCPP request from the route's input. */
  payload(r: Request): Record<string, unknown>;
  /** What joins the answer, from the request sent (the reservation id chosen). */
  echo?: (payload: Record<string, unknown>) => Record<string, unknown>;
}

/** A command whose body is its OCPP request as it is (a local list, a charging profile). */
const asOcpp = (path: string, action: CentralAction16, summary: string, rawBody: string): Command => ({ method: 'POST', path, action, params: ON_CHARGER, summary, rawBody, payload: ({ raw }) => raw! });
const iso = (d: Date | undefined) => d?.toISOString();
/** Leaves out what was not given: an OCPP optional field is absent, never null. */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function chargerCommandRoutes({ ocpp, now, reservationId }: ChargerCommandDeps): Route[] {
  const commands: Command[] = [
    {
      method: 'GET', path: '/configuration', action: 'GetConfiguration', params: ON_CHARGER,
      summary: 'Read configuration keys (GetConfiguration): ?key=A&key=B, or every key without one.',
      query: { key: { type: 'strings', maxLength: 50, maxItems: 100, description: 'A key to read; repeat for more. None: every key.' } },
      payload: ({ query }) => defined({ key: query.key }),
    },
    {
      method: 'PUT', path: '/configuration/{key}', action: 'ChangeConfiguration',
      summary: 'Set a configuration key (ChangeConfiguration). Keys chargegate owns (AuthorizationKey, SecurityProfile, the balancer\'s meter keys) are answered by chargegate with a reason.',
      params: { ...ON_CHARGER, key: { type: 'string', maxLength: 50, required: true, description: 'The key, e.g. HeartbeatInterval.' } },
      body: { value: { type: 'string', minLength: 0, maxLength: 500, required: true, description: 'The new value, as text (OCPP 1.6 §9).' } },
      payload: ({ params, body }) => ({ key: params.key, value: body.value }),
    },
    {
      method: 'POST', path: '/trigger', action: 'TriggerMessage', params: ON_CHARGER,
      summary: 'Ask the charger to send a message now (TriggerMessage).',
      body: { message: { type: 'enum', values: TRIGGERABLE_16, required: true, description: 'The message to send.' }, connectorId: { ...CONNECTOR, minimum: 1, required: false, description: 'Only for this connector.' } },
      payload: ({ body }) => defined({ requestedMessage: body.message, connectorId: body.connectorId }),
    },
    { method: 'POST', path: '/clear-cache', action: 'ClearCache', params: ON_CHARGER, summary: 'Empty the charger\'s authorization cache (ClearCache).', body: {}, payload: () => ({}) },
    {
      method: 'POST', path: '/data-transfer', action: 'DataTransfer', params: ON_CHARGER,
      summary: 'A vendor-specific message (DataTransfer).',
      body: {
        vendorId: { type: 'string', maxLength: 255, required: true, description: 'The vendor, e.g. com.example.' },
        messageId: { type: 'string', maxLength: 50, description: 'The vendor\'s message id.' },
        data: { type: 'string', minLength: 0, maxLength: 15_000, description: 'The data, as text.' },
      },
      payload: ({ body }) => defined({ vendorId: body.vendorId, messageId: body.messageId, data: body.data }),
    },
    { method: 'GET', path: '/local-list/version', action: 'GetLocalListVersion', params: ON_CHARGER, summary: 'The version of the charger\'s local authorization list (GetLocalListVersion).', payload: () => ({}) },
    asOcpp(
      '/local-list', 'SendLocalList', 'Send a local authorization list (SendLocalList), the body its OCPP request.',
      'The SendLocalList request: {"listVersion": 3, "updateType": "Full"|"Differential", "localAuthorizationList": [{"idTag": "04A2B3C4", "idTagInfo": {"status": "Accepted"}}]}.',
    ),
    {
      method: 'POST', path: '/connectors/{connectorId}/reserve', action: 'ReserveNow', params: ON_CONNECTOR,
      summary: 'Reserve the connector for an idTag until expiryDate (ReserveNow). Without a reservationId chargegate picks one and answers it as "reservationId".',
      body: {
        idTag: { type: 'string', maxLength: 20, required: true, description: 'Who the reservation is for.' },
        expiryDate: { type: 'instant', required: true, description: 'When the reservation ends.' },
        reservationId: { type: 'integer', minimum: 0, maximum: INT32, description: 'The reservation\'s id (one the charger holds is replaced).' },
        parentIdTag: { type: 'string', maxLength: 20, description: 'A parent idTag that may also use it.' },
      },
      payload: ({ params, body }) =>
        defined({ connectorId: params.connectorId, expiryDate: iso(body.expiryDate), idTag: body.idTag, parentIdTag: body.parentIdTag, reservationId: body.reservationId ?? reservationId() }),
      echo: (payload) => ({ reservationId: payload.reservationId }),
    },
    {
      method: 'DELETE', path: '/reservations/{reservationId}', action: 'CancelReservation',
      summary: 'Cancel a reservation (CancelReservation).',
      params: { ...ON_CHARGER, reservationId: { type: 'integer', minimum: 0, maximum: INT32, required: true, description: 'The reservation\'s id.' } },
      payload: ({ params }) => ({ reservationId: params.reservationId }),
    },
    {
      method: 'GET', path: '/connectors/{connectorId}/composite-schedule', action: 'GetCompositeSchedule', params: ON_CONNECTOR,
      summary: 'The schedule the charger will follow, all its profiles combined (GetCompositeSchedule); connector 0: the whole charger.',
      query: {
        duration: { type: 'integer', minimum: 1, maximum: 7 * 86_400, required: true, description: 'Seconds from now.' },
        unit: { type: 'enum', values: ['A', 'W'], description: 'The rate unit wanted.' },
      },
      payload: ({ params, query }) => defined({ connectorId: params.connectorId, duration: query.duration, chargingRateUnit: query.unit }),
    },
    asOcpp(
      '/charging-profiles', 'SetChargingProfile', 'Install a charging profile (SetChargingProfile), the body its OCPP request; where the load balancer controls the charger, it merges the profile with its own limits.',
      'The SetChargingProfile request: {"connectorId": 1, "csChargingProfiles": {"chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute", "chargingSchedule": {…}}}.',
    ),
    {
      method: 'DELETE', path: '/charging-profiles', action: 'ClearChargingProfile', params: ON_CHARGER,
      summary: 'Remove charging profiles (ClearChargingProfile): those matching every filter given, or all without one.',
      query: {
        id: { type: 'integer', minimum: 0, maximum: INT32, description: 'The profile id.' },
        connectorId: { ...CONNECTOR, required: false, description: 'The connector (0: the charger).' },
        purpose: { type: 'enum', values: PURPOSES, description: 'The profile purpose.' },
        stackLevel: { type: 'integer', minimum: 0, maximum: 100, description: 'The stack level.' },
      },
      payload: ({ query }) => defined({ id: query.id, connectorId: query.connectorId, chargingProfilePurpose: query.purpose, stackLevel: query.stackLevel }),
    },
    {
      method: 'POST', path: '/firmware', action: 'UpdateFirmware', params: ON_CHARGER,
      summary: 'Install firmware from a URL (UpdateFirmware), from retrieveDate (default: now).',
      body: { location: LOCATION, retrieveDate: { type: 'instant', description: 'When to fetch it (default: now).' }, ...RETRIES },
      payload: ({ body }) => defined({ location: body.location, retrieveDate: iso(body.retrieveDate ?? now()), retries: body.retries, retryInterval: body.retryInterval }),
    },
    {
      method: 'POST', path: '/diagnostics', action: 'GetDiagnostics', params: ON_CHARGER,
      summary: 'Upload the charger\'s diagnostics to a URL (GetDiagnostics); the answer names the file.',
      body: { location: LOCATION, startTime: { type: 'instant', description: 'The oldest logs wanted.' }, stopTime: { type: 'instant', description: 'The newest logs wanted.' }, ...RETRIES },
      payload: ({ body }) => defined({ location: body.location, startTime: iso(body.startTime), stopTime: iso(body.stopTime), retries: body.retries, retryInterval: body.retryInterval }),
    },
  ];

  return commands.map((c) =>
    route({
      method: c.method,
      path: BASE + c.path,
      access: 'command',
      tag: 'commands',
      summary: c.summary,
      response: 'OcppCommandResult',
      ...(c.params ? { params: c.params } : {}),
      ...(c.query ? { query: c.query } : {}),
      ...(c.body ? { body: c.body } : {}),
      ...(c.rawBody ? { rawBody: c.rawBody, maxBodyBytes: OCPP_BODY_BYTES } : {}),
      async handle(r) {
        const payload = c.payload(r as Request);
        const result = await sendOcpp(ocpp, (r.params as Record<string, string>).chargerId!, c.action, payload, r.logger);
        return { json: { ...result, ...c.echo?.(payload) } };
      },
    }),
  );
}
