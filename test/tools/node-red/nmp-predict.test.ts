/**
 * @fileoverview The Node-RED node (tools/node-red) loaded in a real Node-RED runtime through node-red-node-test-helper:
 * messages in every payload form, answers equal to the integer reference, refusals as node errors, a hot swap of
 * the watched file and a bad file that leaves the old model running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths.js';
import { expected, testModel, testRows } from '../serve/support.js';
import { contentHash } from '../../../tools/serve/registry.js';

const require = createRequire(import.meta.url);
const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));
const nmpPredict = require(`${repoRoot}tools/node-red/nmp-predict.js`);

const A = testModel(71), B = testModel(72);

interface Msg { payload: any; error?: any; _msgid?: string }

test('node-red › nmp predict › predicts, refuses bad payloads, swaps the watched file, keeps the old model on a bad file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nmp-node-red-'));
  const model = join(dir, 'm.nmp');
  await writeFile(model, A.bytes);
  await new Promise<void>((resolve) => helper.startServer(resolve));
  try {
    const flow = [
      { id: 'n1', type: 'nmp predict', name: 'predict', model, watch: true, wires: [['n2']] },
      { id: 'n2', type: 'helper' },
    ];
    await helper.load(nmpPredict, flow);
    const n1 = helper.getNode('n1'), n2 = helper.getNode('n2');
    assert.ok(n1, 'the node type registered and the node was created');
    const outputs: Msg[] = [];
    const errors: any[] = [];
    const warnings: string[] = [];
    n2.on('input', (m: Msg) => outputs.push(m));
    n1.on('call:error', (call: { args: any[] }) => errors.push(call.args));
    n1.on('call:warn', (call: { args: any[] }) => warnings.push(String(call.args[0])));
    const next = async (count: number) => {
      const end = Date.now() + 10_000;
      while (outputs.length + errors.length < count) {
        if (Date.now() > end) assert.fail(`waited for ${count} results, have ${outputs.length} outputs and ${errors.length} errors`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const rows = testRows(3, 6, 5);
    const names = A.decoded.meta.featureNames;
    n1.receive({ payload: Object.fromEntries(names.map((n, i) => [n, rows[0][i]])) });
    n1.receive({ payload: rows[1] });
    n1.receive({ payload: rows[2].join(',') });
    n1.receive({ payload: { id: 'x', instances: rows } });
    await next(4);
    assert.equal(errors.length, 0, JSON.stringify(errors));
    const hashA = await contentHash(A.bytes), hashB = await contentHash(B.bytes);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(outputs[i].payload.predictions, [expected(A, rows[i])], `message ${i}`);
      assert.equal(outputs[i].payload.hash, hashA);
    }
    assert.equal(outputs[3].payload.id, 'x');
    assert.deepEqual(outputs[3].payload.predictions, rows.map((r) => expected(A, r)));
    n1.receive({ payload: { f0: 1 } });
    await next(5);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0][0]), /E_MISSING_FEATURE/);
    // Swap: write and rename, as deploy tools do; the node polls every second.
    await writeFile(join(dir, '.m.tmp'), B.bytes);
    await rename(join(dir, '.m.tmp'), model);
    const end = Date.now() + 10_000;
    for (;;) {
      const before = outputs.length;
      n1.receive({ payload: rows[0] });
      await next(before + errors.length + 1);
      if (outputs[outputs.length - 1].payload.hash === hashB) break;
      if (Date.now() > end) assert.fail('the swapped file was not picked up within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(outputs[outputs.length - 1].payload.predictions, [expected(B, rows[0])]);
    await writeFile(model, new Uint8Array([0x93, 1, 2])); // not a model
    const end2 = Date.now() + 10_000;
    while (!warnings.some((w) => /refused/.test(w))) {
      if (Date.now() > end2) assert.fail(`no warning about the bad file: ${warnings.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = outputs.length;
    n1.receive({ payload: rows[1] });
    await next(before + errors.length + 1);
    assert.equal(outputs[outputs.length - 1].payload.hash, hashB, 'the old model still answers');
  } finally {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await rm(dir, { recursive: true });
  }
});
