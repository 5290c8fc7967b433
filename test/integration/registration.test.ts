/**
 * Issue 14 point 4: a charger whose BootNotification is refused or still pending shows so, with
 * the reason, in the HTTP API, on MQTT and on the dashboard's data; once a boot is accepted,
 * accepted. CP2 is strict, so a BootNotification with an over-long serial gets a CALLERROR
 * (PropertyConstraintViolation) and the charger stays unbooted: before, the API showed it online
 * and Available with nothing to say why it never worked.
 */
import t from 'tap';
import { PASSWORDS, eventually, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { connectClient } from '../helpers/mqtt.js';
import { rawCharger } from '../helpers/raw.js';

const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const BOOT = { chargePointVendor: 'Schneider Electric', chargePointModel: 'EVlink' };

t.test('pending, refused with the reason, then accepted: in the API and on MQTT', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list[1].validation = 'strict';
      c.mqtt = { port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }] };
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
    },
  });
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await mqtt.subscribe('chargegate/chargers/CP2/registration');
  const view = async () => (await api(gw.httpUrl, '/api/chargers/CP2', { token: TOKENS.read })).json;

  const cp2 = await rawCharger(t, gw.url, 'CP2', { password: PASSWORDS.CP2 });
  await mqtt.waitFor('chargegate/chargers/CP2/registration', (p) => p.startsWith('pending: '));
  t.match((await view()).registration, { state: 'pending', reason: /without an accepted BootNotification/, since: String }, 'connected, no boot yet: pending');

  const refused = await cp2.call('b1', 'BootNotification', { ...BOOT, chargeBoxSerialNumber: 'S'.repeat(33) });
  t.match(refused, [4, 'b1', 'PropertyConstraintViolation'], 'the strict charger\'s boot is refused');
  await mqtt.waitFor('chargegate/chargers/CP2/registration', (p) => p.startsWith('refused: '));
  t.match((await view()).registration, { state: 'refused', reason: /BootNotification was refused \(PropertyConstraintViolation: .*chargeBoxSerialNumber/ }, 'refused, and why');
  t.equal((await view()).booted, false);

  t.match(await cp2.call('b2', 'BootNotification', BOOT), [3, 'b2', { status: 'Accepted' }]);
  await mqtt.waitFor('chargegate/chargers/CP2/registration', (p) => p === 'accepted');
  t.match((await view()).registration, { state: 'accepted' }, 'a valid boot: accepted');

  cp2.ws.close();
  await eventually(() => gw.app.gateway.registry.get('CP2')?.online === false, 'CP2 gone');
  await mqtt.waitFor('chargegate/chargers/CP2/registration', (p) => p === 'offline');
  t.match((await view()).registration, { state: 'offline' });
});
