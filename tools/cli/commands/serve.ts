/**
 * @fileoverview `nmp serve model.nmp [more ...]`: the models over HTTP (TF Serving REST names, Prometheus metrics),
 * micro-batched, hot-swapped from watched files or uploads, optionally bridged to MQTT. Runs on Node (node:http) and
 * on Deno (`deno run --allow-net --allow-read --allow-env nmp.js serve ...`, Deno.serve). Logic lives in tools/serve.
 */

import { readFile } from 'node:fs/promises';
import { UsageError, UserError, type CommandSpec } from '../args.js';
import { ServeError } from '../../serve/errors.js';
import { isDeno, listenDeno } from '../../serve/deno.js';
import { listenNode } from '../../serve/node.js';
import { Service } from '../../serve/service.js';
import { ModelFiles, parseSource, type ModelSource } from '../../serve/watch.js';

function int(v: unknown, name: string, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = v as number;
  if (!Number.isInteger(n) || n < min) throw new UsageError(`option --${name} needs an integer >= ${min}, got ${n}`);
  return n;
}

const stamp = () => new Date().toISOString();

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Serve models over HTTP (and MQTT): predictions, model list, health, Prometheus metrics, hot swaps. Binds to 127.0.0.1 unless --host says otherwise.',
  positionals: [{ name: 'models', help: 'model files (name = file name without .nmp, or name=path) and directories of .nmp files', variadic: true }],
  flags: [
    { name: 'port', alias: 'p', type: 'number', help: 'TCP port (0 picks a free one)', default: 8080 },
    { name: 'host', type: 'string', help: 'interface to bind; 0.0.0.0 exposes the server to the network', default: '127.0.0.1' },
    { name: 'watch', alias: 'w', type: 'boolean', help: 'reload a model when its file changes, and load new .nmp files in the given directories' },
    { name: 'watch-interval', type: 'number', help: 'poll period of --watch, ms', default: 1000 },
    { name: 'token-file', type: 'string', help: 'file holding the bearer token that allows PUT /v1/models/{name} (or set NMP_SERVE_TOKEN); without one, uploads are refused' },
    { name: 'batch-window', type: 'number', help: 'micro-batching: ms a batch may wait for more rows while the server is busy (0: the end of the event-loop turn)', default: 0 },
    { name: 'max-batch', type: 'number', help: 'rows at which a batch runs at once (1 turns batching off)', default: 256 },
    { name: 'max-body', type: 'number', help: 'largest prediction request body, bytes (413 past it)', default: 1048576 },
    { name: 'max-model-bytes', type: 'number', help: 'largest model upload, bytes', default: 67108864 },
    { name: 'max-rows', type: 'number', help: 'rows per request (413 past it)', default: 10000 },
    { name: 'max-queue', type: 'number', help: 'rows waiting per model before requests get 503', default: 100000 },
    { name: 'timeout', type: 'number', help: 'ms to receive a request body (408 past it)', default: 10000 },
    { name: 'backend', type: 'string', help: 'auto, simd or scalar', default: 'auto' },
    { name: 'mqtt', type: 'string', help: 'MQTT broker URL (mqtt://host:1883); enables the bridge' },
    { name: 'subscribe', type: 'string', repeatable: true, help: 'MQTT topic filter to answer (repeatable), e.g. sensors/+/features' },
    { name: 'publish-prefix', type: 'string', help: 'prefix of answer topics: prefix + the levels the wildcards matched', default: 'predictions/' },
    { name: 'error-topic', type: 'string', help: 'MQTT topic for messages that could not be predicted', default: 'nmp/errors' },
    { name: 'mqtt-model', type: 'string', help: 'model that answers MQTT messages (default: the only one)' },
    { name: 'mqtt-client-id', type: 'string', help: 'fixed MQTT client id: the broker keeps the session (and unacknowledged messages) across restarts' },
    { name: 'quiet', alias: 'q', type: 'boolean', help: 'log only failures' },
  ],
  examples: [
    '# endpoints: POST /v1/models/{name}[/versions/{v}]:predict (JSON {"instances": [...]}, {"inputs": {...}} or text/csv),',
    '#   GET /v1/models[/{name}], PUT /v1/models/{name} (bearer token), GET /healthz, GET /metrics (Prometheus)',
    '# errors: one line, {"error": {"code": "E_...", "message": "...", "field": "instances[0][3]"}}, status 4xx/5xx',
    '# environment: NMP_SERVE_TOKEN (upload token, >= 8 characters); details in tools/serve/README.md',
    'nmp serve letter.nmp --port 8080',
    "curl -s localhost:8080/v1/models/letter:predict -d '{\"instances\": [[2,8,3,5,1,8,13,0,6,6,10,8,0,8,0,8]]}'",
    'nmp serve models/ --watch                       # every .nmp in models/, reloaded when a file changes',
    'NMP_SERVE_TOKEN=$(cat token) nmp serve letter.nmp   # then: curl -X PUT -H "Authorization: Bearer $(cat token)" --data-binary @new.nmp localhost:8080/v1/models/letter',
    'nmp serve m.nmp --mqtt mqtt://127.0.0.1:1883 --subscribe sensors/+/features --publish-prefix predictions/',
    'deno run --allow-net --allow-read --allow-env node_modules/nmp-edge/dist/tools/cli/nmp.js serve m.nmp',
  ],
  async run(args) {
    const f = args.flags;
    if (args.positionals.length === 0) throw new UsageError("'nmp serve' needs at least one model file or directory (see nmp serve --help)");
    const backend = (f.backend as string | undefined) ?? 'auto';
    if (!['auto', 'simd', 'scalar'].includes(backend)) throw new UsageError(`option --backend is ${backend}, expected auto, simd or scalar`);
    let token = process.env.NMP_SERVE_TOKEN || undefined;
    if (f['token-file'] !== undefined) token = (await readFile(f['token-file'] as string, 'utf8')).trim();
    if (token !== undefined && token.length < 8) throw new UserError('the upload token is shorter than 8 characters; use a long random one');
    const subscribe = (f.subscribe as string[] | undefined) ?? [];
    if (f.mqtt !== undefined && subscribe.length === 0) throw new UsageError('--mqtt needs at least one --subscribe topic filter');
    if (f.mqtt === undefined && subscribe.length) throw new UsageError('--subscribe needs --mqtt <broker url>');
    const batchWindow = f['batch-window'] as number | undefined ?? 0;
    if (!(batchWindow >= 0 && batchWindow <= 1000)) throw new UsageError(`option --batch-window is ${batchWindow}, expected 0..1000 ms`);
    const opts = { host: f.host as string | undefined ?? '127.0.0.1', port: int(f.port, 'port', 0, 8080) };
    if (opts.port > 65535) throw new UsageError(`option --port is ${opts.port}, expected 0..65535`);
    const watchInterval = int(f['watch-interval'], 'watch-interval', 10, 1000);
    const quiet = f.quiet === true;
    const log = (line: string) => console.error(`${stamp()} nmp serve: ${line}`);
    const service = new Service({
      backend: backend as 'auto', token,
      batchWindowMs: batchWindow, maxBatchRows: int(f['max-batch'], 'max-batch', 1, 256),
      maxBodyBytes: int(f['max-body'], 'max-body', 64, 1 << 20), maxModelBytes: int(f['max-model-bytes'], 'max-model-bytes', 64, 64 << 20),
      maxRows: int(f['max-rows'], 'max-rows', 1, 10_000), maxQueueRows: int(f['max-queue'], 'max-queue', 1, 100_000),
      requestTimeoutMs: int(f.timeout, 'timeout', 1, 10_000),
      log: quiet ? (line) => { if (/refused|error|cannot|offline/.test(line)) log(line); } : log,
    });
    const sources: ModelSource[] = [];
    for (const p of args.positionals) {
      try {
        sources.push(await parseSource(p));
      } catch (e) {
        if (e instanceof ServeError) throw new UsageError(e.message);
        throw e;
      }
    }
    const files = new ModelFiles(service.registry, sources, f.watch === true, { intervalMs: watchInterval, log });
    try {
      await files.ready;
    } catch (e) {
      files.close();
      if (e instanceof ServeError) throw new UserError(e.message);
      throw e;
    }
    if (service.registry.size === 0 && f.watch !== true) throw new UserError('no model loaded (no valid .nmp file in the given directories)');
    let mqttModel = f['mqtt-model'] as string | undefined;
    if (f.mqtt !== undefined && mqttModel === undefined) {
      const names = service.registry.list().map((e) => e.name);
      if (names.length !== 1) throw new UsageError(`--mqtt serves one model: pass --mqtt-model (one of ${names.join(', ') || 'none loaded yet'})`);
      mqttModel = names[0];
    }
    if (mqttModel !== undefined && !service.registry.get(mqttModel) && f.watch !== true) {
      throw new UsageError(`--mqtt-model ${mqttModel} is not one of the loaded models (${service.registry.list().map((e) => e.name).join(', ')})`);
    }
    const listening = isDeno() ? await listenDeno(service, opts) : await listenNode(service, opts);
    const bridge = f.mqtt !== undefined
      ? await (await import('../../serve/mqtt.js')).startMqttBridge(service, {
        url: f.mqtt as string, subscribe, publishPrefix: f['publish-prefix'] as string | undefined, errorTopic: f['error-topic'] as string | undefined,
        model: mqttModel!, clientId: f['mqtt-client-id'] as string | undefined, log,
      }).catch(async (e) => { await listening.close(); files.close(); throw new UserError((e as Error).message); })
      : null;
    const models = service.registry.list().map((e) => `${e.name} v${e.version}`).join(', ');
    // The one line on stdout: scripts (and the tests) read the bound address from it.
    console.log(`listening on ${listening.url} (models: ${models || 'none yet'})`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        // Deno keeps a process alive while it has signal listeners: remove both.
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        log(`${signal}: stopping`);
        resolve();
      };
      const onInt = () => stop('SIGINT'), onTerm = () => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
    files.close();
    await bridge?.close();
    await listening.close();
    await service.close();
    return 0;
  },
};
