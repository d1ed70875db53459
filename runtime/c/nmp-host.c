/* Engine-neutral host logic (nmp-host.h): no files, no stdio, so bare-metal builds use it as it is. */
#include <string.h>
#include "nmp-host.h"

const char *const NMP_EXPORT_NAMES[NMP_EXPORT_COUNT] = {
    "nmp_alloc", "nmp_load", "nmp_error_offset", "nmp_features", "nmp_outputs", "nmp_input", "nmp_output",
    "nmp_accumulators", "nmp_used_bytes", "nmp_predict", "nmp_label", "nmp_label_length"};

/* nmp_load's result -> name: the E_* numbers of assembly/common/abi.ts (test/runtime/abi.test.ts checks this table). */
static const char *CODES[] = {"ok", "E_EMPTY", "E_MSGPACK", "E_FORMAT_NAME", "E_FORMAT_VERSION", "E_REQUIRES", "E_CHECKSUM", "E_TYPE",
                              "E_LIMIT", "E_SHAPE", "E_BITWIDTH", "E_LENGTH", "E_PADDING", "E_VALUE", "E_ACC_OVERFLOW", "E_MEMORY"};

const char *nmp_host_code_name(int code) {
  if (code == NMP_HOST_TRAP) return "engine trap";
  if (code == NMP_HOST_NO_ROOM) return "no room in linear memory";
  return code >= 0 && code < (int)(sizeof CODES / sizeof *CODES) ? CODES[code] : "unknown code";
}

static int32_t call(nmp_export f, int32_t a, int32_t b, const char **why) {
  int32_t r = 0;
  const char *e = nmp_engine_call(f, a, b, &r);
  if (e && why) *why = e;
  return e ? INT32_MIN : r;
}

int nmp_host_load(const uint8_t *file, uint32_t len, nmp_model_info *info, int32_t *offset, const char **why) {
  const char *e = NULL;
  *offset = 0;
  int32_t ptr = call(NMP_ALLOC, (int32_t)len, 0, &e);
  if (e) { *why = e; return NMP_HOST_TRAP; }
  uint32_t size;
  uint8_t *mem = nmp_engine_memory(&size);
  /* An engine may back less than the pages the module asked for (bare metal: RAM without 64 KiB rounding). */
  if (!ptr || (uint64_t)(uint32_t)ptr + len > size) return NMP_HOST_NO_ROOM;
  memcpy(mem + ptr, file, len);
  int32_t code = call(NMP_LOAD, ptr, (int32_t)len, &e);
  if (!e && code) *offset = call(NMP_ERROR_OFFSET, 0, 0, &e);
  if (e) { *why = e; return NMP_HOST_TRAP; }
  if (code) return code;
  info->features = call(NMP_FEATURES, 0, 0, &e);
  info->outputs = call(NMP_OUTPUTS, 0, 0, &e);
  info->input = (uint32_t)call(NMP_INPUT, 0, 0, &e);
  info->output = (uint32_t)call(NMP_OUTPUT, 0, 0, &e);
  info->used_bytes = call(NMP_USED_BYTES, 0, 0, &e);
  if (e) { *why = e; return NMP_HOST_TRAP; }
  return 0;
}

int32_t nmp_host_predict(const nmp_model_info *info, const double *x, float *y, int32_t *acc, const char **why) {
  uint32_t size;
  uint8_t *mem = nmp_engine_memory(&size);
  memcpy(mem + info->input, x, 8 * (size_t)info->features); /* wasm memory is little-endian, as every target here */
  int32_t best = call(NMP_PREDICT, 0, 0, why);
  if (best == INT32_MIN) return best;
  memcpy(y, mem + info->output, 4 * (size_t)info->outputs);
  if (acc) {
    int32_t at = call(NMP_ACCUMULATORS, 0, 0, why);
    if (at == INT32_MIN) return at;
    memcpy(acc, mem + at, 4 * (size_t)info->outputs);
  }
  return best;
}

const char *nmp_host_label(int32_t j, int32_t *len) {
  int32_t at = call(NMP_LABEL, j, 0, NULL);
  *len = call(NMP_LABEL_LENGTH, j, 0, NULL);
  uint32_t size;
  uint8_t *mem = nmp_engine_memory(&size);
  if (at <= 0 || *len < 0 || (uint64_t)(uint32_t)at + (uint32_t)*len > size) return NULL;
  return (const char *)mem + at;
}
