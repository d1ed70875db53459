/**
 * @fileoverview Node-RED node `nmp predict`: msg.payload (an object keyed by feature name, an array in feature order,
 * {"instances": [...]}, {"inputs": {...}}, or a line of comma-separated numbers) in, the prediction out, through the
 * same service core as `nmp serve` (tools/serve): strict validation and a self-check before a model is used, micro-
 * batching of messages that arrive together, and with "watch" on, a changed file is swapped in without dropping a
 * message (a file that fails validation leaves the old model running and is reported with node.warn).
 *
 * CommonJS, as Node-RED loads nodes with require; the service core is ESM, hence the dynamic import.
 */
'use strict';

/** nmp-edge/serve when installed as a package; in the nmp-edge repository itself, its build. */
function loadCore() {
  return import('nmp-edge/serve').catch((e) => {
    if (e && e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'MODULE_NOT_FOUND') throw e;
    return import('../../dist/tools/serve/index.js');
  });
}

module.exports = function (RED) {
  function NmpPredictNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const path = String(config.model || '').trim();
    const name = 'model';
    let files = null;
    let service = null;
    let closed = false;

    const ready = loadCore().then(async (core) => {
      if (!path) throw new Error('no model file configured');
      service = new core.Service({
        batchWindowMs: Number(config.batchWindow) || 0,
        log: (line) => { if (/refused|cannot/.test(line)) node.warn(line); else node.log(line); },
        onModel: (entry) => node.status({ fill: 'green', shape: 'dot', text: `v${entry.version} ${entry.hash.slice(7, 19)}` }),
      });
      files = new core.ModelFiles(service.registry, [{ kind: 'file', path, name }], config.watch === true || config.watch === 'true', {
        intervalMs: 1000,
        log: (line) => node.warn(line),
      });
      await files.ready;
      if (closed) files.close();
      return core;
    });
    ready.catch((e) => {
      node.status({ fill: 'red', shape: 'ring', text: 'model not loaded' });
      node.error(`nmp predict: ${e && e.message ? e.message : e}`);
    });

    node.on('input', (msg, send, done) => {
      send = send || function () { node.send.apply(node, arguments); };
      ready.then((core) => {
        let id;
        return service.predict(name, undefined, (features) => {
          const m = core.parseMessage(msg.payload);
          id = m.id;
          return m.rows(features, service.options.maxRows);
        }).then(({ entry, rows, y }) => {
          msg.payload = JSON.parse(core.predictionJson(entry, rows, y, id === undefined ? '' : `"id":${JSON.stringify(id)},`));
          send(msg);
          done();
        });
      }).catch((e) => {
        // A refused payload: catchable with a Catch node; msg.error carries the service's error object.
        const err = e && e.toJSON ? e.toJSON().error : { code: 'E_INTERNAL', message: String(e && e.message ? e.message : e) };
        msg.error = err;
        done ? done(`${err.code}: ${err.message}`) : node.error(`${err.code}: ${err.message}`, msg);
      });
    });

    node.on('close', (removed, done) => {
      closed = true;
      if (files) files.close();
      const finish = () => (service ? service.close() : Promise.resolve()).then(() => done(), () => done());
      ready.then(finish, finish);
    });
  }

  RED.nodes.registerType('nmp predict', NmpPredictNode);
};
