import t from 'tap';
import { normalizeErrorCode, OcppCallError, OcppOfflineError, OcppTimeoutError, wireErrorCode } from '../../../src/ocpp/errors.js';

const ONE_SIX = [
  'NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError', 'FormationViolation',
  'PropertyConstraintViolation', 'OccurenceConstraintViolation', 'TypeConstraintViolation', 'GenericError',
] as const;

t.test('inbound: both spellings are accepted', async (t) => {
  for (const code of ONE_SIX) t.equal(normalizeErrorCode(code), code, code);
  t.equal(normalizeErrorCode('FormatViolation'), 'FormationViolation', '2.0.1 spelling');
  t.equal(normalizeErrorCode('OccurrenceConstraintViolation'), 'OccurenceConstraintViolation', '2.0.1 spelling');
  t.equal(normalizeErrorCode('MessageTypeNotSupported'), 'MessageTypeNotSupported');
  t.equal(normalizeErrorCode('RpcFrameworkError'), 'RpcFrameworkError');
});

t.test('inbound: an unknown code becomes GenericError', async (t) => {
  for (const code of ['', 'Oops', 'notimplemented', 'constructor', '__proto__', 'toString']) t.equal(normalizeErrorCode(code), 'GenericError', JSON.stringify(code));
});

t.test('outbound to 1.6: the 1.6 spelling, and no 2.0.1-only code', async (t) => {
  for (const code of ONE_SIX) t.equal(wireErrorCode(code, 'ocpp1.6'), code, code);
  t.equal(wireErrorCode('MessageTypeNotSupported', 'ocpp1.6'), 'ProtocolError');
  t.equal(wireErrorCode('RpcFrameworkError', 'ocpp1.6'), 'ProtocolError');
});

t.test('outbound to 2.0.1: the 2.0.1 spelling', async (t) => {
  t.equal(wireErrorCode('FormationViolation', 'ocpp2.0.1'), 'FormatViolation');
  t.equal(wireErrorCode('OccurenceConstraintViolation', 'ocpp2.0.1'), 'OccurrenceConstraintViolation');
  t.equal(wireErrorCode('MessageTypeNotSupported', 'ocpp2.0.1'), 'MessageTypeNotSupported');
  t.equal(wireErrorCode('TypeConstraintViolation', 'ocpp2.0.1'), 'TypeConstraintViolation');
});

t.test('the error classes say what happened', async (t) => {
  const call = new OcppCallError('NotSupported', 'no such thing', { a: 1 });
  t.equal(call.name, 'OcppCallError');
  t.equal(call.message, 'NotSupported: no such thing');
  t.same(call.details, { a: 1 });
  t.same(new OcppCallError('GenericError', 'x').details, {});
  const timeout = new OcppTimeoutError('Reset', 1000);
  t.equal(timeout.message, 'no answer to Reset within 1000 ms');
  t.equal(timeout.action, 'Reset');
  t.equal(new OcppOfflineError('CP1').message, 'CP1 is offline: not connected');
  t.equal(new OcppOfflineError('CP1', 'closed (1006)').message, 'CP1 is offline: closed (1006)');
  t.ok(new OcppOfflineError('CP1') instanceof Error);
});
