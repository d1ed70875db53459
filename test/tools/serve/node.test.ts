import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { expected, startServer, testModel, testRows } from './support.js';

const A = testModel(21);

/**
 * Raw HTTP/1.1 on one connection until the server closes it: writes `head` (and `body` chunks `gapMs` apart); returns
 * the first reply's status and body, and the statuses of every reply on the connection.
 */
function raw(port: number, head: string, body: string[] = [], gapMs = 0): Promise<{ status: number; body: string; statuses: number[] }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('error', reject);
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(data);
      if (!m) return reject(new Error(`no HTTP reply: ${JSON.stringify(data.slice(0, 200))}`));
      const first = data.slice(data.indexOf('\r\n\r\n') + 4);
      const next = first.search(/HTTP\/1\.1 \d+/);
      resolve({ status: Number(m[1]), body: next < 0 ? first : first.slice(0, next), statuses: [...data.matchAll(/HTTP\/1\.1 (\d+)/g)].map((x) => Number(x[1])) });
    });
    sock.write(head);
    let i = 0;
    const next = () => {
      if (i < body.length && !sock.destroyed) {
        sock.write(body[i++]);
        setTimeout(next, gapMs);
      }
    };
    next();
  });
}

test('serve › node › binds to 127.0.0.1 by default', async () => {
  const s = await startServer({ a: A });
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    await s.stop();
  }
});

test('serve › node › oversized bodies get 413 (declared or streamed), slow bodies 408, raw ".." names 400; serving goes on', async () => {
  const s = await startServer({ a: A }, { maxBodyBytes: 1000, requestTimeoutMs: 300 });
  const port = s.listening.port;
  try {
    // Declared too large: the body is read and dropped, the 413 keeps the connection usable for the next request.
    const ask = 'POST /v1/models/a:predict HTTP/1.1\r\nHost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n[]';
    const declared = await raw(port, `POST /v1/models/a:predict HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n${' '.repeat(5000)}${ask}`);
    assert.equal(declared.status, 413);
    assert.equal(JSON.parse(declared.body).error.code, 'E_BODY_TOO_LARGE');
    assert.deepEqual(declared.statuses, [413, 400], 'the connection served the next request');
    // Declared far too large (past what is worth reading): 413 at once, connection closed.
    const huge = await raw(port, 'POST /v1/models/a:predict HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 900000000\r\n\r\n', ['{"instances": ']);
    assert.deepEqual(huge.statuses, [413]);
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const streamed = await raw(port, 'POST /v1/models/a:predict HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n',
      [chunk('['.padEnd(600, ' ')), chunk(' '.repeat(600)), '0\r\n\r\n'], 5);
    assert.equal(streamed.status, 413);
    assert.equal(JSON.parse(streamed.body).error.field, 'body');
    const slow = await raw(port, 'POST /v1/models/a:predict HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n', ['{"instances": '], 0);
    assert.equal(slow.status, 408);
    assert.equal(JSON.parse(slow.body).error.code, 'E_TIMEOUT');
    const dots = await raw(port, 'GET /v1/models/.. HTTP/1.1\r\nHost: x\r\nconnection: close\r\n\r\n');
    assert.equal(dots.status, 400);
    assert.equal(JSON.parse(dots.body).error.code, 'E_MODEL_NAME');
    const dots2 = await raw(port, 'POST /v1/models/../../etc/passwd:predict HTTP/1.1\r\nHost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
    assert.equal(dots2.status, 404);
    const row = testRows(1, 6, 2)[0];
    const ok = await new Promise<string>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: '/v1/models/a:predict', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let b = '';
        res.on('data', (d) => { b += d; });
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end(JSON.stringify([row]));
    });
    assert.deepEqual(JSON.parse(ok).predictions, [expected(A, row)]);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /^nmp_http_errors_total\{route="other",code="E_BODY_TOO_LARGE"\} 3$/m);
    assert.match(metrics, /^nmp_http_errors_total\{route="other",code="E_TIMEOUT"\} 1$/m);
  } finally {
    await s.stop();
  }
});

test('serve › node › the Web-standard fetch handler (what Deno.serve calls) answers and enforces the same limits', async () => {
  const s = await startServer({ a: A }, { maxBodyBytes: 1000, requestTimeoutMs: 200 });
  try {
    const row = testRows(1, 6, 4)[0];
    const ok = await s.service.fetch(new Request('http://x/v1/models/a:predict', { method: 'POST', body: JSON.stringify({ instances: [row] }) }));
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as any).predictions, [expected(A, row)]);
    const big = await s.service.fetch(new Request('http://x/v1/models/a:predict', { method: 'POST', body: 'x'.repeat(2000) }));
    assert.equal(big.status, 413);
    const stalled = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"instances": ')); } }); // never closes
    const slow = await s.service.fetch(new Request('http://x/v1/models/a:predict', { method: 'POST', body: stalled, duplex: 'half' } as RequestInit));
    assert.equal(slow.status, 408);
    assert.equal(((await slow.json()) as any).error.code, 'E_TIMEOUT');
  } finally {
    await s.stop();
  }
});

test('serve › node › clients that vanish mid-body leave the server serving', async () => {
  const s = await startServer({ a: A });
  try {
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const sock = connect(s.listening.port, '127.0.0.1', () => {
          sock.write('POST /v1/models/a:predict HTTP/1.1\r\nHost: x\r\ncontent-length: 1000\r\n\r\n{"instances": [[1, 2');
          setTimeout(() => { sock.destroy(); resolve(); }, 2);
        });
      });
    }
    const row = testRows(1, 6, 7)[0];
    const r = await fetch(`${s.url}/v1/models/a:predict`, { method: 'POST', body: JSON.stringify([row]) });
    assert.equal(r.status, 200);
    assert.deepEqual(((await r.json()) as any).predictions, [expected(A, row)]);
  } finally {
    await s.stop();
  }
});
