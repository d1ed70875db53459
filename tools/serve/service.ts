/**
 * @fileoverview The service core: routes, predictions, model uploads, health and metrics, over plain request/reply
 * values, with no server of its own. `fetch(Request)` is the Web-standard handler (Deno.serve, tests, embedding);
 * `handle(ServeRequest)` is the same service without Request/Response objects, which the Node adapter uses because
 * building them costs about 3x the throughput of a plain node:http handler (measured on loopback, same run).
 *
 * Routes (TF Serving's REST names):
 *   POST /v1/models/{name}[/versions/{v}]:predict   rows as JSON (instances / inputs / array / object) or CSV
 *   GET  /v1/models, GET /v1/models/{name}          what is served: version, hash, bits, bytes, memory
 *   PUT  /v1/models/{name}                          a new model file (bearer token), validated, then swapped in
 *   GET  /healthz, GET /metrics                     liveness, Prometheus text
 */

import { ServeError, oneLine } from './errors.js';
import { CONTENT_TYPE as METRICS_TYPE, Registry } from './metrics.js';
import { ModelRegistry, checkModelName, type ModelEntry } from './registry.js';
import { bodyFormat, parseRows, type Rows } from './rows.js';

export interface ServiceOptions {
  /** Largest prediction body, bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Largest model upload, bytes (default 64 MiB). */
  maxModelBytes?: number;
  /** Rows per request (default 10,000). */
  maxRows?: number;
  /** Rows waiting per model before requests get 503 E_OVERLOADED (default 100,000). */
  maxQueueRows?: number;
  /** Time to receive a whole request body, ms (default 10,000); adapters answer 408 E_TIMEOUT past it. */
  requestTimeoutMs?: number;
  /** Bearer token that allows `PUT /v1/models/{name}`; without one, uploads are refused (403). */
  token?: string;
  /** Micro-batching: longest wait for more rows when busy, ms (default 0: the end of the event-loop turn). */
  batchWindowMs?: number;
  /** Rows at which a batch runs at once (default 256). */
  maxBatchRows?: number;
  backend?: 'auto' | 'simd' | 'scalar';
  /** One line per event worth a log (loads, swaps, failures, internal errors). Default: none. */
  log?: (line: string) => void;
  /** Called when a version becomes current (`previous` null for a new name). */
  onModel?: (entry: ModelEntry, previous: ModelEntry | null) => void;
}

/** A request with its body already read (adapters enforce size and time limits while reading). */
export interface ServeRequest {
  method: string;
  /** Path and query, as on the request line (`/v1/models/m:predict`). */
  url: string;
  header(name: string): string | null | undefined;
  body: Uint8Array;
}

export interface ServeReply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

type Route = 'predict' | 'models' | 'model' | 'upload' | 'health' | 'metrics' | 'other';

const JSON_TYPE = 'application/json';
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/** Compares two strings in time that depends only on their lengths. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0, n = Math.max(x.length, y.length); i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function errorReply(e: ServeError, extra?: Record<string, string>): ServeReply {
  return { status: e.status, headers: { 'content-type': JSON_TYPE, ...extra }, body: JSON.stringify(e.toJSON()) };
}

function jsonReply(status: number, value: unknown, headers?: Record<string, string>): ServeReply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

/** Numbers of one output row as JSON: String(float32) is what JSON.stringify writes and what `nmp run` prints. */
function rowJson(y: Float32Array, at: number, O: number): string {
  let s = '[';
  for (let j = 0; j < O; j++) s += (j ? ',' : '') + String(y[at + j]);
  return s + ']';
}

/** The answer for rows predicted by `entry`: `predictions` (or `outputs` for columnar input), labels for classifiers. */
export function predictionJson(entry: ModelEntry, rows: Pick<Rows, 'n' | 'layout'>, y: Float32Array, lead = ''): string {
  const O = entry.model.info.outputs, names = entry.decoded.meta.outputNames;
  let preds = '', labels = '';
  const cls = entry.decoded.meta.task === 'classification';
  for (let r = 0; r < rows.n; r++) {
    preds += (r ? ',' : '') + rowJson(y, r * O, O);
    if (cls) {
      let best = 0;
      for (let j = 1; j < O; j++) if (y[r * O + j] > y[r * O + best]) best = j;
      labels += (r ? ',' : '') + JSON.stringify(names[best]);
    }
  }
  const key = rows.layout === 'columns' ? 'outputs' : 'predictions';
  return `{${lead}"model":${JSON.stringify(entry.name)},"version":${entry.version},"hash":"${entry.hash}","${key}":[${preds}]${cls ? `,"labels":[${labels}]` : ''}}`;
}

/** What `GET /v1/models` says about one version. */
export function describeEntry(e: ModelEntry): Record<string, unknown> {
  const info = e.model.info, meta = e.decoded.meta;
  return {
    name: e.name, version: e.version, hash: e.hash, source: e.source, loadedAt: e.loadedAt,
    task: meta.task, features: meta.featureNames, outputs: meta.outputNames, backend: info.backend,
    bits: e.bits,
    layers: info.layers.map((l) => ({ inFeatures: l.inFeatures, outFeatures: l.outFeatures, weightBitsHistogram: l.weightBitsHistogram, actBitsHistogram: l.actBitsHistogram })),
    parameters: info.parameters,
    bytes: { file: e.fileBytes, packedWeights: info.packedWeightBytes },
    memory: e.model.disposed ? null : e.model.memory(),
    provenance: meta.provenance,
  };
}

export class Service {
  readonly registry: ModelRegistry;
  readonly metrics = new Registry();
  readonly options: Required<Omit<ServiceOptions, 'token' | 'log' | 'onModel'>> & Pick<ServiceOptions, 'token' | 'log' | 'onModel'>;
  readonly #requests;
  readonly #errors;
  readonly #duration;
  readonly #predictions;
  readonly #batchRows;
  readonly #swaps;
  readonly #loadFailures;

  constructor(options: ServiceOptions = {}) {
    this.options = {
      maxBodyBytes: 1 << 20, maxModelBytes: 64 << 20, maxRows: 10_000, maxQueueRows: 100_000, requestTimeoutMs: 10_000,
      batchWindowMs: 0, maxBatchRows: 256, backend: 'auto', ...options,
    };
    const m = this.metrics;
    this.#requests = m.counter('nmp_http_requests_total', 'HTTP requests answered, by route and status code.');
    this.#errors = m.counter('nmp_http_errors_total', 'HTTP requests refused, by route and error code (E_*).');
    this.#duration = m.histogram('nmp_http_request_duration_seconds', 'Time from the request to its reply, by route.', DURATION_BUCKETS);
    this.#predictions = m.counter('nmp_predictions_total', 'Rows predicted, by model.');
    this.#batchRows = m.histogram('nmp_batch_rows', 'Rows per predictBatch call (micro-batch size), by model.', BATCH_BUCKETS);
    m.gauge('nmp_queue_rows', 'Rows waiting for the next batch, by model.', () => this.registry.list().map((e) => [{ model: e.name }, e.batcher.pendingRows]));
    m.gauge('nmp_model_info', 'The serving version of each model (value 1): version, content hash, backend.', () =>
      this.registry.list().map((e) => [{ model: e.name, version: e.version, hash: e.hash, backend: e.model.info.backend }, 1]));
    m.gauge('nmp_model_file_bytes', 'Size of the serving model file, by model.', () => this.registry.list().map((e) => [{ model: e.name }, e.fileBytes]));
    m.gauge('nmp_model_memory_bytes', 'Runtime memory of the serving version by purpose (arena parts, total, the linear memory it lives in).', () =>
      this.registry.list().flatMap((e) => {
        if (e.model.disposed) return [];
        const mem = e.model.memory();
        return (['weights', 'params', 'activations', 'scratch', 'alignment', 'total', 'linearMemory'] as const)
          .filter((k) => typeof mem[k] === 'number')
          .map((k) => [{ model: e.name, purpose: k === 'linearMemory' ? 'linear_memory' : k }, mem[k] as number] as [Record<string, string>, number]);
      }));
    m.gauge('nmp_model_average_bits', 'Average weight bits (over weight slots) and activation bits (over hidden neurons), by model.', () =>
      this.registry.list().flatMap((e) => [[{ model: e.name, kind: 'weight' }, e.bits.weight] as [Record<string, string>, number],
        ...(e.bits.activation === null ? [] : [[{ model: e.name, kind: 'activation' }, e.bits.activation] as [Record<string, string>, number]])]));
    this.#swaps = m.counter('nmp_model_swaps_total', 'Versions made current, by model (the first load counts).');
    this.#loadFailures = m.counter('nmp_model_load_failures_total', 'Model files refused (the serving version stayed), by model and error code.');
    this.registry = new ModelRegistry({
      batchWindowMs: this.options.batchWindowMs, maxBatchRows: this.options.maxBatchRows, backend: this.options.backend,
      onBatch: (e, rows) => this.#batchRows.observe(rows, { model: e.name }),
      onSwap: (e, prev) => {
        this.#swaps.inc({ model: e.name });
        this.options.log?.(`model ${e.name} v${e.version} ${e.hash.slice(0, 19)} from ${e.source}${prev ? ` replaces v${prev.version}` : ''}`);
        this.options.onModel?.(e, prev);
      },
      onLoadFailure: (name, source, err) => {
        this.#loadFailures.inc({ model: name, code: err.code });
        this.options.log?.(`model ${name}: refused ${source}: ${oneLine(err.message)}${err.field ? ` (field ${err.field})` : ''}; ${this.registry.get(name) ? `still serving v${this.registry.get(name)!.version}` : 'not serving it'}`);
      },
    });
  }

  /** Load failures so far (all models), for tests and logs. */
  loadFailures(model: string, code: string): number {
    return this.#loadFailures.get({ model, code });
  }

  /** Body limit for a request line, so adapters can refuse early (413) without reading the body. */
  bodyLimit(method: string, url: string): number {
    return method === 'PUT' ? this.options.maxModelBytes : this.options.maxBodyBytes;
  }

  /** Records a reply; adapters call it for the replies they make themselves (413, 408). */
  record(route: Route | string, status: number, seconds: number, code?: string): void {
    this.#requests.inc({ route, status });
    if (code) this.#errors.inc({ route, code });
    this.#duration.observe(seconds, { route });
  }

  /** A reply for an error an adapter met while reading the body, recorded like any other; `close` ends the connection. */
  adapterError(e: ServeError, startedAt: number, close = true): ServeReply {
    this.record('other', e.status, (performance.now() - startedAt) / 1000, e.code);
    return errorReply(e, close ? { connection: 'close' } : undefined);
  }

  /** Handles one request whose body has been read. Never throws: every failure is a reply. */
  async handle(req: ServeRequest, startedAt = performance.now()): Promise<ServeReply> {
    let route: Route = 'other';
    let reply: ServeReply, code: string | undefined;
    try {
      const q = req.url.indexOf('?');
      const path = q < 0 ? req.url : req.url.slice(0, q);
      const r = this.#route(req.method, path);
      route = r.route;
      reply = await r.run(req);
    } catch (e) {
      let err: ServeError;
      if (e instanceof ServeError) err = e;
      else {
        err = new ServeError('E_INTERNAL', 'internal error (logged)');
        this.options.log?.(`internal error on ${req.method} ${oneLine(req.url, 100)}: ${(e as Error)?.stack ?? e}`);
      }
      code = err.code;
      reply = errorReply(err, err.code === 'E_OVERLOADED' ? { 'retry-after': '1' } : undefined);
    }
    this.record(route, reply.status, (performance.now() - startedAt) / 1000, code);
    return reply;
  }

  #route(method: string, path: string): { route: Route; run: (req: ServeRequest) => ServeReply | Promise<ServeReply> } {
    const only = (route: Route, m: string, run: (req: ServeRequest) => ServeReply | Promise<ServeReply>) => ({
      route, run: method === m ? run : () => { throw new ServeError('E_METHOD', `${method} is not allowed on ${path}, expected ${m}`); },
    });
    if (path === '/healthz') return only('health', 'GET', () => this.#health());
    if (path === '/metrics') return only('metrics', 'GET', () => ({ status: 200, headers: { 'content-type': METRICS_TYPE }, body: this.metrics.render() }));
    if (path === '/v1/models' || path === '/v1/models/') return only('models', 'GET', () => jsonReply(200, { models: this.registry.list().map(describeEntry) }));
    if (path.startsWith('/v1/models/')) {
      const rest = path.slice('/v1/models/'.length);
      const colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        if (rest.slice(colon + 1) !== 'predict') throw new ServeError('E_NOT_FOUND', `no route ${oneLine(path, 100)}; the model verb is :predict`);
        const [rawName, versions, version, ...more] = rest.slice(0, colon).split('/');
        if (more.length || (versions !== undefined && (versions !== 'versions' || version === undefined))) {
          throw new ServeError('E_NOT_FOUND', `no route ${oneLine(path, 100)}; expected /v1/models/{name}[/versions/{v}]:predict`);
        }
        return only('predict', 'POST', (req) => this.#predict(req, decodeName(rawName), version));
      }
      if (rest.includes('/')) throw new ServeError('E_NOT_FOUND', `no route ${oneLine(path, 100)}`);
      const name = decodeName(rest);
      if (method === 'PUT') return { route: 'upload', run: (req) => this.#upload(req, name) };
      return only('model', 'GET', () => this.#status(name));
    }
    return { route: 'other', run: () => { throw new ServeError('E_NOT_FOUND', `no route ${oneLine(path, 100)}; see /v1/models, /healthz, /metrics`); } };
  }

  #health(): ServeReply {
    const models = this.registry.list().map((e) => ({ name: e.name, version: e.version, hash: e.hash }));
    return jsonReply(models.length ? 200 : 503, { status: models.length ? 'ok' : 'no models loaded', models });
  }

  #entry(name: string): ModelEntry {
    const e = this.registry.get(name);
    if (!e) throw new ServeError('E_NO_MODEL', `no model named ${JSON.stringify(name)}; serving ${this.registry.list().map((x) => JSON.stringify(x.name)).join(', ') || 'none'}`, 'model');
    return e;
  }

  #status(name: string): ServeReply {
    const e = this.#entry(name);
    return jsonReply(200, {
      ...describeEntry(e),
      // TF Serving's status shape, for clients that poll it.
      model_version_status: [{ version: String(e.version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
    });
  }

  async #predict(req: ServeRequest, name: string, version: string | undefined): Promise<ServeReply> {
    const format = bodyFormat(req.header('content-type'));
    if (format === null) throw new ServeError('E_MEDIA_TYPE', `content-type ${JSON.stringify(req.header('content-type'))} is not read here, expected application/json or text/csv`, 'content-type');
    const { entry, rows, y } = await this.predict(name, version, (features) => parseRows(req.body, format, features, this.options.maxRows));
    return {
      status: 200,
      headers: { 'content-type': JSON_TYPE, 'x-model-version': String(entry.version), 'x-model-hash': entry.hash },
      body: predictionJson(entry, rows, y),
    };
  }

  /**
   * Rows through the current version of `name` (micro-batched): `toRows` turns the caller's input into rows of that
   * version's features. From the version lookup to the batch submit nothing awaits, so the version that parsed the
   * rows is the one that answers them, whatever swaps happen meanwhile. Used by HTTP and the MQTT bridge.
   */
  async predict(name: string, version: string | undefined, toRows: (features: readonly string[]) => Rows): Promise<{ entry: ModelEntry; rows: Rows; y: Float32Array }> {
    const entry = this.#entry(name);
    if (version !== undefined && version !== String(entry.version)) {
      throw new ServeError('E_NO_MODEL', `version ${JSON.stringify(version)} of ${JSON.stringify(name)} is not loaded; serving version ${entry.version}`, 'version');
    }
    const rows = toRows(entry.decoded.meta.featureNames);
    if (entry.batcher.pendingRows + rows.n > this.options.maxQueueRows) {
      throw new ServeError('E_OVERLOADED', `${entry.batcher.pendingRows} rows are waiting for ${JSON.stringify(name)}; retry shortly`);
    }
    const y = await entry.batcher.submit(rows.x, rows.n);
    this.#predictions.inc({ model: name }, rows.n);
    return { entry, rows, y };
  }

  async #upload(req: ServeRequest, name: string): Promise<ServeReply> {
    if (this.options.token === undefined) throw new ServeError('E_WRITES_DISABLED', 'model uploads are disabled; start the server with --token to allow them', 'authorization');
    const auth = req.header('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m || !sameSecret(m[1].trim(), this.options.token)) throw new ServeError('E_UNAUTHORIZED', 'a model upload needs the header "Authorization: Bearer <token>" with the server\'s token', 'authorization');
    const existed = this.registry.get(name) !== undefined;
    const { entry, changed } = await this.registry.load(name, req.body, 'upload');
    return jsonReply(existed ? 200 : 201, { changed, model: describeEntry(entry) }, { 'x-model-version': String(entry.version), 'x-model-hash': entry.hash });
  }

  /**
   * The Web-standard handler: reads the body within the size and time limits, then `handle`. Deno.serve calls this.
   */
  async fetch(request: Request): Promise<Response> {
    const startedAt = performance.now();
    const url = new URL(request.url);
    let body: Uint8Array;
    try {
      body = await readWebBody(request, this.bodyLimit(request.method, url.pathname), this.options.requestTimeoutMs);
    } catch (e) {
      if (!(e instanceof ServeError)) throw e;
      return toResponse(this.adapterError(e, startedAt));
    }
    const reply = await this.handle({ method: request.method, url: url.pathname + url.search, header: (n) => request.headers.get(n), body }, startedAt);
    return toResponse(reply);
  }

  /** Stops serving: queued rows run, then every model is disposed. */
  close(): Promise<void> {
    return this.registry.close();
  }
}

function decodeName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw new ServeError('E_MODEL_NAME', 'model name is not valid percent-encoding', 'model');
  }
  return checkModelName(name);
}

function toResponse(r: ServeReply): Response {
  return new Response(r.body as BodyInit, { status: r.status, headers: r.headers });
}

/** The 413 for a body over `limit`. */
export function tooLarge(limit: number, got?: number): ServeError {
  return new ServeError('E_BODY_TOO_LARGE', `body${got !== undefined ? ` of ${got} bytes` : ''} is larger than the limit of ${limit} bytes`, 'body');
}

/** The 408 for a body that did not arrive in time. */
export function timedOut(ms: number): ServeError {
  return new ServeError('E_TIMEOUT', `the request body did not arrive within ${ms} ms`, 'body');
}

/** Reads a Web Request's body, refusing more than `limit` bytes (413) or slower than `timeoutMs` (408). */
async function readWebBody(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit, Number(declared));
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(timedOut(timeoutMs)), timeoutMs); });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      size += value.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } catch (e) {
    void reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
