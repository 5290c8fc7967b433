/**
 * Home Assistant's own rules for MQTT discovery payloads, as far as chargegate's entities use
 * them, so a test can say "Home Assistant would accept this" without running Home Assistant.
 *
 * Sources (read, not copied): homeassistant/components/sensor/const.py (DEVICE_CLASS_UNITS,
 * DEVICE_CLASS_STATE_CLASSES), binary_sensor/__init__.py (BinarySensorDeviceClass),
 * button (ButtonDeviceClass), number (min < max, step, mode), select (options; the state one of
 * them), event.mqtt (event_types; the
 * message is JSON with an event_type among them), and the MQTT integration's abbreviations of
 * the config keys. A template is rendered by its JavaScript twin below: an entity with a
 * template this file does not know fails, so nothing is waved through.
 */
import { TEMPLATES } from '../../src/mqtt/discovery.js';

type Config = Record<string, unknown>;

/** Units and state classes per sensor device class (the ones that matter to an EV charger). */
const SENSOR_CLASSES: Record<string, { units: (string | undefined)[]; stateClasses: string[] }> = {
  current: { units: ['A', 'mA'], stateClasses: ['measurement'] },
  voltage: { units: ['V', 'mV', 'µV', 'kV', 'MV'], stateClasses: ['measurement'] },
  power: { units: ['W', 'kW', 'MW', 'GW', 'TW'], stateClasses: ['measurement'] },
  energy: { units: ['Wh', 'kWh', 'MWh', 'GWh', 'TWh', 'mWh', 'MJ', 'GJ', 'cal', 'kcal', 'Mcal', 'Gcal'], stateClasses: ['total', 'total_increasing'] },
  battery: { units: ['%'], stateClasses: ['measurement'] },
  duration: { units: ['d', 'h', 'min', 's', 'ms'], stateClasses: ['measurement', 'total', 'total_increasing'] },
  monetary: { units: [], stateClasses: ['total'] },
  enum: { units: [undefined], stateClasses: [] },
  timestamp: { units: [undefined], stateClasses: [] },
};
const BINARY_CLASSES = ['battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light', 'lock', 'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke', 'sound', 'tamper', 'update', 'vibration', 'window'];
const BUTTON_CLASSES = ['identify', 'restart', 'update'];
const EVENT_CLASSES = ['button', 'doorbell', 'motion'];
const STATE_CLASSES = ['measurement', 'total', 'total_increasing'];

const COMMON = ['name', 'unique_id', 'object_id', 'icon', 'device', 'origin', 'availability', 'availability_mode', 'availability_topic', 'payload_available', 'payload_not_available', 'entity_category', 'enabled_by_default', 'device_class', 'qos', 'json_attributes_topic', 'json_attributes_template'];
const KEYS: Record<string, string[]> = {
  sensor: [...COMMON, 'state_topic', 'value_template', 'unit_of_measurement', 'state_class', 'options', 'expire_after', 'force_update', 'suggested_display_precision'],
  binary_sensor: [...COMMON, 'state_topic', 'value_template', 'payload_on', 'payload_off', 'expire_after', 'force_update', 'off_delay'],
  switch: [...COMMON, 'state_topic', 'value_template', 'command_topic', 'payload_on', 'payload_off', 'state_on', 'state_off', 'optimistic', 'retain'],
  number: [...COMMON, 'state_topic', 'value_template', 'command_topic', 'command_template', 'min', 'max', 'step', 'mode', 'unit_of_measurement', 'optimistic', 'retain', 'payload_reset'],
  button: [...COMMON, 'command_topic', 'command_template', 'payload_press', 'retain'],
  event: [...COMMON, 'state_topic', 'value_template', 'event_types'],
  select: [...COMMON, 'state_topic', 'value_template', 'command_topic', 'command_template', 'options', 'optimistic', 'retain'],
};

/**
 * Home Assistant's abbreviations of config keys (mqtt/abbreviations.py: ABBREVIATIONS,
 * DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS), as far as an EV charger's entities could use
 * them. Written here from Home Assistant's tables, not from chargegate's: a key chargegate
 * shortens in a way Home Assistant does not know stays unknown, and the checks below fail.
 */
const ABBREVIATIONS: Record<string, string> = {
  avty: 'availability', avty_mode: 'availability_mode', avty_t: 'availability_topic', avty_tpl: 'availability_template',
  cmd_t: 'command_topic', cmd_tpl: 'command_template', dev: 'device', dev_cla: 'device_class', en: 'enabled_by_default',
  ent_cat: 'entity_category', exp_aft: 'expire_after', frc_upd: 'force_update', ic: 'icon', json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template', o: 'origin', obj_id: 'object_id', off_dly: 'off_delay', ops: 'options', opt: 'optimistic',
  pl_avail: 'payload_available', pl_not_avail: 'payload_not_available', pl_off: 'payload_off', pl_on: 'payload_on', pl_prs: 'payload_press',
  pl_rst: 'payload_reset', ret: 'retain', stat_cla: 'state_class', stat_off: 'state_off', stat_on: 'state_on', stat_t: 'state_topic',
  uniq_id: 'unique_id', unit_of_meas: 'unit_of_measurement', val_tpl: 'value_template',
};
const DEVICE_ABBREVIATIONS: Record<string, string> = { cns: 'connections', cu: 'configuration_url', hw: 'hw_version', ids: 'identifiers', mf: 'manufacturer', mdl: 'model', mdl_id: 'model_id', sa: 'suggested_area', sn: 'serial_number', sw: 'sw_version' };
const ORIGIN_ABBREVIATIONS: Record<string, string> = { sw: 'sw_version', url: 'support_url' };
/** mqtt/const.py: what an availability topic's payloads are when the config does not say. */
const AVAILABILITY_DEFAULTS = { payload_available: 'online', payload_not_available: 'offline' };

/**
 * A discovery payload as Home Assistant reads it (mqtt/discovery.py): abbreviated keys expanded
 * (in the config, its device, its origin and each availability entry), then the topic base `~`
 * put in place of a `~` at the start or end of every key ending in `topic` and of each
 * availability entry's topic; the availability payloads' defaults filled in where a config has
 * an availability topic but does not name them. Configs in long form come back unchanged (but
 * for those defaults), so every check below works on either.
 */
export function haConfig(payload: string | Config): Record<string, any> {
  const raw = typeof payload === 'string' ? (JSON.parse(payload) as Config) : payload;
  const expand = (object: Config, names: Record<string, string>): Config => Object.fromEntries(Object.entries(object).map(([k, v]) => [names[k] ?? k, v]));
  const config = expand(raw, ABBREVIATIONS);
  if (config.device && typeof config.device === 'object') config.device = expand(config.device as Config, DEVICE_ABBREVIATIONS);
  if (config.origin && typeof config.origin === 'object') config.origin = expand(config.origin as Config, ORIGIN_ABBREVIATIONS);
  if (Array.isArray(config.availability)) config.availability = config.availability.map((entry: Config) => expand(entry, { t: 'topic' }));
  const base = config['~'];
  if (typeof base === 'string') {
    const put = (value: unknown) => (typeof value !== 'string' ? value : value.startsWith('~') ? `${base}${value.slice(1)}` : value.endsWith('~') ? `${value.slice(0, -1)}${base}` : value);
    for (const key of Object.keys(config)) if (key.endsWith('topic')) config[key] = put(config[key]);
    if (Array.isArray(config.availability)) for (const entry of config.availability as Config[]) entry.topic = put(entry.topic);
    delete config['~'];
  }
  if (config.availability !== undefined || config.availability_topic !== undefined) return { ...config, ...AVAILABILITY_DEFAULTS, ...config };
  return config;
}

/** What is wrong with one discovery config (empty: Home Assistant accepts it). Abbreviated configs are expanded first. */
export function discoveryProblems(component: string, given: Config): string[] {
  const config = haConfig(given);
  const out: string[] = [];
  const allowed = KEYS[component];
  if (!allowed) return [`unknown component ${component}`];
  for (const key of Object.keys(config)) if (!allowed.includes(key)) out.push(`${key} is not a ${component} option`);
  if (typeof config.unique_id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(config.unique_id)) out.push('unique_id missing or not [A-Za-z0-9_-]');
  if (typeof config.name !== 'string' || config.name.length === 0) out.push('name missing');
  const device = config.device as Config | undefined;
  if (!device || !Array.isArray(device.identifiers) || device.identifiers.length === 0) out.push('device.identifiers missing');
  // "Sharing of device configuration" (Home Assistant's mqtt.markdown): a config that links to a
  // device needs at least one of connections and identifiers, and the device's name.
  if (device && (typeof device.name !== 'string' || device.name.length === 0)) out.push('device.name missing');
  if (device?.configuration_url !== undefined && !/^(https?|homeassistant):\/\/\S+$/.test(String(device.configuration_url))) out.push('device.configuration_url is not a URL');
  if (config.availability === undefined && config.availability_topic === undefined) out.push('no availability');
  if (config.entity_category !== undefined && !['config', 'diagnostic'].includes(config.entity_category as string)) out.push(`entity_category ${String(config.entity_category)}`);
  if (config.qos !== undefined && ![0, 1, 2].includes(config.qos as number)) out.push('qos not 0, 1 or 2');
  if (config.value_template !== undefined && renderer(config.value_template as string) === undefined) out.push(`value_template not known to the validator: ${String(config.value_template)}`);
  if (config.json_attributes_template !== undefined && renderer(config.json_attributes_template as string) === undefined) out.push(`json_attributes_template not known to the validator: ${String(config.json_attributes_template)}`);
  if (config.json_attributes_template !== undefined && config.json_attributes_topic === undefined) out.push('json_attributes_template without json_attributes_topic');
  const readable = ['sensor', 'binary_sensor', 'event'].includes(component);
  if (readable && typeof config.state_topic !== 'string') out.push('state_topic missing');
  if (['switch', 'number', 'button', 'select'].includes(component) && typeof config.command_topic !== 'string') out.push('command_topic missing');
  const dc = config.device_class as string | undefined;
  switch (component) {
    case 'sensor': {
      if (config.entity_category === 'config') out.push('a sensor cannot be a config entity');
      const unit = config.unit_of_measurement as string | undefined;
      const sc = config.state_class as string | undefined;
      if (sc !== undefined && !STATE_CLASSES.includes(sc)) out.push(`state_class ${sc}`);
      if (dc !== undefined) {
        const rule = SENSOR_CLASSES[dc];
        if (!rule) out.push(`sensor device_class ${dc} unknown to the validator`);
        else {
          // monetary: any ISO 4217 currency code is its unit (sensor/const.py validates it against the list).
          const unitFits = dc === 'monetary' ? typeof unit === 'string' && /^[A-Z]{3}$/.test(unit) : rule.units.includes(unit);
          if (!unitFits) out.push(`unit ${String(unit)} does not go with device_class ${dc}`);
          if (sc !== undefined && !rule.stateClasses.includes(sc)) out.push(`state_class ${sc} does not go with device_class ${dc}`);
        }
      }
      if (dc === 'enum' && (!Array.isArray(config.options) || config.options.length === 0)) out.push('an enum sensor needs options');
      if (config.options !== undefined && dc !== 'enum') out.push('options need device_class enum');
      break;
    }
    case 'binary_sensor':
      if (dc !== undefined && !BINARY_CLASSES.includes(dc)) out.push(`binary_sensor device_class ${dc}`);
      break;
    case 'button':
      if (dc !== undefined && !BUTTON_CLASSES.includes(dc)) out.push(`button device_class ${dc}`);
      if (config.payload_press !== undefined && typeof config.payload_press !== 'string') out.push('payload_press must be a string');
      break;
    case 'number': {
      const { min = 1, max = 100, step = 1, mode = 'auto' } = config as { min?: number; max?: number; step?: number; mode?: string };
      if (!(typeof min === 'number' && typeof max === 'number' && min < max)) out.push('number min must be below max');
      if (!(typeof step === 'number' && step >= 0.001)) out.push('number step must be at least 0.001');
      if (!['auto', 'box', 'slider'].includes(mode)) out.push(`number mode ${mode}`);
      if (dc !== undefined) {
        const rule = SENSOR_CLASSES[dc];
        if (!rule || !rule.units.includes(config.unit_of_measurement as string | undefined)) out.push(`number unit ${String(config.unit_of_measurement)} does not go with device_class ${dc}`);
      }
      if (config.command_template !== undefined && !String(config.command_template).includes('{{ value }}')) out.push('command_template does not use the value');
      break;
    }
    case 'select':
      if (!Array.isArray(config.options) || config.options.length === 0 || !config.options.every((o) => typeof o === 'string')) out.push('select options must be a list of strings');
      if (dc !== undefined) out.push('a select has no device_class');
      break;
    case 'event':
      if (!Array.isArray(config.event_types) || config.event_types.length === 0 || !config.event_types.every((e) => typeof e === 'string')) out.push('event_types must be a list of strings');
      if (dc !== undefined && !EVENT_CLASSES.includes(dc)) out.push(`event device_class ${dc}`);
      break;
  }
  return out;
}

/**
 * Whether Home Assistant takes this state topic payload for the entity: what its template
 * makes of it fits the entity (a number where a number goes, one of the enum's options, a
 * payload_on or payload_off, an event type it lists). undefined: accepted; else why not.
 */
export function stateProblem(component: string, given: Config, payload: string, nowMs = Date.now()): string | undefined {
  const config = haConfig(given);
  const render = config.value_template === undefined ? (v: string) => v : renderer(config.value_template as string);
  if (!render) return 'unknown template';
  let state: string;
  try {
    state = render(payload, nowMs);
  } catch (err) {
    return `template fails on ${JSON.stringify(payload)}: ${(err as Error).message}`;
  }
  const numeric = config.unit_of_measurement !== undefined || config.state_class !== undefined;
  switch (component) {
    case 'sensor':
      if (state === 'None') return undefined;
      // sensor/__init__.py: a timestamp state is an ISO 8601 time with its zone.
      if (config.device_class === 'timestamp') return /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(state) && Number.isFinite(Date.parse(state)) ? undefined : `${JSON.stringify(state)} is not a time with a zone`;
      if (config.device_class === 'enum') return (config.options as string[]).includes(state) ? undefined : `${state} is not one of the options`;
      if (numeric && !Number.isFinite(Number(state))) return `${JSON.stringify(state)} is not a number`;
      if (state.length > 255) return 'a state is at most 255 characters';
      return undefined;
    case 'binary_sensor': {
      const on = (config.payload_on as string | undefined) ?? 'ON';
      const off = (config.payload_off as string | undefined) ?? 'OFF';
      return state === on || state === off ? undefined : `${state} is neither ${on} nor ${off}`;
    }
    case 'switch': {
      const on = (config.state_on ?? config.payload_on ?? 'ON') as string;
      const off = (config.state_off ?? config.payload_off ?? 'OFF') as string;
      return state === on || state === off ? undefined : `${state} is neither ${on} nor ${off}`;
    }
    case 'number': {
      const n = Number(state);
      if (!Number.isFinite(n)) return `${JSON.stringify(state)} is not a number`;
      const { min = 1, max = 100 } = config as { min?: number; max?: number };
      return n >= min && n <= max ? undefined : `${n} is outside ${min}..${max}`;
    }
    case 'select':
      return (config.options as string[]).includes(state) ? undefined : `${state} is not one of the options`;
    case 'event': {
      let json: unknown;
      try {
        json = JSON.parse(state);
      } catch {
        return 'an event state must be JSON';
      }
      const type = (json as { event_type?: unknown }).event_type;
      return (config.event_types as string[]).includes(type as string) ? undefined : `event_type ${String(type)} is not in event_types`;
    }
    default:
      return undefined;
  }
}

/** The attributes Home Assistant sets from a json_attributes_topic payload (mqtt/mixins.py: the template's result must be a JSON object; anything else sets none). */
export function attributesOf(given: Config, payload: string): Record<string, unknown> | string {
  const config = haConfig(given);
  const render = config.json_attributes_template === undefined ? (v: string) => v : renderer(config.json_attributes_template as string);
  if (!render) return 'unknown template';
  try {
    const parsed: unknown = JSON.parse(render(payload, Date.now()));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : 'not a JSON object';
  } catch {
    return 'not JSON';
  }
}

/** The JavaScript twin of each template chargegate sends (Jinja as Home Assistant renders it). */
function renderer(template: string): ((value: string, nowMs: number) => string) | undefined {
  const json = (value: string) => JSON.parse(value) as Record<string, unknown>;
  const known: Record<string, (value: string, nowMs: number) => string> = {
    [TEMPLATES.noneAsUnknown]: (v) => (v === 'none' ? 'None' : v),
    [TEMPLATES.charging]: (v) => (v === 'Charging' ? 'ON' : 'OFF'),
    [TEMPLATES.plugged]: (v) => (['Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing'].includes(v) ? 'ON' : 'OFF'),
    [TEMPLATES.problem]: (v) => (v === 'NoError' ? 'OFF' : 'ON'),
    [TEMPLATES.text]: (v) => v.slice(0, 255),
    [TEMPLATES.sessionEnergy]: (v) => String(json(v).energyWh ?? ''),
    [TEMPLATES.planStatus]: (v) => (v === 'none' ? 'none' : String(json(v).status)),
    [TEMPLATES.planAttributes]: (v) => (v === 'none' ? '{}' : v),
    [TEMPLATES.planFinish]: (v) => (v === 'none' || json(v).expectedFinish === null ? 'None' : String(json(v).expectedFinish)),
    [TEMPLATES.sessionDuration]: (v, nowMs) => {
      const s = json(v);
      const start = Date.parse(String(s.startedAt));
      const end = s.stoppedAt !== undefined ? Date.parse(String(s.stoppedAt)) : nowMs;
      if (!Number.isFinite(start) || !Number.isFinite(end)) throw new Error('as_timestamp of a non-time');
      return String(Math.round((end - start) / 1000));
    },
  };
  if (known[template]) return known[template];
  const noneAs = /^\{\{ (\d+(?:\.\d+)?) if value == 'none' else value \}\}$/.exec(template);
  if (noneAs) return (v) => (v === 'none' ? noneAs[1]! : v);
  const event = /^\{\{ dict\(value_json, event_type='([a-z_]+)'\) \| tojson \}\}$/.exec(template);
  if (event) return (v) => JSON.stringify({ ...json(v), event_type: event[1] });
  return undefined;
}

/**
 * What is wrong with how a set of discovery configs describes their devices (empty: nothing).
 * Home Assistant ("Sharing of device configuration" in its MQTT docs) lets one config carry the
 * full device and the others link to it with its identifiers and name; chargegate does exactly
 * that (issue #19, memory): per device (the node level of the topic) one config with the full
 * device (maker and model at least) and the origin, every other one `device: { identifiers, name }`
 * and no origin, all with the same identifiers and name. With `ordered`, the full one must also
 * come first among its device's configs (as chargegate publishes them; a broker handing out its
 * retained store need not keep that order).
 */
export function deviceProblems(messages: readonly { topic: string; payload: string | Config }[], { ordered = true }: { ordered?: boolean } = {}): string[] {
  const out: string[] = [];
  const byNode = new Map<string, { object: string; config: Record<string, any> }[]>();
  for (const m of messages) {
    if (m.payload === '') continue;
    const [, , node, object] = m.topic.split('/');
    byNode.set(node!, [...(byNode.get(node!) ?? []), { object: object!, config: haConfig(m.payload) }]);
  }
  for (const [node, configs] of byNode) {
    const full = configs.filter((c) => c.config.device?.manufacturer !== undefined || c.config.device?.model !== undefined);
    if (full.length !== 1) out.push(`${node}: ${full.length} configs carry the full device (${full.map((c) => c.object).join(', ') || 'none'}), not one`);
    const first = full[0];
    if (first && !(typeof first.config.device.manufacturer === 'string' && typeof first.config.device.model === 'string')) out.push(`${node}: the full device of ${first.object} lacks the maker or the model`);
    if (first && typeof first.config.origin?.name !== 'string') out.push(`${node}: ${first.object}, the full device, has no origin`);
    if (ordered && first && configs[0] !== first) out.push(`${node}: the full device is on ${first.object}, not on the first config (${configs[0]!.object})`);
    const [ids, name] = [JSON.stringify(configs[0]!.config.device?.identifiers), configs[0]!.config.device?.name];
    for (const c of configs) {
      const device = c.config.device as Config | undefined;
      if (JSON.stringify(device?.identifiers) !== ids || device?.name !== name) out.push(`${node}: ${c.object} names another device (${JSON.stringify(device?.identifiers)}, ${String(device?.name)})`);
      if (c === first) continue;
      const keys = Object.keys(device ?? {}).sort();
      if (JSON.stringify(keys) !== JSON.stringify(['identifiers', 'name'])) out.push(`${node}: ${c.object} links to the device with ${keys.join(', ') || 'nothing'}, not identifiers and name`);
      if (c.config.origin !== undefined) out.push(`${node}: ${c.object} repeats the origin`);
    }
  }
  return out;
}

/** mqtt/schemas.py SHARED_OPTIONS: what a device config's body gives each component that does not say it itself. */
const SHARED_OPTIONS = ['availability', 'availability_mode', 'availability_template', 'availability_topic', 'command_topic', 'payload_available', 'payload_not_available', 'state_topic'];

export interface DeviceComponent {
  component: string;
  object: string;
  /** The per-entity topic with the same discovery id (`<prefix>/<component>/<node>/<object>/config`). */
  topic: string;
  /** As Home Assistant reads it (haConfig): long keys, `~` replaced, the device and the origin in it. */
  config: Record<string, any>;
}

/**
 * A device-based discovery config (`<prefix>/device/<node>/config`) as Home Assistant 2024.11+
 * splits it (mqtt/discovery.py: _parse_device_payload, _merge_common_device_options): its body
 * must have the device (with identifiers), the origin (with a name) and the components (each
 * with its platform `p`); every component gets the device, the origin and the shared options it
 * does not set; its own `~` is then replaced. Written from Home Assistant's code, not from
 * chargegate's. A component with both an availability list and an availability topic (one of
 * them inherited) is refused, as Home Assistant's schema refuses it.
 */
export function deviceComponents(topic: string, payload: string): { problems: string[]; components: DeviceComponent[] } {
  const problems: string[] = [];
  const [prefix, kind, node] = topic.split('/');
  if (kind !== 'device' || topic.split('/').length !== 4) problems.push(`${topic} is not a device discovery topic`);
  const raw = JSON.parse(payload) as Config;
  const expand = (object: Config, names: Record<string, string>): Config => Object.fromEntries(Object.entries(object).map(([k, v]) => [names[k] ?? k, v]));
  const body = expand(raw, { ...ABBREVIATIONS, cmps: 'components' });
  const device = body.device && typeof body.device === 'object' ? expand(body.device as Config, DEVICE_ABBREVIATIONS) : undefined;
  const origin = body.origin && typeof body.origin === 'object' ? expand(body.origin as Config, ORIGIN_ABBREVIATIONS) : undefined;
  if (!device || !Array.isArray(device.identifiers) || device.identifiers.length === 0) problems.push(`${topic}: no device identifiers`);
  if (typeof origin?.name !== 'string') problems.push(`${topic}: no origin name`);
  if (Array.isArray(body.availability)) body.availability = body.availability.map((entry: Config) => expand(entry, { t: 'topic' }));
  const cmps = body.components;
  if (!cmps || typeof cmps !== 'object' || Array.isArray(cmps)) return { problems: [...problems, `${topic}: no components`], components: [] };
  const components: DeviceComponent[] = [];
  for (const [object, given] of Object.entries(cmps as Record<string, Config>)) {
    const own = expand(given, { ...ABBREVIATIONS, p: 'platform' });
    if (Array.isArray(own.availability)) own.availability = own.availability.map((entry: Config) => expand(entry, { t: 'topic' }));
    const component = own.platform;
    if (typeof component !== 'string') {
      problems.push(`${topic}: component ${object} has no platform`);
      continue;
    }
    delete own.platform;
    for (const option of SHARED_OPTIONS) if (option in body && !(option in own)) own[option] = body[option];
    if (own.availability !== undefined && own.availability_topic !== undefined) problems.push(`${topic}: component ${object} has both an availability list and an availability topic`);
    const config = haConfig({ ...own, device, origin });
    components.push({ component, object, topic: `${prefix}/${component}/${node}/${object}/config`, config });
  }
  return { problems, components };
}
