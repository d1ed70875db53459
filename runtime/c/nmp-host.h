/*
 * Engine-neutral host of the no-host module dist/wasm/nohost.wasm: the same calls whichever engine runs it
 * (wasm3 interpreter: runtime/wasm3/host.c; wasm2c ahead-of-time C: runtime/wasm2c/host.c; bare-metal Cortex-M:
 * runtime/mcu/main.c). An engine's glue implements the four nmp_engine_* functions; everything else lives once in
 * nmp-host.c (load, predict, labels, error names) and nmp-cli.c (files, CSV, timing).
 */
#ifndef NMP_HOST_H
#define NMP_HOST_H
#include <stdint.h>

/* The module's exports a host calls (assembly/standalone/index.ts); NMP_EXPORT_NAMES gives their names. */
typedef enum {
  NMP_ALLOC, NMP_LOAD, NMP_ERROR_OFFSET, NMP_FEATURES, NMP_OUTPUTS, NMP_INPUT, NMP_OUTPUT, NMP_ACCUMULATORS,
  NMP_USED_BYTES, NMP_PREDICT, NMP_LABEL, NMP_LABEL_LENGTH, NMP_EXPORT_COUNT
} nmp_export;
extern const char *const NMP_EXPORT_NAMES[NMP_EXPORT_COUNT];

/* --- implemented by each engine's glue --- */
/* Instantiates the module (wasm3 parses `wasm`; wasm2c has it compiled in and ignores it). NULL or an error message. */
const char *nmp_engine_start(const uint8_t *wasm, uint32_t wasm_len);
/* Calls export `f` with up to two i32 arguments; NULL, or a message naming the trap (never aborts). */
const char *nmp_engine_call(nmp_export f, int32_t a, int32_t b, int32_t *result);
/* Linear memory now; re-read after every call that may grow it (nmp_alloc, nmp_load): it may move. */
uint8_t *nmp_engine_memory(uint32_t *size);
void nmp_engine_stop(void);

/* --- shared (nmp-host.c) --- */
/* Host-side failures, disjoint from nmp_load's codes (1..15, the E_* numbers of assembly/common/abi.ts). */
#define NMP_HOST_TRAP (-1)    /* the engine trapped or failed: a bug or an engine limit, never a verdict on the file */
#define NMP_HOST_NO_ROOM (-2) /* nmp_alloc could not reserve the file's bytes in linear memory */

typedef struct {
  int32_t features, outputs;
  uint32_t input, output, accumulators; /* offsets in linear memory */
  int32_t used_bytes;                   /* static data + file + arena: the RAM the module touches */
} nmp_model_info;

/* Copies the file into linear memory and lets the module validate it: 0, an nmp_load code (offset = byte in the
   file where it was found), or NMP_HOST_*. `why` gets the engine's message on NMP_HOST_TRAP. */
int nmp_host_load(const uint8_t *file, uint32_t len, nmp_model_info *info, int32_t *offset, const char **why);
/* One sample: f64 x[features] in, f32 y[outputs] and int32 acc[outputs] out (acc may be NULL). Returns the arg-max
   index, -1 - i when input i is not finite, or INT32_MIN after a trap (`why` set). */
int32_t nmp_host_predict(const nmp_model_info *info, const double *x, float *y, int32_t *acc, const char **why);
/* UTF-8 label of output j (not NUL-terminated) and its length; NULL when absent. */
const char *nmp_host_label(int32_t j, int32_t *len);
/* Name of an nmp_load code, or of NMP_HOST_*. */
const char *nmp_host_code_name(int code);

/* --- command line (nmp-cli.c, hosted targets only) --- */
/* The whole CLI; `takes_wasm`: the first argument is the .wasm file (interpreters). Returns the exit code. */
int nmp_cli_main(int argc, char **argv, const char *engine, int takes_wasm);
#endif
