import t from 'tap';
import { bootNotification, heartbeat } from '../../../../src/gateway/handlers/boot.js';
import { handlerContext } from '../../../helpers/context.js';

t.test('BootNotification is accepted, with the clock and the heartbeat interval', async (t) => {
  const ctx = handlerContext(t);
  const answer = await bootNotification(ctx, { chargePointVendor: 'ACME', chargePointModel: 'Wallbox 11', chargeBoxSerialNumber: 'BOX-7', firmwareVersion: '2.1' });
  t.same(answer, { status: 'Accepted', currentTime: '2025-06-01T12:00:00.000Z', interval: 300 });
  t.same(ctx.store.chargers.get('CP1'), {
    id: 'CP1', vendor: 'ACME', model: 'Wallbox 11', serialNumber: 'BOX-7', firmwareVersion: '2.1', lastBootAt: '2025-06-01T12:00:00.000Z', lastSeenAt: '2025-06-01T12:00:00.000Z',
  }, 'kept in the store');
  t.same(ctx.registry.get('CP1')?.boot, { vendor: 'ACME', model: 'Wallbox 11', serialNumber: 'BOX-7', firmwareVersion: '2.1', at: '2025-06-01T12:00:00.000Z' });
  t.same(ctx.emitted, [{ name: 'charger.boot', payload: { chargerId: 'CP1', info: { vendor: 'ACME', model: 'Wallbox 11', serialNumber: 'BOX-7', firmwareVersion: '2.1' }, at: '2025-06-01T12:00:00.000Z' } }]);
});

t.test('an accepted BootNotification marks the charger booted (before its answer: listeners see it) and ends its wait', async (t) => {
  const ctx = handlerContext(t);
  const live = ctx.registry.ensure('CP1');
  t.equal(live.booted, false, 'unbooted until a BootNotification is accepted');
  live.awaitingBootSince = '2025-06-01T11:59:00.000Z';
  let seenBooted: boolean | undefined;
  ctx.events.on('charger.boot', () => (seenBooted = ctx.registry.get('CP1')?.booted));
  await bootNotification(ctx, { chargePointVendor: 'V', chargePointModel: 'M' });
  t.equal(seenBooted, true);
  t.equal(live.booted, true);
  t.equal(live.awaitingBootSince, undefined);
});

t.test('the charge point serial number wins over the charge box one; absent fields stay absent', async (t) => {
  const ctx = handlerContext(t);
  await bootNotification(ctx, { chargePointVendor: 'V', chargePointModel: 'M', chargePointSerialNumber: 'CP-SN', chargeBoxSerialNumber: 'BOX-SN' });
  t.equal(ctx.registry.get('CP1')?.boot?.serialNumber, 'CP-SN');
  await bootNotification(ctx, { chargePointVendor: 'V', chargePointModel: 'M2' });
  t.same(ctx.registry.get('CP1')?.boot, { vendor: 'V', model: 'M2', at: '2025-06-01T12:00:00.000Z' });
  t.equal(ctx.store.chargers.get('CP1')?.model, 'M2', 'a new boot replaces the old record');
});

t.test('Heartbeat answers the current time and writes nothing to disk', async (t) => {
  const ctx = handlerContext(t);
  await bootNotification(ctx, { chargePointVendor: 'V', chargePointModel: 'M' });
  ctx.clock.now = new Date('2025-06-01T12:05:00.000Z');
  t.same(await heartbeat(ctx, {}), { currentTime: '2025-06-01T12:05:00.000Z' });
  t.equal(ctx.store.chargers.get('CP1')?.lastSeenAt, '2025-06-01T12:00:00.000Z', 'last seen is written at disconnect, not per heartbeat');
  t.equal(ctx.store.chargers.get('CP1')?.lastBootAt, '2025-06-01T12:00:00.000Z');
});
