import t from 'tap';
import { dataTransfer, diagnosticsStatusNotification, firmwareStatusNotification, statusNotification } from '../../../../src/gateway/handlers/status.js';
import { handlerContext } from '../../../helpers/context.js';

t.test('StatusNotification is stored, shown in the registry and emitted', async (t) => {
  const ctx = handlerContext(t);
  t.same(await statusNotification(ctx, { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD', vendorErrorCode: 'E12', timestamp: '2025-06-01T11:59:00Z' }), {});
  const expected = { chargerId: 'CP1', connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD', vendorErrorCode: 'E12', timestamp: '2025-06-01T11:59:00Z' };
  t.same(ctx.store.chargers.connectors('CP1'), [expected]);
  t.same(ctx.registry.get('CP1')?.connectors.get(1), expected);
  t.same(ctx.emitted, [{ name: 'connector.status', payload: expected }]);
});

t.test('without a timestamp the gateway clock is used; connector 0 is the charge point', async (t) => {
  const ctx = handlerContext(t);
  await statusNotification(ctx, { connectorId: 0, status: 'Available', errorCode: 'NoError' });
  await statusNotification(ctx, { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
  await statusNotification(ctx, { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
  t.same(ctx.store.chargers.connectors('CP1').map((c) => [c.connectorId, c.status, c.timestamp]), [
    [0, 'Available', '2025-06-01T12:00:00.000Z'],
    [1, 'Charging', '2025-06-01T12:00:00.000Z'],
  ], 'the latest status per connector');
});

t.test('firmware and diagnostics status land in the registry', async (t) => {
  const ctx = handlerContext(t);
  t.same(await firmwareStatusNotification(ctx, { status: 'Installing' }), {});
  t.same(await diagnosticsStatusNotification(ctx, { status: 'Uploaded' }), {});
  t.equal(ctx.registry.get('CP1')?.firmwareStatus, 'Installing');
  t.equal(ctx.registry.get('CP1')?.diagnosticsStatus, 'Uploaded');
});

t.test('DataTransfer goes to the handler of its vendorId, else UnknownVendorId', async (t) => {
  const ctx = handlerContext(t);
  t.same(await dataTransfer(ctx, { vendorId: 'com.acme', messageId: 'x' }), { status: 'UnknownVendorId' });
  const seen: unknown[] = [];
  ctx.dataTransfer.set('com.acme', (chargerId, payload) => {
    seen.push([chargerId, payload]);
    return { status: 'Accepted', data: 'pong' };
  });
  t.same(await dataTransfer(ctx, { vendorId: 'com.acme', data: 'ping' }), { status: 'Accepted', data: 'pong' });
  t.same(seen, [['CP1', { vendorId: 'com.acme', data: 'ping' }]]);
  t.same(await dataTransfer(ctx, { vendorId: 'com.other' }), { status: 'UnknownVendorId' });
});
