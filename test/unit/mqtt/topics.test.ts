import t from 'tap';
import { idFromLevel, idLevel, matchesFilter, Topics } from '../../../src/mqtt/topics.js';

const topics = new Topics('site1/chargegate');

t.test('state, event and command topics follow the documented layout', async (t) => {
  t.equal(topics.status, 'site1/chargegate/status');
  t.equal(topics.charger('CP1', 'connected'), 'site1/chargegate/chargers/CP1/connected');
  t.equal(topics.connector('CP1', 2, 'current/L3'), 'site1/chargegate/chargers/CP1/connectors/2/current/L3');
  t.equal(topics.event('CP1', 'session-ended'), 'site1/chargegate/chargers/CP1/event/session-ended');
  t.equal(topics.site('grid/current/L1'), 'site1/chargegate/site/grid/current/L1');
  t.equal(topics.gateway('outbox'), 'site1/chargegate/gateway/outbox');
  t.equal(topics.connectorCommand('CP1', 1, 'start'), 'site1/chargegate/chargers/CP1/connectors/1/start/set');
  t.equal(topics.resultTopic(topics.connectorCommand('CP1', 1, 'start')), 'site1/chargegate/chargers/CP1/connectors/1/start/result');
});

t.test('a + in a charger id never becomes a wildcard', async (t) => {
  t.equal(idLevel('a+b+c'), 'a%2Bb%2Bc');
  t.equal(idFromLevel(idLevel('a+b')), 'a+b');
  t.strictSame(topics.parseCommand(topics.chargerCommand('a+b', 'reset')), { target: 'charger', chargerId: 'a+b', command: 'reset' });
});

t.test('command topics are parsed, unknown ones explained', async (t) => {
  t.strictSame(topics.parseCommand('site1/chargegate/chargers/CP1/connectors/2/stop/set'), { target: 'connector', chargerId: 'CP1', connectorId: 2, command: 'stop' });
  t.strictSame(topics.parseCommand('site1/chargegate/site/limit/set'), { target: 'site', command: 'limit' });
  t.strictSame(topics.parseCommand('site1/chargegate/chargers/CP1/ocpp/SetVariables/set'), { target: 'ocpp', chargerId: 'CP1', action: 'SetVariables' }, 'a 2.0.1 device model action');
  t.match(topics.parseCommand('site1/chargegate/chargers/CP1/ocpp/NotifyReport/set'), { unknown: /unknown OCPP command "NotifyReport"/ });
  t.match(topics.parseCommand('site1/chargegate/chargers/CP1/explode/set'), { unknown: /unknown charger command "explode"/ });
  t.match(topics.parseCommand('site1/chargegate/chargers/CP1/connectors/0/start/set'), { unknown: /connector must be a number from 1/ });
  t.match(topics.parseCommand('site1/chargegate/chargers/CP1/connectors/1/start'), { unknown: 'not a command topic' });
  t.match(topics.parseCommand('site1/chargegate/other/set'), { unknown: /unknown command topic/ });
  t.ok(topics.isCommandTopic('site1/chargegate/x/set'));
  t.notOk(topics.isCommandTopic('other/x/set'));
});

t.test('a removed charger’s state topics cover every connector', async (t) => {
  const list = topics.chargerStateTopics('CP9', 2);
  t.ok(list.includes('site1/chargegate/chargers/CP9/connected'));
  t.ok(list.includes('site1/chargegate/chargers/CP9/connectors/2/session'));
  for (const leaf of ['controlled', 'uncontrolledReason']) t.ok(list.includes(`site1/chargegate/chargers/CP9/${leaf}`), `${leaf} is cleared too`);
  for (const leaf of ['limit', 'limitReason', 'limitAccepted', 'limitInFlight']) t.ok(list.includes(`site1/chargegate/chargers/CP9/connectors/2/${leaf}`), `${leaf} is cleared too`);
  t.notOk(list.some((topic) => topic.includes('/connectors/3/')));
});

t.test('a topic filter matches topic names as MQTT 3.1.1 §4.7 says', async (t) => {
  const cases: [string, string, boolean][] = [
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/b', 'a/bc', false],
    ['a/bc', 'a/b', false],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['#', 'a', true],
    ['#', 'a/b/c', true],
    ['#', '/', true],
    ['a/#', 'a', true], // the parent level too [MQTT-4.7.1-2]
    ['a/#', 'a/b/c', true],
    ['a/#', 'ab', false],
    ['a/#', 'b/a', false],
    ['+', 'a', true],
    ['+', 'a/b', false],
    ['+', '/a', false],
    ['+/+', '/a', true], // an empty level is a level
    ['/+', '/a', true],
    ['a/+', 'a', false],
    ['a/+', 'a/', true],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['+/b/#', 'a/b', true],
    ['+/b/#', 'a/b/c/d', true],
    ['+/b/#', 'a/c/b', false],
    ['hello/+/world/#', 'hello/there/world/creatures', true],
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
    ['#', '$SYS/x', false], // [MQTT-4.7.2-1]
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['$SYS/+', '$SYS/x', true],
    ['a/#', 'a/$b', true],
    ['chargegate/chargers/+/connectors/+/status', 'chargegate/chargers/CP1/connectors/2/status', true],
    ['chargegate/chargers/+/connectors/+/status', 'chargegate/chargers/CP1/status', false],
  ];
  for (const [filter, topic, expected] of cases) t.equal(matchesFilter(filter, topic), expected, `${filter} ${expected ? 'matches' : 'does not match'} ${topic}`);
});
