/**
 * The pure translations of the 2.0.1 smart-charging messages (src/ocpp/v201/translate/smart.ts,
 * status.ts faultOfEvent, commands.ts GetCompositeSchedule and profileFrom201): every frame they
 * take is valid 2.0.1, every frame they make valid in the other version.
 */
import t, { type Test } from 'tap';
import { validatorFor } from '../../../../src/ocpp/validate.js';
import { commandTo201, profileFrom201 } from '../../../../src/ocpp/v201/translate/commands.js';
import { chargingLimitToCore, evNeedsToCore, scheduleAmpsAt } from '../../../../src/ocpp/v201/translate/smart.js';
import { faultOfEvent, statusToCore } from '../../../../src/ocpp/v201/translate/status.js';
import type { ChargingScheduleType, Requests201 } from '../../../../src/ocpp/v201/types.js';

const v16 = validatorFor('ocpp1.6');
const v201 = validatorFor('ocpp2.0.1');
const T0 = '2025-06-01T10:00:00.000Z';
const valid = (t: Test, v: typeof v16, action: string, payload: unknown, response = false) =>
  t.equal((response ? v.checkResponse(action, payload) : v.checkRequest(action, payload))?.description ?? null, null, `${v.version} ${action}${response ? ' answer' : ''} valid`);
const lookups = { referenceOf: () => undefined, remoteStartId: () => 1, requestId: () => 1 };

t.test('NotifyEVChargingNeeds: the AC parameters and the phases; Accepted, Rejected for EVSE 0', async (t) => {
  const req: Requests201['NotifyEVChargingNeeds'] = { evseId: 2, chargingNeeds: { requestedEnergyTransfer: 'AC_two_phase', departureTime: T0, acChargingParameters: { energyAmount: 15000, evMinCurrent: 6, evMaxCurrent: 13, evMaxVoltage: 400 } } };
  valid(t, v201, 'NotifyEVChargingNeeds', req);
  const out = evNeedsToCore(req, T0);
  t.same(out, { status: 'Accepted', needs: { connectorId: 2, transfer: 'AC_two_phase', phases: 2, maxCurrentA: 13, minCurrentA: 6, energyWh: 15000, departureTime: T0, receivedAt: T0 }, notes: [] });
  valid(t, v201, 'NotifyEVChargingNeeds', { status: out.status }, true);
  const dc = evNeedsToCore({ evseId: 1, chargingNeeds: { requestedEnergyTransfer: 'DC', dcChargingParameters: { evMaxCurrent: 200, evMaxVoltage: 800, energyAmount: 40000 } } }, T0);
  t.same(dc.needs, { connectorId: 1, transfer: 'DC', energyWh: 40000, receivedAt: T0 }, 'DC: no AC cap, no phases');
  t.match(dc.notes, [{ kind: 'lost', path: 'chargingNeeds.dcChargingParameters' }]);
  t.match(evNeedsToCore({ evseId: 0, chargingNeeds: { requestedEnergyTransfer: 'AC_single_phase' } }, T0), { status: 'Rejected', needs: undefined });
});

t.test('NotifyChargingLimit: the period in force on arrival, in A per phase (W at 230 V over its phases)', async (t) => {
  const at = Date.parse(T0);
  const a: ChargingScheduleType = { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 600, limit: 8 }] };
  t.equal(scheduleAmpsAt(a, at, at, 230), 16, 'the first period at once');
  t.equal(scheduleAmpsAt(a, at + 601_000, at, 230), 8, 'the second after 600 s');
  t.equal(scheduleAmpsAt({ ...a, startSchedule: '2025-06-01T11:00:00.000Z' }, at, at, 230), null, 'not started yet');
  t.equal(scheduleAmpsAt({ ...a, duration: 60 }, at + 61_000, at, 230), null, 'over');
  t.equal(scheduleAmpsAt({ id: 2, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 2300, numberPhases: 1 }] }, at, at, 230), 10, 'W over one phase');
  t.equal(scheduleAmpsAt({ id: 2, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] }, at, at, 230), 15.9, 'W over three phases when numberPhases is absent, floored to 0.1 A');
  const req: Requests201['NotifyChargingLimit'] = { evseId: 1, chargingLimit: { chargingLimitSource: 'SO', isGridCritical: true }, chargingSchedule: [a, { id: 3, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 12 }] }] };
  valid(t, v201, 'NotifyChargingLimit', req);
  const out = chargingLimitToCore(req, T0, 230);
  t.same(out.limit, { connectorId: 1, source: 'SO', amps: 12, gridCritical: true, receivedAt: T0 }, 'the lowest of the schedules in force');
  t.same(out.notes.map((n) => n.path), ['chargingSchedule', 'chargingSchedule.chargingSchedulePeriod']);
  t.same(chargingLimitToCore({ chargingLimit: { chargingLimitSource: 'EMS' } }, T0, 230).limit, { connectorId: 0, source: 'EMS', amps: null, receivedAt: T0 }, 'no evseId: the charger; no schedule: size unknown');
});

t.test("NotifyEvent: a Connector's or EVSE's Problem is the fault a Faulted status carries", async (t) => {
  const e = (component: object, variable: string, actualValue: string, extra: object = {}) => ({ eventId: 1, timestamp: T0, trigger: 'Delta', actualValue, component, variable: { name: variable }, eventNotificationType: 'HardWiredNotification', ...extra }) as const;
  const trip = e({ name: 'Connector', evse: { id: 1, connectorId: 1 } }, 'Problem', 'true', { techCode: 'E42', techInfo: 'x'.repeat(80) });
  valid(t, v201, 'NotifyEvent', { generatedAt: T0, seqNo: 0, eventData: [trip] });
  const found = faultOfEvent(trip as never)!;
  t.equal(found.cleared, false);
  t.equal(found.fault.info.length, 50, 'info cut to the 50 characters 1.6 allows');
  t.equal(found.fault.vendorErrorCode, 'E42');
  t.same(faultOfEvent(e({ name: 'evse', evse: { id: 2 } }, 'fault', 'true') as never), { fault: { evseId: 2, info: 'evse.fault true' }, cleared: false }, 'names are case-insensitive; no techInfo: what the event says');
  t.equal(faultOfEvent(e({ name: 'EVSE', evse: { id: 2 } }, 'Problem', 'false') as never)!.cleared, true, 'false: cleared');
  t.equal(faultOfEvent(e({ name: 'EVSE' }, 'Problem', 'true') as never), undefined, 'no EVSE: not a connector fault');
  t.equal(faultOfEvent(e({ name: 'EVSE', evse: { id: 1 } }, 'Power', '7000') as never), undefined, 'another variable');
  const faulted = statusToCore({ timestamp: T0, connectorStatus: 'Faulted', evseId: 1, connectorId: 1 }, undefined, found.fault).value;
  valid(t, v16, 'StatusNotification', faulted);
  t.match(faulted, { status: 'Faulted', errorCode: 'OtherError', info: found.fault.info, vendorErrorCode: 'E42' });
  t.notOk(statusToCore({ timestamp: T0, connectorStatus: 'Available', evseId: 1, connectorId: 1 }, undefined, found.fault).value.info, 'only a Faulted status carries it');
});

t.test('GetCompositeSchedule: 1.6 asked, 2.0.1 sent, the answer in 1.6 shape', async (t) => {
  const out = commandTo201('GetCompositeSchedule', { connectorId: 0, duration: 86400, chargingRateUnit: 'W' }, lookups) as { action: string; payload: unknown; answer(a: unknown): unknown };
  t.equal(out.action, 'GetCompositeSchedule');
  t.same(out.payload, { evseId: 0, duration: 86400, chargingRateUnit: 'W' });
  valid(t, v201, 'GetCompositeSchedule', out.payload);
  const answer201 = { status: 'Accepted', schedule: { evseId: 0, duration: 86400, scheduleStart: T0, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000, numberPhases: 3 }] } };
  valid(t, v201, 'GetCompositeSchedule', answer201, true);
  const back = out.answer(answer201);
  valid(t, v16, 'GetCompositeSchedule', back, true);
  t.same(back, { status: 'Accepted', connectorId: 0, scheduleStart: T0, chargingSchedule: { duration: 86400, startSchedule: T0, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000, numberPhases: 3 }] } });
  t.same(out.answer({ status: 'Rejected' }), { status: 'Rejected' });
  t.same((commandTo201('GetCompositeSchedule', { connectorId: 1, duration: 60 }, lookups) as { payload: unknown }).payload, { evseId: 1, duration: 60 }, 'no unit asked: none sent');
});

t.test('a reported profile in the 1.6 shape', async (t) => {
  const p = {
    id: 9, stackLevel: 2, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', validFrom: T0, transactionId: 'tx-9',
    chargingSchedule: [
      { id: 1, startSchedule: T0, duration: 3600, chargingRateUnit: 'A', minChargingRate: 6, chargingSchedulePeriod: [{ startPeriod: 0, limit: 20, numberPhases: 1 }] },
      { id: 2, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 1000 }] },
    ],
  } as const;
  const out = profileFrom201(p as never);
  valid(t, v16, 'SetChargingProfile', { connectorId: 0, csChargingProfiles: out.profile });
  t.same(out.profile, {
    chargingProfileId: 9, stackLevel: 2, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', validFrom: T0,
    chargingSchedule: { startSchedule: T0, duration: 3600, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20, numberPhases: 1 }], minChargingRate: 6 },
  });
  t.equal(out.chargerTransactionId, 'tx-9');
  t.match(out.notes, [{ kind: 'lost', path: 'chargingProfile.chargingSchedule' }]);
  t.match(profileFrom201({ ...p, chargingProfilePurpose: 'ChargingStationExternalConstraints' } as never).notes, [{}, { kind: 'mapped', path: 'chargingProfile.chargingProfilePurpose' }]);
});
