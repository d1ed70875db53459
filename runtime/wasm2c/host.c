/*
 * wasm2c host of the no-host module: nohost.wasm translated to C (`wasm2c nohost.wasm -o nohost.c`) and compiled in,
 * no interpreter; the wasm2c glue of nmp-host.h, with runtime/wasm2c/wasm-rt-static.c as its runtime.
 * Usage: nmp-wasm2c model.nmp [inputs.csv] [--target NAME|INDEX]   (build: runtime/wasm2c/README.md)
 */
#include "nohost.h"
#include "../c/nmp-host.h"
#include "wasm-rt-static.h"

static Z_nohost_instance_t inst;

const char *nmp_engine_start(const uint8_t *wasm, uint32_t wasm_len) {
  (void)wasm, (void)wasm_len;
  wasm_rt_init();
  Z_nohost_init_module();
  WASM_RT_STATIC_TRY(Z_nohost_instantiate(&inst)); /* data segments beyond the static memory trap */
  return NULL;
}

const char *nmp_engine_call(nmp_export f, int32_t a, int32_t b, int32_t *result) {
  Z_nohost_instance_t *i = &inst;
  u32 r = 0;
  switch (f) {
    case NMP_ALLOC: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_alloc(i, (u32)a)); break;
    case NMP_LOAD: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_load(i, (u32)a, (u32)b)); break;
    case NMP_ERROR_OFFSET: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_error_offset(i)); break;
    case NMP_FEATURES: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_features(i)); break;
    case NMP_OUTPUTS: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_outputs(i)); break;
    case NMP_INPUT: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_input(i)); break;
    case NMP_OUTPUT: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_output(i)); break;
    case NMP_ACCUMULATORS: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_accumulators(i)); break;
    case NMP_USED_BYTES: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_used_bytes(i)); break;
    case NMP_PREDICT: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_predict(i)); break;
    case NMP_LABEL: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_label(i, (u32)a)); break;
    case NMP_LABEL_LENGTH: WASM_RT_STATIC_TRY(r = Z_nohostZ_nmp_label_length(i, (u32)a)); break;
    default: return "no such export";
  }
  *result = (int32_t)r;
  return NULL;
}

uint8_t *nmp_engine_memory(uint32_t *size) {
  wasm_rt_memory_t *m = Z_nohostZ_memory(&inst);
  *size = m->size;
  return m->data;
}

void nmp_engine_stop(void) {}

#ifndef NMP_NO_MAIN
int main(int argc, char **argv) { return nmp_cli_main(argc, argv, "wasm2c", 0); }
#endif
