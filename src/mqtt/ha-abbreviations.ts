/**
 * Home Assistant discovery configs in Home Assistant's own short form (pure). Its MQTT
 * integration expands documented abbreviations of the config keys ("Supported abbreviations in
 * MQTT discovery messages": homeassistant/components/mqtt/abbreviations.py, ABBREVIATIONS,
 * DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS) and a topic base: a `~` key whose value replaces a
 * `~` at the start of every `…_topic` value and of each availability entry's topic
 * (mqtt/discovery.py). A site of 1,000 chargers keeps 33,000 configs retained; the short form
 * makes them about 30 % smaller (docs/performance.md, "Memory of a 1,000-charger site").
 */

/** The long keys chargegate sends, and Home Assistant's abbreviation of each. */
const KEYS: Readonly<Record<string, string>> = {
  availability: 'avty',
  availability_mode: 'avty_mode',
  availability_topic: 'avty_t',
  command_template: 'cmd_tpl',
  command_topic: 'cmd_t',
  device: 'dev',
  device_class: 'dev_cla',
  entity_category: 'ent_cat',
  icon: 'ic',
  json_attributes_template: 'json_attr_tpl',
  json_attributes_topic: 'json_attr_t',
  options: 'ops',
  origin: 'o',
  payload_available: 'pl_avail',
  payload_not_available: 'pl_not_avail',
  payload_off: 'pl_off',
  payload_on: 'pl_on',
  payload_press: 'pl_prs',
  state_class: 'stat_cla',
  state_topic: 'stat_t',
  unique_id: 'uniq_id',
  unit_of_measurement: 'unit_of_meas',
  value_template: 'val_tpl',
};
const DEVICE_KEYS: Readonly<Record<string, string>> = { configuration_url: 'cu', identifiers: 'ids', manufacturer: 'mf', model: 'mdl', serial_number: 'sn', sw_version: 'sw' };
const ORIGIN_KEYS: Readonly<Record<string, string>> = { sw_version: 'sw' };
const AVAILABILITY_KEYS: Readonly<Record<string, string>> = { topic: 't' };

/**
 * Home Assistant's defaults for an availability topic's payloads (mqtt/const.py
 * DEFAULT_PAYLOAD_AVAILABLE, DEFAULT_PAYLOAD_NOT_AVAILABLE): chargegate says the same, so they
 * need not be sent.
 */
const DEFAULTS: Readonly<Record<string, string>> = { payload_available: 'online', payload_not_available: 'offline' };

/**
 * The config in its short form: abbreviated keys, defaults left out, and `base` (the charger's
 * topic level) said once as `~` when at least one topic starts with it.
 */
export function abbreviated(config: Readonly<Record<string, unknown>>, base?: string): Record<string, unknown> {
  const prefix = base === undefined ? undefined : `${base}/`;
  let usesBase = false;
  const topic = (value: unknown): unknown => {
    if (prefix === undefined || typeof value !== 'string' || !value.startsWith(prefix)) return value;
    usesBase = true;
    return `~${value.slice(base!.length)}`;
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (DEFAULTS[key] === value) continue;
    let short = value;
    if (key.endsWith('_topic')) short = topic(value);
    else if (key === 'device') short = renamed(value as Record<string, unknown>, DEVICE_KEYS);
    else if (key === 'origin') short = renamed(value as Record<string, unknown>, ORIGIN_KEYS);
    else if (key === 'availability') short = (value as Record<string, unknown>[]).map((entry) => renamed({ ...entry, topic: topic(entry.topic) }, AVAILABILITY_KEYS));
    out[KEYS[key] ?? key] = short;
  }
  return usesBase ? { '~': base, ...out } : out;
}

function renamed(object: Readonly<Record<string, unknown>>, names: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) out[names[key] ?? key] = value;
  return out;
}
