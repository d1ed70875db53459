/**
 * @fileoverview MQTT bridge: subscribes to device topics, predicts each message with a served model (micro-batched
 * like HTTP requests), publishes the answer under a prefix. QoS 1 end to end: a message is acknowledged to the broker
 * only once its answer (or its error report) has been handed to the client's QoS 1 outgoing queue, so a bridge that
 * stops mid-way leaves the message to be redelivered (with a persistent session: fixed client id, clean = false).
 * A message that cannot be predicted goes to the error topic; nothing a device sends can stop the bridge.
 *
 * Payloads: JSON as on HTTP (an object keyed by feature name, an array in feature order, {"instances": [...]} or
 * {"inputs": {...}}), or a bare line of comma-separated numbers in feature order. A JSON object's "id" is echoed.
 */

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ServeError, oneLine } from './errors.js';
import { parseMessage } from './rows.js';
import { predictionJson, type Service } from './service.js';

export interface MqttBridgeOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 (user:password@ in the URL are used). */
  url: string;
  /** Topic filters to subscribe to (QoS 1), e.g. sensors/+/features. */
  subscribe: string[];
  /** Prefix of answer topics (default `predictions/`): prefix + the levels the wildcards matched, or the whole topic. */
  publishPrefix?: string;
  /** Where refusals go (default `nmp/errors`). */
  errorTopic?: string;
  /** The served model that answers (default: the only one). */
  model: string;
  /** Client id (default nmp-serve-<random>); with a fixed id the broker keeps the session across restarts. */
  clientId?: string;
  log?: (line: string) => void;
}

export interface MqttBridge {
  client: MqttClient;
  /** Messages answered and refused so far. */
  counts(): { answered: number; refused: number };
  close(): Promise<void>;
}

/** Topic levels matched by the wildcards of `filter` in `topic`, or null when the filter has none. */
export function wildcardLevels(filter: string, topic: string): string[] | null {
  const f = filter.split('/'), t = topic.split('/');
  if (!f.includes('+') && !f.includes('#')) return null;
  const out: string[] = [];
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') { out.push(...t.slice(i)); break; }
    if (f[i] === '+') out.push(t[i] ?? '');
  }
  return out;
}

/** Does `topic` match the subscription `filter` (MQTT wildcard rules)? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/'), t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** The answer topic of a message: prefix + wildcard levels of the first matching filter, or prefix + topic. */
export function answerTopic(filters: string[], prefix: string, topic: string): string {
  for (const f of filters) {
    if (!topicMatches(f, topic)) continue;
    const levels = wildcardLevels(f, topic);
    return prefix + (levels ? levels.join('/') : topic);
  }
  return prefix + topic;
}

/** Connects to the broker and starts answering; resolves once subscribed. */
export async function startMqttBridge(service: Service, options: MqttBridgeOptions): Promise<MqttBridge> {
  const prefix = options.publishPrefix ?? 'predictions/';
  const errorTopic = options.errorTopic ?? 'nmp/errors';
  const log = options.log ?? (() => undefined);
  const answered = service.metrics.counter('nmp_mqtt_messages_total', 'MQTT messages taken from the broker, by result (answered, refused).');
  const connected = { value: 0 };
  service.metrics.gauge('nmp_mqtt_connected', '1 while the MQTT bridge is connected to its broker.', () => [[undefined, connected.value]]);
  let nAnswered = 0, nRefused = 0;
  const clientOptions: IClientOptions = {
    clientId: options.clientId ?? `nmp-serve-${Math.random().toString(16).slice(2, 10)}`,
    clean: options.clientId === undefined, // a chosen id keeps its session (and unacknowledged messages) across restarts
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  };
  const client = mqtt.connect(options.url, clientOptions);
  client.on('connect', () => {
    connected.value = 1;
    log(`mqtt: connected to ${redact(options.url)}`); });
  client.on('close', () => { connected.value = 0; });
  client.on('error', (e) => log(`mqtt: ${oneLine(e.message)}`));
  client.on('offline', () => log('mqtt: offline, reconnecting'));

  // handleMessage runs before the PUBACK: acknowledging only after the answer is queued makes QoS 1 end to end.
  client.handleMessage = (packet, done) => {
    const topic = packet.topic;
    const payload = packet.payload instanceof Uint8Array ? packet.payload : new TextEncoder().encode(String(packet.payload));
    let id: unknown;
    service.predict(options.model, undefined, (features) => {
      const m = parseMessage(payload);
      id = m.id;
      return m.rows(features, service.options.maxRows);
    }).then(
      ({ entry, rows, y }) => {
        const lead = `"topic":${JSON.stringify(topic)},${id === undefined ? '' : `"id":${JSON.stringify(id)},`}`;
        answered.inc({ result: 'answered' });
        nAnswered++;
        client.publish(answerTopic(options.subscribe, prefix, topic), predictionJson(entry, rows, y, lead), { qos: 1 });
        done();
      },
      (e: unknown) => {
        const err = e instanceof ServeError ? e : new ServeError('E_INTERNAL', 'internal error (logged)');
        if (!(e instanceof ServeError)) log(`mqtt: internal error on ${topic}: ${(e as Error)?.stack ?? e}`);
        answered.inc({ result: 'refused' });
        nRefused++;
        const body = { topic, ...(id === undefined ? {} : { id }), ...err.toJSON() };
        client.publish(errorTopic, JSON.stringify(body), { qos: 1 });
        done();
      },
    );
  };

  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => { client.end(true); reject(new Error(`mqtt: cannot connect to ${redact(options.url)}: ${e.message}`)); };
    client.once('error', fail);
    client.once('connect', () => {
      client.off('error', fail);
      client.subscribe(options.subscribe, { qos: 1 }, (err, granted) => {
        if (err) return reject(err);
        const refused = (granted ?? []).filter((g) => g.qos === 128);
        if (refused.length) return reject(new Error(`mqtt: the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`));
        log(`mqtt: ${options.subscribe.join(', ')} -> ${prefix}..., errors to ${errorTopic}, model ${options.model}`);
        resolve();
      });
    });
  });

  return {
    client,
    counts: () => ({ answered: nAnswered, refused: nRefused }),
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
