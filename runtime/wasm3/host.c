/*
 * Minimal wasm3 host for the no-host module dist/wasm/nohost.wasm (runtime/wasm3/README.md).
 * Usage: nmp-wasm3 nohost.wasm model.nmp [inputs.csv]   (inputs: one sample per line, comma-separated; default stdin)
 * Prints one line per sample: "<label> <y0> <y1> ..." with 9 significant digits (exact for float32).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "wasm3.h"

/* nmp_load's result -> name: the E_* numbers of assembly/common/abi.ts (test/runtime/abi.test.ts checks this table). */
static const char *CODES[] = {"ok", "E_EMPTY", "E_MSGPACK", "E_FORMAT_NAME", "E_FORMAT_VERSION", "E_REQUIRES", "E_CHECKSUM", "E_TYPE",
                              "E_LIMIT", "E_SHAPE", "E_BITWIDTH", "E_LENGTH", "E_PADDING", "E_VALUE", "E_ACC_OVERFLOW", "E_MEMORY"};

static uint8_t *read_file(const char *path, uint32_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? n : 1);
  if (!buf || fread(buf, 1, n, f) != (size_t)n) { fprintf(stderr, "%s: read failed\n", path); exit(2); }
  fclose(f);
  *len = (uint32_t)n;
  return buf;
}

static void check(M3Result r, const char *what) {
  if (r) { fprintf(stderr, "wasm3: %s: %s\n", what, r); exit(3); }
}

static IM3Function fn(IM3Runtime rt, const char *name) {
  IM3Function f;
  check(m3_FindFunction(&f, rt, name), name);
  return f;
}

/* Calls an exported function of 0 or 1 i32 argument that returns an i32. */
static int32_t call_i(IM3Function f, int nargs, int32_t arg) {
  int32_t out = 0;
  check(nargs ? m3_CallV(f, arg) : m3_CallV(f), m3_GetFunctionName(f));
  check(m3_GetResultsV(f, &out), m3_GetFunctionName(f));
  return out;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s nohost.wasm model.nmp [inputs.csv]\n", argv[0]); return 1; }
  uint32_t wasm_len, model_len;
  uint8_t *wasm = read_file(argv[1], &wasm_len); /* must outlive the module: wasm3 keeps pointers into it */
  uint8_t *model = read_file(argv[2], &model_len);
  FILE *in = argc > 3 ? fopen(argv[3], "r") : stdin;
  if (!in) { perror(argv[3]); return 2; }

  IM3Environment env = m3_NewEnvironment();
  IM3Runtime rt = m3_NewRuntime(env, 8 * 1024 /* wasm value stack; the module needs < 1 KiB */, NULL);
  IM3Module mod;
  check(m3_ParseModule(env, &mod, wasm, wasm_len), "parse");
  check(m3_LoadModule(rt, mod), "load"); /* the module imports nothing: no linking */

  /* 1. Reserve room for the file in linear memory, copy it in, 2. let the module validate it and build its arena. */
  int32_t ptr = call_i(fn(rt, "nmp_alloc"), 1, (int32_t)model_len);
  if (!ptr) { fprintf(stderr, "nmp_alloc(%u): out of linear memory\n", model_len); return 4; }
  uint32_t mem_size;
  uint8_t *mem = m3_GetMemory(rt, &mem_size, 0);
  memcpy(mem + ptr, model, model_len);
  free(model); /* the module works on its own copy */
  IM3Function load = fn(rt, "nmp_load");
  int32_t code = 0;
  check(m3_CallV(load, ptr, (int32_t)model_len), "nmp_load");
  check(m3_GetResultsV(load, &code), "nmp_load");
  if (code) {
    fprintf(stderr, "%s: rejected: %s at byte %d\n", argv[2], code > 0 && code < (int32_t)(sizeof CODES / sizeof *CODES) ? CODES[code] : "?", call_i(fn(rt, "nmp_error_offset"), 0, 0));
    return 5;
  }
  int32_t features = call_i(fn(rt, "nmp_features"), 0, 0), outputs = call_i(fn(rt, "nmp_outputs"), 0, 0);
  uint32_t input = (uint32_t)call_i(fn(rt, "nmp_input"), 0, 0), output = (uint32_t)call_i(fn(rt, "nmp_output"), 0, 0);
  IM3Function predict = fn(rt, "nmp_predict"), label = fn(rt, "nmp_label"), label_len = fn(rt, "nmp_label_length");
  mem = m3_GetMemory(rt, &mem_size, 0); /* loading may have grown (moved) linear memory */
  fprintf(stderr, "model: %d features -> %d outputs; linear memory %u bytes, %d in use (static data + file + arena)\n",
          features, outputs, mem_size, call_i(fn(rt, "nmp_used_bytes"), 0, 0));

  static char line[1 << 20]; /* 4096 features x 17 digits fit */
  double total_us = 0;
  long samples = 0;
  while (fgets(line, sizeof line, in)) {
    char *s = line, *e;
    if (*s == '\n' || *s == '#') continue;
    for (int i = 0; i < features; i++) {
      double x = strtod(s, &e);
      if (e == s) { fprintf(stderr, "line %ld: expected %d numbers\n", samples + 1, features); return 6; }
      memcpy(mem + input + 8 * i, &x, 8); /* little-endian host assumed (wasm memory is little-endian) */
      s = e + (*e == ',');
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int32_t best = call_i(predict, 0, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    total_us += (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
    samples++;
    if (best < 0) { fprintf(stderr, "line %ld: input %d is not finite\n", samples, -1 - best); return 6; }
    int32_t lp = call_i(label, 1, best), ll = call_i(label_len, 1, best);
    printf("%.*s", ll, (const char *)mem + lp);
    for (int j = 0; j < outputs; j++) {
      float y;
      memcpy(&y, mem + output + 4 * j, 4);
      printf(" %.9g", y);
    }
    printf("\n");
  }
  if (samples) fprintf(stderr, "%ld samples, %.1f us per predict (wasm3, this machine)\n", samples, total_us / samples);
  m3_FreeRuntime(rt);
  m3_FreeEnvironment(env);
  free(wasm);
  return 0;
}
