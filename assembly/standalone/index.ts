/** @fileoverview No-host entry points of the scalar module (wasm3 on MCUs): load a model from file bytes placed in memory. */
