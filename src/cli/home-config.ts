/**
 * The home config `chargegate init` writes, as commented YAML (pure: the answers and the
 * generated passwords come in, the text goes out). Its shape is config/home.example.yaml's;
 * what it writes is checked by the same loader as any config before it is saved.
 */

export interface HomeCharger {
  id: string;
  /** The charger's password (AuthorizationKey): generated or typed in, never a default. */
  password: string;
  maxCurrent: number;
  phases: 1 | 3;
}

export type HomeBroker =
  | { kind: 'embedded'; password: string }
  | { kind: 'external'; url: string; username?: string }
  | { kind: 'off' };

export interface HomeAnswers {
  chargers: HomeCharger[];
  broker: HomeBroker;
  /** The main fuse, A per phase; undefined: no site section (no load balancing). */
  siteFuse?: number;
  sitePhases: 1 | 3;
  /** Cards that may charge; empty: accept-all (a wallbox without a card reader). */
  cards: string[];
}

/** The idTag Home Assistant's Start button sends (mqtt.startIdTag), listed when cards are. */
export const START_ID_TAG = 'HOME-ASSISTANT';

/** The environment variable an external broker's password is read from. */
export const MQTT_PASSWORD_ENV = 'MQTT_PASSWORD';

const q = (s: string): string => JSON.stringify(s);

export function homeConfigYaml(a: HomeAnswers): string {
  const out: string[] = [
    '# chargegate at home, written by `chargegate init`. Every key: config/chargegate.example.yaml;',
    '# this file\'s shape explained line by line: config/home.example.yaml. Keep it private (mode',
    '# 0600): it holds the passwords below.',
    '',
    '# Each wallbox connects to ws://<this machine\'s address>:9000/ocpp/<id>, user <id>, its password.',
    'chargers:',
    '  list:',
  ];
  for (const c of a.chargers) {
    out.push(`    - id: ${q(c.id)}`, `      password: ${q(c.password)}`, `      maxCurrent: ${c.maxCurrent}`, `      phases: ${c.phases}`);
  }
  out.push('');
  if (a.cards.length === 0) {
    out.push(
      '# Who may charge: every idTag (a wallbox without a card reader needs this). Whoever can plug',
      '# in a car can charge, and whoever may command over MQTT can start a session; the wallboxes',
      '# still need their passwords to connect. With cards: mode: list and a list (chargegate init --card).',
      'authorization:',
      '  mode: accept-all',
    );
  } else {
    out.push('# Who may charge: these cards, and Home Assistant\'s Start button (its idTag).', 'authorization:', '  mode: list', '  list:', `    - idTag: ${START_ID_TAG}`);
    for (const card of a.cards) out.push(`    - idTag: ${q(card)}`);
  }
  out.push('', 'storage:', '  dir: ./data', '');
  out.push(...mqttSection(a.broker));
  if (a.siteFuse !== undefined) {
    out.push(
      '',
      '# The main fuse, A per phase: the wallboxes together never take more than this leaves. Without',
      '# a meter only the wallboxes are counted: give them the share the rest of the house leaves free.',
      'site:',
      '  supply:',
      `    maxCurrent: ${a.siteFuse}`,
      `    phases: ${a.sitePhases}`,
    );
  }
  out.push(
    '',
    '# The dashboard: http://127.0.0.1:8080/ on this machine. From your phone: http.host 0.0.0.0 and a',
    '# token of 16..256 characters (the browser asks for it once per tab).',
    '# http:',
    '#   host: 0.0.0.0',
    '#   token: "${HTTP_TOKEN}"',
    '',
  );
  return out.join('\n');
}

function mqttSection(broker: HomeBroker): string[] {
  switch (broker.kind) {
    case 'off':
      return ['# No MQTT (no Home Assistant).', 'mqtt:', '  broker: "off"'];
    case 'embedded':
      return [
        '# chargegate\'s own MQTT broker, reachable from the home network. In Home Assistant: add the MQTT',
        '# integration with this machine\'s address, port 1883, user homeassistant and this password.',
        'mqtt:',
        '  broker: embedded',
        '  host: 0.0.0.0',
        '  port: 1883',
        '  users:',
        '    - username: homeassistant',
        `      password: ${q(broker.password)}`,
        '      access: command',
        '  anonymous: none',
        `  startIdTag: ${START_ID_TAG}`,
        '  homeAssistant:',
        '    discovery: true',
      ];
    case 'external':
      return [
        '# Your MQTT broker (the one Home Assistant uses). Its password comes from the environment',
        `# variable ${MQTT_PASSWORD_ENV} (remove the line if it needs none).`,
        'mqtt:',
        '  broker: external',
        `  url: ${q(broker.url)}`,
        ...(broker.username !== undefined ? [`  username: ${q(broker.username)}`, `  password: "\${${MQTT_PASSWORD_ENV}}"`] : []),
        `  startIdTag: ${START_ID_TAG}`,
        '  homeAssistant:',
        '    discovery: true',
      ];
  }
}
