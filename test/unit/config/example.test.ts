import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { ConfigError } from '../../../src/config/errors.js';
import { loadConfigFile } from '../../../src/config/load.js';

const EXAMPLE = fileURLToPath(new URL('../../../config/chargegate.example.yaml', import.meta.url));

t.test('the example config validates with its secrets provided', async (t) => {
  const config = loadConfigFile(EXAMPLE, {
    GARAGE_LEFT_PASSWORD: 'left-secret-123',
    GARAGE_RIGHT_PASSWORD: 'right-secret-456',
    CHARGEGATE_HTTP_TOKEN: 'http-token-0123456789',
    CHARGEGATE_HTTP_READ_TOKEN: 'http-read-0123456789',
    MQTT_HA_PASSWORD: 'mqtt-ha-secret',
    MQTT_GRAFANA_PASSWORD: 'mqtt-grafana-secret',
  });
  t.strictSame(config.chargers.list.map((c) => [c.id, c.password]), [
    ['garage-left', 'left-secret-123'],
    ['garage-right', 'right-secret-456'],
  ]);
  t.equal(config.chargers.allowUnknown, false, 'a real site is closed');
  t.equal(config.authorization.mode, 'list');
  t.ok(config.authorization.list.length > 0);
});

t.test('the example config names the secrets it needs', async (t) => {
  const error = t.throws(() => loadConfigFile(EXAMPLE, {})) as ConfigError;
  t.strictSame(error.problems, [
    'chargers.list[0].password: environment variable GARAGE_LEFT_PASSWORD is not set',
    'chargers.list[1].password: environment variable GARAGE_RIGHT_PASSWORD is not set',
    'http.token: environment variable CHARGEGATE_HTTP_TOKEN is not set',
    'http.readToken: environment variable CHARGEGATE_HTTP_READ_TOKEN is not set',
    'mqtt.users[0].password: environment variable MQTT_HA_PASSWORD is not set',
    'mqtt.users[1].password: environment variable MQTT_GRAFANA_PASSWORD is not set',
  ]);
});
