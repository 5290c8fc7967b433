import t from 'tap';
import { forwardAllowed, mayTriggerDiscovery, publishDecision, subscribeDecision } from '../../../src/mqtt/access.js';
import { Topics } from '../../../src/mqtt/topics.js';

const topics = new Topics('chargegate');
const commander = { username: 'ha', mayCommand: true };
const reader = { username: 'grafana', mayCommand: false };
const anonymous = { mayCommand: false };
const START = 'chargegate/chargers/CP1/connectors/1/start/set';

t.test('writes: commands from command users; birth messages from command users and the Home Assistant user; nothing else', async (t) => {
  t.match(publishDecision(START, commander, topics, 'homeassistant', undefined), { action: 'accept', kind: 'command' });
  t.match(publishDecision(START, reader, topics, 'homeassistant', undefined), { action: 'drop', kind: 'command', reason: /user "grafana" may not send commands/ });
  t.match(publishDecision(START, anonymous, topics, 'homeassistant', undefined), { action: 'drop', kind: 'command', reason: /anonymous clients may not send commands/ });
  t.match(publishDecision('homeassistant/status', commander, topics, 'homeassistant', undefined), { action: 'accept', kind: 'discovery-status' });
  t.match(publishDecision('homeassistant/status', anonymous, topics, 'homeassistant', undefined), { action: 'drop', kind: 'discovery-status' });
  t.match(publishDecision('homeassistant/status', reader, topics, 'homeassistant', undefined), { action: 'drop', kind: 'discovery-status', reason: /only command users may publish homeassistant\/status/ });
  t.match(publishDecision('homeassistant/status', reader, topics, 'homeassistant', 'grafana'), { action: 'accept' });
  t.match(publishDecision('homeassistant/status', anonymous, topics, 'homeassistant', 'grafana'), { action: 'drop', reason: /and "grafana" \(mqtt.homeAssistant.user\)/ });
  t.match(publishDecision('homeassistant/status', commander, topics, undefined, undefined), { action: 'disconnect' }, 'discovery off: not a topic anyone writes');
  t.match(publishDecision('chargegate/chargers/CP1/status', commander, topics, 'homeassistant', undefined), { action: 'disconnect', reason: /may write only command topics/ });
  t.equal(mayTriggerDiscovery(undefined, undefined), true, 'an external broker: its ACLs decided');
});

t.test('subscriptions: no command topics and no $ topics for read users and anonymous clients', async (t) => {
  for (const sender of [reader, anonymous]) {
    t.match(subscribeDecision('chargegate/chargers/+/connectors/+/+/set', sender), { action: 'refuse', kind: 'command-topics' });
    t.match(subscribeDecision(START, sender), { action: 'refuse', kind: 'command-topics' });
    t.match(subscribeDecision('$SYS/#', sender), { action: 'refuse', kind: 'system-topics' });
    t.match(subscribeDecision('#', sender), { action: 'accept' }, 'wide filters are fine: forwarding leaves the commands out');
    t.match(subscribeDecision('chargegate/#', sender), { action: 'accept' });
    t.match(subscribeDecision('chargegate/chargers/+/connectors/+/start/result', sender), { action: 'accept' });
  }
  t.match(subscribeDecision('$SYS/#', commander), { action: 'accept' });
  t.match(subscribeDecision('chargegate/+/+/+/set', commander), { action: 'accept' });
});

t.test('forwarding: command topics reach command users only', async (t) => {
  t.equal(forwardAllowed(START, commander, topics), true);
  t.equal(forwardAllowed(START, reader, topics), false);
  t.equal(forwardAllowed(START, undefined, topics), false);
  t.equal(forwardAllowed('chargegate/chargers/CP1/connectors/1/start/result', reader, topics), true);
  t.equal(forwardAllowed('other/thing/set', reader, topics), true, 'not under the prefix: not a command topic');
  t.equal(forwardAllowed('chargegate/chargers/CP1/connectors/1/power', anonymous, topics), true);
});
