/**
 * GET /api/chargers/{chargerId}/device-model: what an OCPP 2.0.1 charger reported about itself
 * (its device model: NotifyReport after chargegate's GetBaseReport, or a report it sent on its
 * own), one entry per variable attribute, and how chargegate's last report request ended.
 * A 1.6 charger has none (its configuration keys are in the charger's setup view).
 */
import type { DeviceModelStore } from '../../store/ports.js';
import { route, type Route } from '../route.js';
import { requireCharger, type ViewDeps } from '../views.js';
import { CHARGER_ID } from './chargers.js';

export interface DeviceModelRouteDeps {
  views: Pick<ViewDeps, 'config' | 'registry'>;
  deviceModel: Pick<DeviceModelStore, 'list' | 'report'>;
}

export function deviceModelRoutes({ views, deviceModel }: DeviceModelRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}/device-model',
      access: 'read',
      tag: 'chargers',
      summary:
        'The device model an OCPP 2.0.1 charger reported (GetBaseReport FullInventory after its boot, or a report it sent unasked): ' +
        '{"chargerId", "report" (the last request: requestId, state requested | complete | refused | incomplete, reason, firmware, requestedAt, endedAt; null: never asked), ' +
        '"variables": [{component, componentInstance, evseId, connectorId, variable, variableInstance, attributeType, value, mutability, persistent, constant, characteristics}]}, ' +
        'ordered by component. Empty for a 1.6 charger.',
      params: { chargerId: CHARGER_ID },
      query: {
        component: { type: 'string', maxLength: 50, description: 'Only this component\'s variables, e.g. SmartChargingCtrlr (the name as the charger reports it).' },
      },
      handle({ params, query }) {
        const id = params.chargerId!;
        requireCharger(views, id);
        const variables = deviceModel.list(id, query.component !== undefined ? { component: query.component } : {});
        return { json: { chargerId: id, report: deviceModel.report(id) ?? null, variables } };
      },
    }),
  ];
}
