import t from 'tap';
import { ConfigError } from '../../../src/config/errors.js';
import { demoConfig, parseConfig } from '../../../src/config/load.js';
import { resolveMqttOptions } from '../../../src/mqtt/options.js';

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, { env: { PW: 'from-env-secret' }, baseDir: '/' });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

t.test('by default: the embedded broker on loopback, read-only for anonymous clients', async (t) => {
  const options = resolveMqttOptions(parseConfig('', { env: {}, baseDir: '/' }).mqtt);
  t.match(options, { mode: 'embedded', host: '127.0.0.1', port: 1883, users: [], anonymous: 'read', prefix: 'chargegate', throttleMs: 1000, discoveryPrefix: 'homeassistant', showIdTag: false });
  t.match(resolveMqttOptions(demoConfig().mqtt), { mode: 'embedded', host: '127.0.0.1', port: 1883, anonymous: 'read', users: [] });
});

t.test('a url means an external broker; broker: off means no MQTT', async (t) => {
  const external = resolveMqttOptions(parseConfig('mqtt: { url: "mqtt://broker.local:1883", username: ha, password: "${PW}" }', { env: { PW: 'pw-from-env' }, baseDir: '/' }).mqtt);
  t.match(external, { mode: 'external', url: 'mqtt://broker.local:1883', username: 'ha', password: 'pw-from-env' });
  t.strictSame(resolveMqttOptions(parseConfig('mqtt: { broker: "off" }', { env: {}, baseDir: '/' }).mqtt), { mode: 'off' });
});

t.test('listening beyond loopback needs users; anonymous defaults to none there', async (t) => {
  t.strictSame(problemsOf('mqtt: { host: 0.0.0.0 }'), ['mqtt.host: the embedded broker listens beyond loopback on 0.0.0.0: add mqtt.users (or listen on 127.0.0.1)']);
  const text = 'mqtt:\n  host: 0.0.0.0\n  users: [ { username: ha, password: "${PW}" } ]\n';
  t.strictSame(problemsOf(text), []);
  t.match(resolveMqttOptions(parseConfig(text, { env: { PW: 'long-enough' }, baseDir: '/' }).mqtt), { anonymous: 'none', users: [{ username: 'ha', password: 'long-enough', mayCommand: true }] });
  t.match(problemsOf(`${text}  anonymous: read\n`), [/mqtt.anonymous: anonymous: read on 0.0.0.0 lets anyone on the network read the site/]);
});

t.test('keys that belong to the other kind of broker are errors', async (t) => {
  t.strictSame(problemsOf('mqtt: { broker: external }'), ['mqtt.broker: broker: external needs mqtt.url (e.g. mqtt://broker.local:1883)']);
  t.match(problemsOf('mqtt: { url: "mqtt://b:1883", users: [ { username: a, password: "12345678" } ] }'), [/mqtt.users: only for the embedded broker/]);
  t.match(problemsOf('mqtt: { broker: embedded, url: "mqtt://b:1883" }'), [/mqtt.url: is only used with broker: external/]);
  t.match(problemsOf('mqtt: { username: ha }'), [/mqtt.username: is only used with an external broker/]);
  t.match(problemsOf('mqtt: { users: [ { username: a, password: "12345678" }, { username: a, password: "87654321" } ] }'), [/mqtt.users\[1\].username: duplicate user "a"/]);
  t.match(problemsOf('mqtt: { prefix: "a/#" }'), [/mqtt.prefix: /]);
});

t.test('passwords are never shown in errors', async (t) => {
  const problems = problemsOf('mqtt: { users: [ { username: a, password: "short" } ] }').join('\n');
  t.notMatch(problems, /short/);
});

t.test('mqtt.maxPacketSize and mqtt.homeAssistant.user (issue 13)', async (t) => {
  t.match(resolveMqttOptions(parseConfig('', { env: {}, baseDir: '/' }).mqtt), { maxPacketSize: 262_144 }, '256 KiB by default');
  const text = 'mqtt:\n  maxPacketSize: 65536\n  users: [ { username: ha, password: "${PW}", access: read } ]\n  homeAssistant: { user: ha }\n';
  t.strictSame(problemsOf(text), []);
  t.match(resolveMqttOptions(parseConfig(text, { env: { PW: 'long-enough' }, baseDir: '/' }).mqtt), { maxPacketSize: 65_536, homeAssistantUser: 'ha' });
  t.match(problemsOf('mqtt: { maxPacketSize: 100 }'), [/mqtt.maxPacketSize: /]);
  t.strictSame(problemsOf('mqtt: { homeAssistant: { user: nobody } }'), ['mqtt.homeAssistant.user: no user "nobody" in mqtt.users (Home Assistant must log in as a configured user)']);
  t.match(problemsOf('mqtt: { url: "mqtt://b:1883", homeAssistant: { user: ha } }'), [/mqtt.homeAssistant.user: only for the embedded broker; on an external broker its ACLs decide who may publish homeassistant\/status/]);
});
