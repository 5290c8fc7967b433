/**
 * The aggregate station's device-model commands from a 2.0.1 CSMS (#17): GetBaseReport (B07),
 * GetReport (B08), GetVariables (B06) and SetVariables (B05), answered by chargegate from the
 * site's device model (site-device-model.ts) instead of being translated to 1.6 keys. The
 * station's password (SecurityCtrlr.BasicAuthPassword) goes the 1.6 AuthorizationKey's way
 * (cloud-calls.ts, owned-keys.ts), so it is kept exactly as a 1.6 cloud's would be.
 */
import type { Logger } from '../../log.js';
import { OcppCallError } from '../../ocpp/errors.js';
import type { CallHandler } from '../../ocpp/session.js';
import type { Responses16 } from '../../ocpp/v16/types.js';
import type { ReportDataType, Requests201, Responses201, SetVariableResultType } from '../../ocpp/v201/types.js';
import { baseReport, customReport, getVariables, ITEMS_PER_MESSAGE, reportData, setDecision, siteDeviceModel, type SiteFacts } from './site-device-model.js';

/** What the aggregate station is, read at each command, and the one setting it takes from the CSMS. */
export interface SiteStation {
  facts(): SiteFacts;
  /** OCPPCommCtrlr.HeartbeatInterval set by the CSMS: the link's heartbeat from now (until the next boot's interval). */
  setHeartbeatInterval(seconds: number): void;
}

export interface SiteCommandDeps {
  station: SiteStation;
  /** The channel's 1.6 command handler (cloud-calls.ts): the password's ChangeConfiguration. */
  handler16: CallHandler;
  /** Sends a report's NotifyReport frames once the answer is out (seqNo, tbc, ITEMS_PER_MESSAGE each). */
  report(requestId: number, data: ReportDataType[], perFrame: number): void;
  logger: Logger;
}

export const SITE_ACTIONS: ReadonlySet<string> = new Set(['GetBaseReport', 'GetReport', 'GetVariables', 'SetVariables']);

/** A request naming more variables than DeviceDataCtrlr.ItemsPerMessage says the station takes: CALLERROR (B05, B06, B08). */
function withinItems(action: string, count: number): void {
  if (count > ITEMS_PER_MESSAGE) throw new OcppCallError('OccurenceConstraintViolation', `${action} names ${count} variables; DeviceDataCtrlr.ItemsPerMessage is ${ITEMS_PER_MESSAGE}`);
}

/** One of SITE_ACTIONS, answered for the station. */
export async function siteCommand(action: string, payload: unknown, deps: SiteCommandDeps): Promise<unknown> {
  const model = siteDeviceModel(deps.station.facts());
  switch (action) {
    case 'GetBaseReport': {
      const req = payload as Requests201['GetBaseReport'];
      return answerReport(req.requestId, reportData(baseReport(model, req.reportBase)), deps);
    }
    case 'GetReport': {
      const req = payload as Requests201['GetReport'];
      withinItems(action, req.componentVariable?.length ?? 0);
      return answerReport(req.requestId, reportData(customReport(model, req)), deps);
    }
    case 'GetVariables': {
      const req = payload as Requests201['GetVariables'];
      withinItems(action, req.getVariableData.length);
      return { getVariableResult: getVariables(model, req) } as Responses201['GetVariables'];
    }
    case 'SetVariables': {
      const req = payload as Requests201['SetVariables'];
      withinItems(action, req.setVariableData.length);
      const results: SetVariableResultType[] = [];
      for (const d of req.setVariableData) {
        const base = { component: d.component, variable: d.variable, ...(d.attributeType ? { attributeType: d.attributeType } : {}) };
        const decision = setDecision(model, d);
        if ('password' in decision) {
          const res = (await deps.handler16('ChangeConfiguration', { key: 'AuthorizationKey', value: decision.password })) as Responses16['ChangeConfiguration'];
          results.push({ ...base, attributeStatus: res.status === 'NotSupported' ? 'Rejected' : res.status });
          continue;
        }
        if ('heartbeatInterval' in decision) {
          deps.station.setHeartbeatInterval(decision.heartbeatInterval);
          deps.logger.info({ heartbeatInterval: decision.heartbeatInterval }, 'the 2.0.1 CSMS set the station\'s HeartbeatInterval: in force until its next boot answer');
        }
        const reason = 'reason' in decision ? decision.reason : undefined;
        results.push({ ...base, attributeStatus: decision.result, ...(reason ? { attributeStatusInfo: { reasonCode: reason.code, additionalInfo: reason.info } } : {}) });
      }
      return { setVariableResult: results } as Responses201['SetVariables'];
    }
    default:
      throw new OcppCallError('NotSupported', `${action} is not a device-model command`);
  }
}

/** B07/B08: Accepted and the NotifyReport frames after the answer, or EmptyResultSet when nothing matched. */
function answerReport(requestId: number, data: ReportDataType[], deps: SiteCommandDeps): Responses201['GetBaseReport'] {
  if (data.length === 0) return { status: 'EmptyResultSet' };
  deps.report(requestId, data, ITEMS_PER_MESSAGE);
  return { status: 'Accepted' };
}
