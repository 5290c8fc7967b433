/**
 * The attacks of issue 13, run against the gateway in rounds while the soak goes on: what an
 * attacker on the site's LAN (or a buggy client) does. Each round tallies what was tried and
 * what got through; a gateway that falls over is caught as a crash by the process watcher.
 *
 * MQTT: a read user subscribed to everything (it must never see a `…/set` command), Home
 * Assistant birth floods, CONNECTs declaring a huge packet, `…/set` forgeries by the read user.
 * HTTP: bodies trickled byte by byte, commands without Content-Type, a wrong Host.
 * OCPP: a charger pipelining Heartbeats and MeterValues, refused upgrades with long URLs,
 * malformed frames (after which the charger must still be answered).
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { request } from 'node:http';
import { connect as mqttConnect, type MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { chargerPassword, FLOOD_CHARGER, JUNK_CHARGER, SECRETS, type SoakPorts } from './config.js';

/** Where the attacker connects from: 127.0.0.0/8 is all this machine's, and the chargers use 127.0.0.1. */
const ATTACKER_ADDRESS = '127.0.0.66';

export interface AttackTally {
  /** Attempts per attack. */
  tried: Record<string, number>;
  /** Attempts that got what they should not have, per attack, with an example each. */
  through: Record<string, number>;
  examples: string[];
  /** Attacks that could not be made, and why. */
  failed: string[];
}

const PREFIX = 'chargegate';

export class Attacker {
  readonly tally: AttackTally = { tried: {}, through: {}, examples: [], failed: [] };
  private reader: MqttClient | undefined;
  private readonly sockets = new Set<Socket | WebSocket>();
  /** Messages the read user's subscription delivered. */
  mqttReceived = 0;

  constructor(private readonly ports: SoakPorts, private readonly random: () => number) {}

  /** The read user's subscription on everything; it reconnects by itself across kills. */
  startReader(): void {
    const c = mqttConnect(`mqtt://127.0.0.1:${this.ports.mqtt}`, { protocolVersion: 4, username: SECRETS.mqttRead.username, password: SECRETS.mqttRead.password, reconnectPeriod: 1000, connectTimeout: 5000 });
    c.on('connect', () => c.subscribe(['#', '$SYS/#'], { qos: 0 }));
    c.on('message', (topic) => {
      this.mqttReceived++;
      if (topic.endsWith('/set')) this.hit('mqtt read user sees …/set', `the read user received ${topic}`);
      if (topic.startsWith('$SYS')) this.hit('mqtt read user sees $SYS', `the read user received ${topic}`);
    });
    c.on('error', () => undefined);
    this.reader = c;
  }

  /** One round of every attack; resolves when the round's probes have their outcome. */
  async round(): Promise<void> {
    const results = await Promise.allSettled([
      this.mqttForgeries(),
      this.birthFlood(),
      this.oversizedConnect(),
      this.httpNoContentType(),
      this.httpWrongHost(),
      this.httpSlowBody(),
      this.badUpgrades(),
      this.malformedFrames(),
      this.flood(),
    ]);
    // An attack that could not even be made (the gateway was just killed) is no finding, but
    // one that never runs would be a soak that tests nothing: they are counted.
    for (const r of results) if (r.status === 'rejected') this.tally.failed.push(String((r.reason as Error)?.message ?? r.reason).slice(0, 200));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) (s instanceof WebSocket ? s.terminate() : s.destroy());
    await new Promise<void>((resolve) => (this.reader ? this.reader.end(true, {}, () => resolve()) : resolve()));
  }

  private try(kind: string, n = 1): void {
    this.tally.tried[kind] = (this.tally.tried[kind] ?? 0) + n;
  }

  private hit(kind: string, example: string): void {
    this.tally.tried[kind] ??= 0;
    this.tally.through[kind] = (this.tally.through[kind] ?? 0) + 1;
    if (this.tally.examples.length < 10) this.tally.examples.push(example);
  }

  private mqttClient(user: { username: string; password: string }): Promise<MqttClient> {
    return new Promise((resolve, reject) => {
      const c = mqttConnect(`mqtt://127.0.0.1:${this.ports.mqtt}`, { protocolVersion: 4, ...user, reconnectPeriod: 0, connectTimeout: 5000 });
      c.once('connect', () => resolve(c));
      c.once('error', (err) => {
        c.end(true);
        reject(err);
      });
      c.once('close', () => reject(new Error('closed')));
    });
  }

  /** The read user publishes commands: a limit for the site, a stop for a charger. */
  private async mqttForgeries(): Promise<void> {
    const c = await this.mqttClient(SECRETS.mqttRead);
    try {
      const topics = [`${PREFIX}/site/limit/set`, `${PREFIX}/chargers/SOAK-001/connectors/1/stop/set`, `${PREFIX}/chargers/SOAK-002/reset/set`];
      for (const t of topics) c.publish(t, t.includes('limit') ? '6' : 'PRESS', { qos: 1 });
      this.try('mqtt …/set forged by the read user', topics.length);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      c.end(true);
    }
  }

  /** `homeassistant/status online` in bursts, from the read user and from the command user. */
  private async birthFlood(): Promise<void> {
    for (const user of [SECRETS.mqttRead, SECRETS.mqttCommand]) {
      const c = await this.mqttClient(user);
      const n = user === SECRETS.mqttRead ? 500 : 50;
      for (let i = 0; i < n; i++) c.publish('homeassistant/status', 'online', { qos: 0 });
      this.try('mqtt Home Assistant birth flood', n);
      await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
    }
  }

  /** CONNECTs declaring 200 MB, then trickling: the broker must close them, not buffer. */
  private async oversizedConnect(): Promise<void> {
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        this.try('mqtt oversized CONNECT');
        const s = tcpConnect({ host: '127.0.0.1', port: this.ports.mqtt });
        this.sockets.add(s);
        s.on('error', () => undefined);
        // Fixed header: CONNECT, remaining length 200,000,000 as a varint.
        s.write(Buffer.from([0x10, 0x80, 0x84, 0xaf, 0x5f]));
        const chunk = Buffer.alloc(64 * 1024, 0x41);
        let sent = 0;
        const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
        const pump = setInterval(() => {
          if (!s.destroyed && sent < 8) {
            s.write(chunk);
            sent++;
          }
        }, 100);
        const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 10_000))]);
        clearInterval(pump);
        if (outcome === 'open') this.hit('mqtt oversized CONNECT', 'a CONNECT declaring 200 MB was still open after 10 s and 512 KiB');
        s.destroy();
        this.sockets.delete(s);
      }),
    );
  }

  private http(method: string, path: string, headers: Record<string, string>, body?: string): Promise<number> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: this.ports.http, method, path, headers, timeout: 10_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
      req.end(body);
    });
  }

  /** A command with the admin token but no Content-Type (what a web page's form can send). */
  private async httpNoContentType(): Promise<void> {
    this.try('http command without Content-Type');
    const status = await this.http('POST', `/api/chargers/${JUNK_CHARGER}/reset`, { authorization: `Bearer ${SECRETS.httpToken}` }, '{"type":"hard"}');
    if (status >= 200 && status < 300) this.hit('http command without Content-Type', `POST …/reset without Content-Type answered ${status}`);
  }

  /** The admin token through a foreign Host (DNS rebinding). */
  private async httpWrongHost(): Promise<void> {
    this.try('http wrong Host');
    const status = await this.http('POST', `/api/chargers/${JUNK_CHARGER}/reset`, { authorization: `Bearer ${SECRETS.httpToken}`, host: 'evil.example', 'content-type': 'application/json' }, '{}');
    if (status >= 200 && status < 300) this.hit('http wrong Host', `POST with Host evil.example answered ${status}`);
  }

  /** Bodies trickled a byte a second: the server must cut them off (its request timeout). */
  private async httpSlowBody(): Promise<void> {
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        this.try('http slow body');
        const s = tcpConnect({ host: '127.0.0.1', port: this.ports.http });
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.write(`POST /api/site/limit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`);
        const drip = setInterval(() => !s.destroyed && s.write('{'), 1000);
        const closed = new Promise<string>((resolve) => s.once('close', () => resolve('closed')));
        const outcome = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('open'), 45_000))]);
        clearInterval(drip);
        if (outcome === 'open') this.hit('http slow body', 'a body trickled a byte a second was still open after 45 s');
        s.destroy();
        this.sockets.delete(s);
      }),
    );
  }

  /** Upgrades with a wrong password, an unknown id and 8 KB of URL: all must be refused. */
  private async badUpgrades(): Promise<void> {
    const long = 'x'.repeat(8000);
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        this.try('ocpp refused upgrade, long URL');
        const id = i % 2 === 0 ? 'SOAK-001' : `NOPE-${Math.floor(this.random() * 1e6)}`;
        // From an address of its own, as an attacker on the LAN is: its wrong passwords use up
        // that address's tries (ocpp.maxAuthFailures), not those of the soak's chargers.
        const ws = new WebSocket(`ws://127.0.0.1:${this.ports.ocpp}/ocpp/${id}?${long}`, ['ocpp1.6'], { localAddress: ATTACKER_ADDRESS, headers: { authorization: `Basic ${Buffer.from(`${id}:wrong-password`).toString('base64')}` }, handshakeTimeout: 10_000 });
        this.sockets.add(ws);
        const outcome = await new Promise<string>((resolve) => {
          ws.once('open', () => resolve('open'));
          ws.once('error', () => resolve('refused'));
          ws.once('unexpected-response', () => resolve('refused'));
        });
        if (outcome === 'open') this.hit('ocpp refused upgrade, long URL', `a wrong password for ${id} was let in`);
        ws.terminate();
        this.sockets.delete(ws);
      }),
    );
  }

  private openCharger(id: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${this.ports.ocpp}/ocpp/${id}`, ['ocpp1.6'], { headers: { authorization: `Basic ${Buffer.from(`${id}:${chargerPassword(id)}`).toString('base64')}` }, handshakeTimeout: 10_000 });
      this.sockets.add(ws);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
      ws.once('close', () => this.sockets.delete(ws));
    });
  }

  /** Malformed frames, then a Heartbeat that must still be answered within 10 s. */
  private async malformedFrames(): Promise<void> {
    const ws = await this.openCharger(JUNK_CHARGER);
    try {
      const junk = ['[2,"a"', '{}', '[9,"x","Heartbeat",{}]', '[2,"b","NoSuchAction",{}]', '[2,"c","Heartbeat","not an object"]', `[2,"${'i'.repeat(100)}","Heartbeat",{}]`, 'null', '[]', '[2,"d","StartTransaction",{"connectorId":"one"}]', '\u0000\u0001'];
      for (const j of junk) ws.send(j);
      ws.send(Buffer.from([0xff, 0xfe, 0x00]));
      this.try('ocpp malformed frames', junk.length + 1);
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000);
        ws.on('message', (d: Buffer) => {
          if (d.toString().startsWith('[3,"probe"')) {
            clearTimeout(timer);
            resolve(true);
          }
        });
        ws.once('close', () => resolve(false));
        ws.send('[2,"probe","Heartbeat",{}]');
      });
      if (!answered) this.hit('ocpp malformed frames', 'after malformed frames a Heartbeat went unanswered for 10 s (or the connection was closed)');
    } finally {
      ws.terminate();
    }
  }

  /** One charger pipelines 300 Heartbeats and 100 MeterValues without waiting for answers. */
  private async flood(): Promise<void> {
    const ws = await this.openCharger(FLOOD_CHARGER);
    try {
      ws.send(JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'soak', chargePointModel: 'flood' }]));
      for (let i = 0; i < 300; i++) ws.send(JSON.stringify([2, `hb${i}`, 'Heartbeat', {}]));
      const ts = new Date().toISOString();
      for (let i = 0; i < 100; i++) ws.send(JSON.stringify([2, `mv${i}`, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: ts, sampledValue: [{ value: String(i) }] }] }]));
      this.try('ocpp call flood (calls)', 401);
      // Hold the connection a while so the flood is worked through while others charge.
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      ws.terminate();
    }
  }
}
