/**
 * @fileoverview `nmp-edge/serve`: the service core and its adapters, for embedding `nmp serve` in another program
 * (and for the Node-RED node). The MQTT bridge is separate (`nmp-edge/serve/mqtt`) so that importing this never
 * loads the MQTT client.
 */
export { Service, predictionJson, describeEntry, type ServiceOptions, type ServeRequest, type ServeReply } from './service.js';
export { ServeError, type ServeErrorCode } from './errors.js';
export { ModelRegistry, validateAndLoad, contentHash, checkModelName, type ModelEntry, type ServedModel } from './registry.js';
export { Batcher, type BatchModel, type BatcherOptions } from './batcher.js';
export { parseRows, rowsFromJson, rowsFromCsv, rowsFromMessage, parseMessage, bodyFormat, type Rows } from './rows.js';
export { listenNode, nodeHandler, type ListenOptions, type Listening } from './node.js';
export { listenDeno, isDeno } from './deno.js';
export { ModelFiles, parseSource, modelNameOf, type ModelSource, type WatchOptions } from './watch.js';
