/**
 * @fileoverview The MQTT bridge against a real broker (Debian mosquitto, started here on a free loopback port) and
 * the real client (MQTT.js): `nmp serve --mqtt` as a child process, answers compared with `nmp run` on the same rows.
 * Skips with a message when mosquitto is not installed (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mosquittoPath, startMosquitto } from '../../../tools/bench/mosquitto.js';
import { answerTopic, topicMatches } from '../../../tools/serve/mqtt.js';
import { repoRoot } from '../../support/paths.js';
import { spawnServe, testModel, testRows } from './support.js';

const bin = mosquittoPath();
const nmp = `${repoRoot}dist/tools/cli/nmp.js`;

test('serve › mqtt › topics: wildcard levels become the answer topic', () => {
  assert.equal(answerTopic(['sensors/+/features'], 'predictions/', 'sensors/d7/features'), 'predictions/d7');
  assert.equal(answerTopic(['plant/#'], 'p/', 'plant/hall/3/temp'), 'p/hall/3/temp');
  assert.equal(answerTopic(['fixed/topic'], 'p/', 'fixed/topic'), 'p/fixed/topic');
  assert.ok(topicMatches('a/+/c', 'a/b/c') && !topicMatches('a/+/c', 'a/b/d') && !topicMatches('a/+', 'a/b/c') && topicMatches('a/#', 'a'));
});

test('serve › mqtt › QoS 1 through mosquitto: every message answered, bit-identical to nmp run; malformed ones reported', { skip: bin ? false : 'mosquitto not installed (apt-get install mosquitto; .ci/run does)' }, async () => {
  const broker = await startMosquitto(bin);
  const dir = await mkdtemp(join(tmpdir(), 'nmp-mqtt-'));
  const A = testModel(61);
  const model = join(dir, 'a.nmp');
  await writeFile(model, A.bytes);
  const N = 400;
  const rows = testRows(N, 6, 8);
  const names = A.decoded.meta.featureNames;
  await writeFile(join(dir, 'rows.csv'), `${names.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  const run = spawnSync(process.execPath, [nmp, 'run', model, join(dir, 'rows.csv'), '--scores'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const cli = run.stdout.trim().split('\n').slice(1).map((l) => l.split(','));
  const server = await spawnServe(process.execPath, [nmp, 'serve', model, '--port', '0', '--mqtt', broker.url, '--subscribe', 'sensors/+/features', '--publish-prefix', 'predictions/']);
  const client = mqtt.connect(broker.url, { clientId: `test-${process.pid}` });
  try {
    await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
    await client.subscribeAsync(['predictions/#', 'nmp/errors'], { qos: 1 });
    const answers = new Map<number, any>();
    const errors: any[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => { done = r; });
    const malformed = ['{"id": "m1", "instances": [[1, 2', '1,2,3', '{"id": "m3", "f0": 1}', JSON.stringify({ id: 'm4', instances: [[1, 2, 3, 4, 5, 'x']] }), Buffer.from([0xff, 0xfe, 0x00])];
    client.on('message', (topic, payload) => {
      const j = JSON.parse(payload.toString());
      if (topic === 'nmp/errors') errors.push(j);
      else {
        assert.equal(topic, `predictions/d${j.id % 7}`);
        answers.set(j.id, j);
      }
      if (answers.size === N && errors.length === malformed.length) done();
    });
    for (let i = 0; i < N; i++) {
      // Half as objects keyed by feature name, half in TF Serving's row format.
      const payload = i % 2 ? JSON.stringify({ id: i, ...Object.fromEntries(names.map((n, k) => [n, rows[i][k]])) }) : JSON.stringify({ id: i, instances: [rows[i]] });
      client.publish(`sensors/d${i % 7}/features`, payload, { qos: 1 });
      if (i % 97 === 0) client.publish('sensors/bad/features', malformed[Math.min(malformed.length - 1, i / 97)], { qos: 1 });
    }
    const timer = setTimeout(() => done(), 30_000);
    await all;
    clearTimeout(timer);
    assert.equal(answers.size, N, `answered ${answers.size} of ${N}`);
    assert.equal(errors.length, malformed.length, JSON.stringify(errors));
    for (let i = 0; i < N; i++) {
      const a = answers.get(i);
      const [label, ...scores] = cli[i];
      assert.deepEqual(a.predictions[0].map(String), scores, `message ${i}`);
      assert.equal(a.labels[0], label);
    }
    assert.deepEqual(errors.map((e) => e.error.code).sort(), ['E_CSV', 'E_JSON', 'E_JSON', 'E_MISSING_FEATURE', 'E_NOT_NUMBER']);
    assert.ok(errors.every((e) => e.topic === 'sensors/bad/features' && e.error.field));
    assert.ok(errors.some((e) => e.error.field === 'payload' && /UTF-8/.test(e.error.message)));
    assert.equal(errors.find((e) => e.id === 'm4').error.field, 'instances[0][5]');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^nmp_mqtt_messages_total\\{result="answered"\\} ${N}$`, 'm'));
    assert.match(metrics, /^nmp_mqtt_connected 1$/m);
  } finally {
    client.end(true);
    const code = await server.stop();
    await broker.stop();
    await rm(dir, { recursive: true });
    assert.equal(code, 0, server.stderr());
  }
});
