import type { DeviceModelReport, DeviceModelStore, DeviceModelVariable } from '../ports.js';
import { fromJson, omitEmpty, orNull, orUndefined, toJson, type Db } from './rows.js';

interface Row {
  component: string;
  component_instance: string;
  evse_id: number;
  connector_id: number;
  variable: string;
  variable_instance: string;
  attribute_type: string;
  value: string | null;
  mutability: string | null;
  persistent: number | null;
  constant: number | null;
  characteristics: string | null;
}

interface ReportRow {
  request_id: number;
  state: DeviceModelReport['state'];
  reason: string | null;
  firmware: string | null;
  requested_at: string;
  ended_at: string | null;
}

const bool = (v: boolean | undefined) => (v === undefined ? null : v ? 1 : 0);

/** The device_model and device_model_reports tables (migration 11): written by the 2.0.1 edge's NotifyReport handler. */
export function createDeviceModelStore(db: Db): DeviceModelStore {
  const upsert = db.prepare(`
    INSERT INTO device_model (charger_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type,
                              value, mutability, persistent, constant, characteristics, request_id, updated_at)
    VALUES (@chargerId, @component, @componentInstance, @evseId, @connectorId, @variable, @variableInstance, @attributeType,
            @value, @mutability, @persistent, @constant, @characteristics, @requestId, @at)
    ON CONFLICT (charger_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type) DO UPDATE SET
      value = excluded.value, mutability = excluded.mutability, persistent = excluded.persistent, constant = excluded.constant,
      characteristics = excluded.characteristics, request_id = excluded.request_id, updated_at = excluded.updated_at`);
  const order = 'ORDER BY component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type';
  const all = db.prepare<[string], Row>(`SELECT * FROM device_model WHERE charger_id = ? ${order}`);
  const ofComponent = db.prepare<[string, string], Row>(`SELECT * FROM device_model WHERE charger_id = ? AND component = ? ${order}`);
  const getReport = db.prepare<[string], ReportRow>('SELECT * FROM device_model_reports WHERE charger_id = ?');
  const setRequested = db.prepare(`
    INSERT INTO device_model_reports (charger_id, request_id, state, firmware, requested_at) VALUES (?, ?, 'requested', ?, ?)
    ON CONFLICT (charger_id) DO UPDATE SET request_id = excluded.request_id, state = 'requested', reason = NULL,
      firmware = excluded.firmware, requested_at = excluded.requested_at, ended_at = NULL`);
  const setEnded = db.prepare('UPDATE device_model_reports SET state = ?, reason = ?, ended_at = ? WHERE charger_id = ? AND request_id = ?');
  const setValue = db.prepare(`
    UPDATE device_model SET value = @value, updated_at = @at
    WHERE charger_id = @chargerId AND component = @component AND component_instance = @componentInstance AND evse_id = @evseId
      AND connector_id = @connectorId AND variable = @variable AND variable_instance = @variableInstance AND attribute_type = 'Actual'`);
  const dropOthers = db.prepare('DELETE FROM device_model WHERE charger_id = ? AND request_id <> ?');

  return {
    put(chargerId, requestId, variables, at) {
      for (const v of variables) {
        upsert.run({
          chargerId,
          component: v.component,
          componentInstance: v.componentInstance ?? '',
          evseId: v.evseId ?? -1,
          connectorId: v.connectorId ?? -1,
          variable: v.variable,
          variableInstance: v.variableInstance ?? '',
          attributeType: v.attributeType,
          value: orNull(v.value),
          mutability: orNull(v.mutability),
          persistent: bool(v.persistent),
          constant: bool(v.constant),
          characteristics: toJson(v.characteristics),
          requestId,
          at,
        });
      }
    },
    list(chargerId, filter = {}) {
      const rows = filter.component !== undefined ? ofComponent.all(chargerId, filter.component) : all.all(chargerId);
      return rows.map(toVariable);
    },
    report(chargerId) {
      const r = getReport.get(chargerId);
      if (!r) return undefined;
      return omitEmpty({ requestId: r.request_id, state: r.state, reason: orUndefined(r.reason), firmware: orUndefined(r.firmware), requestedAt: r.requested_at, endedAt: orUndefined(r.ended_at) });
    },
    setActual(chargerId, ref, value, at) {
      const key = { component: ref.component, componentInstance: ref.componentInstance ?? '', evseId: ref.evseId ?? -1, connectorId: ref.connectorId ?? -1, variable: ref.variable, variableInstance: ref.variableInstance ?? '' };
      return setValue.run({ chargerId, ...key, value, at }).changes > 0;
    },
    requested(chargerId, requestId, firmware, at) {
      setRequested.run(chargerId, requestId, orNull(firmware), at);
    },
    ended(chargerId, requestId, state, at, reason) {
      const changed = setEnded.run(state, orNull(reason), at, chargerId, requestId).changes;
      if (changed > 0 && state === 'complete') dropOthers.run(chargerId, requestId);
    },
  };
}

function toVariable(r: Row): DeviceModelVariable {
  return omitEmpty({
    component: r.component,
    componentInstance: r.component_instance === '' ? undefined : r.component_instance,
    evseId: r.evse_id < 0 ? undefined : r.evse_id,
    connectorId: r.connector_id < 0 ? undefined : r.connector_id,
    variable: r.variable,
    variableInstance: r.variable_instance === '' ? undefined : r.variable_instance,
    attributeType: r.attribute_type,
    value: orUndefined(r.value),
    mutability: orUndefined(r.mutability),
    persistent: r.persistent === null ? undefined : r.persistent === 1,
    constant: r.constant === null ? undefined : r.constant === 1,
    characteristics: fromJson(r.characteristics) as Record<string, unknown> | undefined,
  });
}
