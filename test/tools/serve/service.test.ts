import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { expected, post, startServer, testModel, testRows } from './support.js';

const A = testModel(11), B = testModel(12);
const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('serve › service › predictions over HTTP equal the integer reference bit for bit, in every body format', async () => {
  const s = await startServer({ a: A });
  try {
    const rows = testRows(20, 6, 5);
    const names = A.decoded.meta.featureNames, labels = A.decoded.meta.outputNames;
    const want = rows.map((r) => expected(A, r));
    const wantLabels = want.map((y) => labels[y.indexOf(Math.max(...y))]);
    const viaRows = await post(`${s.url}/v1/models/a:predict`, { instances: rows });
    assert.equal(viaRows.status, 200);
    assert.deepEqual(viaRows.json.predictions, want);
    assert.deepEqual(viaRows.json.labels, wantLabels);
    assert.equal(viaRows.json.hash, sha(A.bytes));
    assert.equal(viaRows.headers.get('x-model-hash'), sha(A.bytes));
    assert.equal(viaRows.json.version, 1);
    const objects = rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
    assert.deepEqual((await post(`${s.url}/v1/models/a:predict`, { instances: objects })).json.predictions, want);
    const columns = Object.fromEntries(names.map((n, i) => [n, rows.map((r) => r[i])]));
    const viaColumns = await post(`${s.url}/v1/models/a/versions/1:predict`, { inputs: columns });
    assert.deepEqual(viaColumns.json.outputs, want);
    const csv = `${[...names].reverse().join(',')},note\n${rows.map((r) => [...r].reverse().join(',') + ',x').join('\n')}\n`;
    assert.deepEqual((await post(`${s.url}/v1/models/a:predict`, csv, 'text/csv')).json.predictions, want);
    assert.deepEqual((await post(`${s.url}/v1/models/a:predict`, objects[3])).json.predictions, [want[3]]);
  } finally {
    await s.stop();
  }
});

test('serve › service › bad requests get a 4xx with a one-line JSON error naming the field, and serving goes on', async () => {
  const s = await startServer({ a: A });
  try {
    const u = (p: string) => `${s.url}${p}`;
    const cases: [string, string, string | undefined, string, number, string, string | undefined][] = [
      // method, path, body, content type, status, code, field
      ['POST', '/v1/models/a:predict', '{"instances": [[1, 2]]}', 'application/json', 400, 'E_FEATURE_COUNT', 'instances[0]'],
      ['POST', '/v1/models/a:predict', '{"instances": [[1, 2, 3, "4", 5, 6]]}', 'application/json', 400, 'E_NOT_NUMBER', 'instances[0][3]'],
      ['POST', '/v1/models/a:predict', '{"instances": [{"f0": 1}]}', 'application/json', 400, 'E_MISSING_FEATURE', 'instances[0].f1'],
      ['POST', '/v1/models/a:predict', '{"instances": [[1, 2, 3, 4, 5, 1e300]]}', 'application/json', 400, 'E_NOT_FINITE', 'instances[0][5]'],
      ['POST', '/v1/models/a:predict', 'f0,f1,f2,f3,f4,f5\n1,2,NaN,4,5,6\n', 'text/csv', 400, 'E_NOT_FINITE', 'csv[2].f2'],
      ['POST', '/v1/models/a:predict', '{"instances": [[1, 2, 3', 'application/json', 400, 'E_JSON', 'body'],
      ['POST', '/v1/models/a:predict', '<xml/>', 'application/xml', 415, 'E_MEDIA_TYPE', 'content-type'],
      ['POST', '/v1/models/nope:predict', '{}', 'application/json', 404, 'E_NO_MODEL', 'model'],
      ['POST', '/v1/models/a/versions/7:predict', '{}', 'application/json', 404, 'E_NO_MODEL', 'version'],
      ['POST', '/v1/models/..%2F..%2Fetc%2Fpasswd:predict', '{}', 'application/json', 400, 'E_MODEL_NAME', 'model'],
      ['GET', '/v1/models/x%2F..%2Fy', undefined, 'application/json', 400, 'E_MODEL_NAME', 'model'],
      ['GET', '/v1/models/a:predict', undefined, 'application/json', 405, 'E_METHOD', undefined],
      ['POST', '/v1/models/a:explain', '{}', 'application/json', 404, 'E_NOT_FOUND', undefined],
      ['GET', '/admin', undefined, 'application/json', 404, 'E_NOT_FOUND', undefined],
      ['PUT', '/v1/models/a', 'x', 'application/octet-stream', 403, 'E_WRITES_DISABLED', 'authorization'],
    ];
    for (const [method, path, body, type, status, code, field] of cases) {
      const r = await fetch(u(path), { method, body, headers: { 'content-type': type } });
      const text = await r.text();
      const what = `${method} ${path} ${body ?? ''}`;
      assert.equal(r.status, status, `${what}: ${text}`);
      assert.ok(!text.includes('\n'), `${what}: not one line: ${text}`);
      const e = JSON.parse(text).error;
      assert.equal(e.code, code, what);
      assert.equal(e.field, field, what);
      assert.equal(typeof e.message, 'string');
    }
    const ok = await post(u('/v1/models/a:predict'), { instances: testRows(1, 6, 1) });
    assert.equal(ok.status, 200);
    const metrics = await (await fetch(u('/metrics'))).text();
    assert.match(metrics, /^nmp_http_errors_total\{route="predict",code="E_FEATURE_COUNT"\} 1$/m);
    assert.match(metrics, /^nmp_http_requests_total\{route="predict",status="400"\} 7$/m);
  } finally {
    await s.stop();
  }
});

test('serve › service › /v1/models, /healthz and /metrics describe what is served', async () => {
  const s = await startServer({ a: A, b: B });
  try {
    const list = await (await fetch(`${s.url}/v1/models`)).json() as { models: any[] };
    assert.deepEqual(list.models.map((m) => m.name), ['a', 'b']);
    const a = list.models[0];
    assert.equal(a.hash, sha(A.bytes));
    assert.equal(a.bytes.file, A.bytes.length);
    assert.deepEqual(a.features, A.decoded.meta.featureNames);
    assert.ok(a.bits.weight > 0 && a.bits.weight <= 8);
    assert.ok(a.memory.total > 0 && a.memory.weights > 0);
    const one = await (await fetch(`${s.url}/v1/models/b`)).json() as any;
    assert.equal(one.model_version_status[0].state, 'AVAILABLE');
    const health = await fetch(`${s.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as any).models.length, 2);
    for (let i = 0; i < 3; i++) await post(`${s.url}/v1/models/b:predict`, { instances: testRows(2, 6, i) });
    const text = await (await fetch(`${s.url}/metrics`)).text();
    for (const [name, type] of [['nmp_http_requests_total', 'counter'], ['nmp_http_errors_total', 'counter'], ['nmp_http_request_duration_seconds', 'histogram'],
      ['nmp_batch_rows', 'histogram'], ['nmp_predictions_total', 'counter'], ['nmp_model_memory_bytes', 'gauge'], ['nmp_model_info', 'gauge'],
      ['nmp_model_swaps_total', 'counter'], ['nmp_model_load_failures_total', 'counter'], ['nmp_queue_rows', 'gauge'], ['nmp_model_average_bits', 'gauge'],
      ['nmp_model_file_bytes', 'gauge']]) {
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), name);
    }
    assert.match(text, new RegExp(`^nmp_model_info\\{model="a",version="1",hash="${sha(A.bytes)}",backend="simd"\\} 1$`, 'm'));
    assert.match(text, /^nmp_predictions_total\{model="b"\} 6$/m);
    assert.match(text, /^nmp_batch_rows_sum\{model="b"\} 6$/m);
    assert.match(text, new RegExp(`^nmp_model_memory_bytes\\{model="a",purpose="total"\\} ${a.memory.total}$`, 'm'));
  } finally {
    await s.stop();
  }
  const empty = await startServer({});
  try {
    assert.equal((await fetch(`${empty.url}/healthz`)).status, 503);
  } finally {
    await empty.stop();
  }
});

test('serve › service › PUT with the token swaps models; a bad file is refused, counted, and the old model keeps serving', async () => {
  const token = 'test-token-0123456789';
  const s = await startServer({ a: A }, { token });
  try {
    const put = (name: string, body: Uint8Array, auth?: string) =>
      fetch(`${s.url}/v1/models/${name}`, { method: 'PUT', body: body as unknown as BodyInit, headers: { 'content-type': 'application/octet-stream', ...(auth ? { authorization: auth } : {}) } });
    assert.equal((await put('a', B.bytes)).status, 401);
    assert.equal((await put('a', B.bytes, 'Bearer wrong-token-0123456789')).status, 401);
    const bad = B.bytes.slice();
    bad[bad.length - 3] ^= 0x55; // checksum or structure no longer holds
    const refused = await put('a', bad, `Bearer ${token}`);
    assert.equal(refused.status, 422);
    const e = ((await refused.json()) as any).error;
    assert.equal(e.code, 'E_MODEL_INVALID');
    assert.ok(e.field, 'names the field of the file');
    assert.equal(s.service.loadFailures('a', 'E_MODEL_INVALID'), 1);
    const row = testRows(1, 6, 3);
    const still = await post(`${s.url}/v1/models/a:predict`, { instances: row });
    assert.equal(still.json.hash, sha(A.bytes));
    assert.deepEqual(still.json.predictions, [expected(A, row[0])]);
    const swapped = await put('a', B.bytes, `Bearer ${token}`);
    assert.equal(swapped.status, 200);
    assert.equal(((await swapped.json()) as any).model.version, 2);
    const after = await post(`${s.url}/v1/models/a:predict`, { instances: row });
    assert.equal(after.json.hash, sha(B.bytes));
    assert.equal(after.json.version, 2);
    assert.deepEqual(after.json.predictions, [expected(B, row[0])]);
    const same = await put('a', B.bytes, `Bearer ${token}`);
    assert.equal(((await same.json()) as any).changed, false);
    assert.equal((await put('c', A.bytes, `Bearer ${token}`)).status, 201);
    assert.equal((await put('x%2F..', A.bytes, `Bearer ${token}`)).status, 400);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /^nmp_model_load_failures_total\{model="a",code="E_MODEL_INVALID"\} 1$/m);
    assert.match(metrics, /^nmp_model_swaps_total\{model="a"\} 2$/m);
  } finally {
    await s.stop();
  }
});

test('serve › service › a swap during a burst loses nothing: every answer matches the model whose hash it carries', async () => {
  const s = await startServer({ a: A });
  try {
    const old = s.service.registry.get('a')!;
    const rows = testRows(300, 6, 9);
    const byHash = new Map([[sha(A.bytes), A], [sha(B.bytes), B]]);
    const burst = rows.map((r) => post(`${s.url}/v1/models/a:predict`, { instances: [r] }));
    await new Promise((r) => setTimeout(r, 5));
    await s.service.registry.load('a', B.bytes, 'test');
    const answers = await Promise.all(burst);
    const late = await Promise.all(rows.slice(0, 20).map((r) => post(`${s.url}/v1/models/a:predict`, { instances: [r] })));
    for (const [i, a] of [...answers, ...late].entries()) {
      assert.equal(a.status, 200);
      const m = byHash.get(a.json.hash);
      assert.ok(m, `answer ${i} carries an unknown hash ${a.json.hash}`);
      assert.deepEqual(a.json.predictions, [expected(m, rows[i % 300])], `answer ${i}`);
    }
    assert.ok(late.every((a) => a.json.hash === sha(B.bytes)));
    assert.equal(old.model.disposed, true, 'the old version is disposed once drained');
  } finally {
    await s.stop();
  }
});

test('serve › service › limits: rows per request (413) and rows queued per model (503 with Retry-After)', async () => {
  const s = await startServer({ a: A }, { maxRows: 3, maxQueueRows: 4 });
  try {
    const many = await post(`${s.url}/v1/models/a:predict`, { instances: testRows(4, 6, 1) });
    assert.equal(many.status, 413);
    assert.equal(many.json.error.code, 'E_TOO_MANY_ROWS');
    assert.equal(many.json.error.field, 'instances');
    // Two 3-row requests handled in one turn: the second would queue 6 rows > 4.
    const req = () => ({ method: 'POST', url: '/v1/models/a:predict', header: () => 'application/json', body: new TextEncoder().encode(JSON.stringify({ instances: testRows(3, 6, 2) })) });
    const [first, second] = await Promise.all([s.service.handle(req()), s.service.handle(req())]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 503);
    assert.equal(second.headers['retry-after'], '1');
    assert.equal(JSON.parse(second.body as string).error.code, 'E_OVERLOADED');
    assert.equal((await s.service.handle(req())).status, 200, 'serving goes on once the queue has run');
  } finally {
    await s.stop();
  }
});

test('serve › service › rows queued before a swap are answered by the old version, which is disposed only after', async () => {
  const s = await startServer({ a: A });
  try {
    const old = s.service.registry.get('a')!;
    const rows = testRows(4, 6, 12);
    const body = (r: number[][]) => new TextEncoder().encode(JSON.stringify({ instances: r }));
    // handle() parses and queues synchronously; the batch runs at the end of this turn, after the swap below.
    const inFlight = s.service.handle({ method: 'POST', url: '/v1/models/a:predict', header: () => 'application/json', body: body(rows) });
    assert.equal(old.batcher.pendingRows, 4);
    const { validateAndLoad, contentHash } = await import('../../../tools/serve/registry.js');
    const next = await validateAndLoad(B.bytes);
    assert.equal(old.batcher.pendingRows, 4, 'still queued: nothing awaited ran the batch');
    s.service.registry.install('a', { ...next, hash: await contentHash(B.bytes), fileBytes: B.bytes.length, source: 'test' });
    assert.equal(old.model.disposed, false, 'not disposed while its rows are queued');
    const reply = JSON.parse((await inFlight).body as string);
    assert.equal(reply.version, 1);
    assert.equal(reply.hash, sha(A.bytes));
    assert.deepEqual(reply.predictions, rows.map((r) => expected(A, r)));
    await new Promise((r) => setImmediate(r));
    assert.equal(old.model.disposed, true);
    const after = JSON.parse((await s.service.handle({ method: 'POST', url: '/v1/models/a:predict', header: () => 'application/json', body: body(rows) })).body as string);
    assert.equal(after.version, 2);
    assert.deepEqual(after.predictions, rows.map((r) => expected(B, r)));
  } finally {
    await s.stop();
  }
});
