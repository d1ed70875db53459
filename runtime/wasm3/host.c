/*
 * wasm3 host of the no-host module dist/wasm/nohost.wasm (runtime/wasm3/README.md): the wasm3 glue of nmp-host.h;
 * the CLI and the calls themselves are shared with the wasm2c host (runtime/c/).
 * Usage: nmp-wasm3 dist/wasm/nohost.wasm model.nmp [inputs.csv] [--target NAME|INDEX]
 */
#include <stdio.h>
#include "wasm3.h"
#include "../c/nmp-host.h"

static IM3Environment env;
static IM3Runtime rt;
static IM3Function fns[NMP_EXPORT_COUNT];

const char *nmp_engine_start(const uint8_t *wasm, uint32_t wasm_len) {
  env = m3_NewEnvironment();
  rt = env ? m3_NewRuntime(env, 8 * 1024 /* wasm value stack; the module needs < 1 KiB */, NULL) : NULL;
  if (!rt) return "out of memory creating the runtime";
  IM3Module mod;
  M3Result r = m3_ParseModule(env, &mod, wasm, wasm_len);
  if (!r) r = m3_LoadModule(rt, mod); /* the module imports nothing: no linking */
  if (r) return r;
  for (int i = 0; i < NMP_EXPORT_COUNT; i++) {
    if (m3_FindFunction(&fns[i], rt, NMP_EXPORT_NAMES[i])) {
      static char msg[96];
      snprintf(msg, sizeof msg, "the module has no export %s: pass dist/wasm/nohost.wasm", NMP_EXPORT_NAMES[i]);
      return msg;
    }
  }
  return NULL;
}

const char *nmp_engine_call(nmp_export f, int32_t a, int32_t b, int32_t *result) {
  uint32_t n = m3_GetArgCount(fns[f]);
  M3Result r = n == 0 ? m3_CallV(fns[f]) : n == 1 ? m3_CallV(fns[f], a) : m3_CallV(fns[f], a, b);
  if (!r) r = m3_GetResultsV(fns[f], result);
  return r;
}

uint8_t *nmp_engine_memory(uint32_t *size) { return m3_GetMemory(rt, size, 0); }

void nmp_engine_stop(void) {
  m3_FreeRuntime(rt);
  m3_FreeEnvironment(env);
}

int main(int argc, char **argv) { return nmp_cli_main(argc, argv, "wasm3", 1); }
