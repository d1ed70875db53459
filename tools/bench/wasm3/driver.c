/**
 * @fileoverview wasm3 timing driver for the benchmark: loads a module, copies a prepared memory image (packed weights,
 * activations, descriptor) at `base`, calls one export with i32 arguments, prints the int32 outputs of the first call
 * and the per-call time distribution. Built by tools/bench/wasm3.ts against a wasm3 checkout; never committed as binary.
 *
 * Model mode drives the scalar module's no-host API exactly as an MCU host does (runtime/wasm3/README.md): nmp_alloc,
 * copy the .nmp file, nmp_load, then per sample f64 inputs at nmp_input() and nmp_predict().
 *
 * usage: driver MODULE.wasm IMAGE.bin BASE FUNC MIN_SECONDS MAX_CALLS OUT_PTR OUT_COUNT [I32_ARG...]
 *        driver --model MODULE.wasm MODEL.nmp INPUTS.f64 ROWS MIN_SECONDS MAX_CALLS
 * stdout: kernel: "out v0 v1 ..."; model: "load CODE used BYTES features F outputs O", then per input row
 *         "y <f32 bit patterns>" and "acc <int32s>"; both end with "calls N p50_ns P p99_ns Q mean_ns M min_ns m",
 *         timing repeated calls (model: nmp_predict on the last row).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm3.h"
#include "m3_env.h"

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "%s: cannot open\n", path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
  if (n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "%s: short read\n", path); exit(2); }
  fclose(f);
  *len = (size_t)n;
  return b;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#define CHECK(r, what) do { M3Result r_ = (r); if (r_) { fprintf(stderr, "wasm3 %s: %s\n", what, r_); return 2; } } while (0)

/** Times `maxCalls` calls (or as many as fit in minSeconds, at least 3) individually; prints the distribution. */
static int timed(IM3Function fn, uint32_t nargs, const void **argp, double minSeconds, long maxCalls) {
  double *t = malloc(sizeof(double) * (size_t)(maxCalls > 0 ? maxCalls : 1));
  long n = 0;
  double start = now_ns();
  while (n < maxCalls && (n < 3 || now_ns() - start < minSeconds * 1e9)) {
    double t0 = now_ns();
    M3Result r = m3_Call(fn, nargs, argp);
    t[n++] = now_ns() - t0;
    if (r) { fprintf(stderr, "wasm3 call %ld: %s\n", n, r); return 2; }
  }
  double sum = 0;
  for (long i = 0; i < n; i++) sum += t[i];
  qsort(t, (size_t)n, sizeof(double), cmp);
  // Nearest-rank percentiles, as tools/bench/harness.ts.
  long i50 = (long)ceil(0.5 * n) - 1, i99 = (long)ceil(0.99 * n) - 1;
  if (i50 < 0) i50 = 0;
  if (i99 < 0) i99 = 0;
  printf("calls %ld p50_ns %.0f p99_ns %.0f mean_ns %.0f min_ns %.0f\n", n, t[i50], t[i99], sum / n, t[0]);
  free(t);
  return 0;
}

/** Calls an exported function without arguments that returns i32. */
static M3Result call_i32(IM3Runtime rt, const char *name, int32_t *out) {
  IM3Function f;
  M3Result r = m3_FindFunction(&f, rt, name);
  if (!r) r = m3_CallV(f);
  if (!r) r = m3_GetResultsV(f, out);
  return r;
}

/** Model mode: the no-host API end to end. */
static int model_mode(int argc, char **argv) {
  if (argc != 8) { fprintf(stderr, "usage: %s --model MODULE.wasm MODEL.nmp INPUTS.f64 ROWS MIN_SECONDS MAX_CALLS\n", argv[0]); return 2; }
  size_t wasmLen, fileLen, inLen;
  uint8_t *wasm = read_file(argv[2], &wasmLen);
  uint8_t *file = read_file(argv[3], &fileLen);
  uint8_t *inputs = read_file(argv[4], &inLen);
  long rows = atol(argv[5]);
  double minSeconds = atof(argv[6]);
  long maxCalls = atol(argv[7]);
  IM3Environment env = m3_NewEnvironment();
  IM3Runtime rt = m3_NewRuntime(env, 64 * 1024, NULL);
  IM3Module mod;
  CHECK(m3_ParseModule(env, &mod, wasm, (uint32_t)wasmLen), "parse");
  CHECK(m3_LoadModule(rt, mod), "load");
  IM3Function fAlloc, fLoad, fPredict;
  CHECK(m3_FindFunction(&fAlloc, rt, "nmp_alloc"), "nmp_alloc");
  CHECK(m3_FindFunction(&fLoad, rt, "nmp_load"), "nmp_load");
  CHECK(m3_FindFunction(&fPredict, rt, "nmp_predict"), "nmp_predict");
  int32_t len = (int32_t)fileLen, ptr = 0, code = 0, used = 0, F = 0, O = 0, xin = 0, yout = 0, acc = 0, best = 0;
  CHECK(m3_CallV(fAlloc, len), "nmp_alloc");
  CHECK(m3_GetResultsV(fAlloc, &ptr), "nmp_alloc result");
  if (!ptr) { fprintf(stderr, "nmp_alloc(%d) returned 0\n", len); return 2; }
  uint32_t memSize = 0;
  memcpy(m3_GetMemory(rt, &memSize, 0) + ptr, file, fileLen);
  CHECK(m3_CallV(fLoad, ptr, len), "nmp_load");
  CHECK(m3_GetResultsV(fLoad, &code), "nmp_load result");
  CHECK(call_i32(rt, "nmp_used_bytes", &used), "nmp_used_bytes");
  CHECK(call_i32(rt, "nmp_features", &F), "nmp_features");
  CHECK(call_i32(rt, "nmp_outputs", &O), "nmp_outputs");
  printf("load %d used %d features %d outputs %d\n", code, used, F, O);
  if (code) return 3;
  if (inLen != (size_t)rows * (size_t)F * 8) { fprintf(stderr, "inputs: %zu bytes, expected %ld x %d f64\n", inLen, rows, F); return 2; }
  CHECK(call_i32(rt, "nmp_input", &xin), "nmp_input");
  CHECK(call_i32(rt, "nmp_output", &yout), "nmp_output");
  for (long r = 0; r < rows; r++) {
    uint8_t *mem = m3_GetMemory(rt, &memSize, 0); // re-read: loading may have grown (moved) memory
    memcpy(mem + xin, inputs + (size_t)r * (size_t)F * 8, (size_t)F * 8);
    CHECK(m3_CallV(fPredict), "nmp_predict");
    CHECK(m3_GetResultsV(fPredict, &best), "nmp_predict result");
    CHECK(call_i32(rt, "nmp_accumulators", &acc), "nmp_accumulators");
    mem = m3_GetMemory(rt, &memSize, 0);
    printf("y");
    for (int32_t j = 0; j < O; j++) { uint32_t v; memcpy(&v, mem + yout + 4 * j, 4); printf(" %u", v); }
    printf("\nacc");
    for (int32_t j = 0; j < O; j++) { int32_t v; memcpy(&v, mem + acc + 4 * j, 4); printf(" %d", v); }
    printf("\n");
  }
  return timed(fPredict, 0, NULL, minSeconds, maxCalls);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--model") == 0) return model_mode(argc, argv);
  if (argc < 9) { fprintf(stderr, "usage: %s MODULE IMAGE BASE FUNC MIN_SECONDS MAX_CALLS OUT_PTR OUT_COUNT [I32_ARG...]\n", argv[0]); return 2; }
  size_t wasmLen, imageLen;
  uint8_t *wasm = read_file(argv[1], &wasmLen);
  uint8_t *image = read_file(argv[2], &imageLen);
  uint32_t base = (uint32_t)strtoul(argv[3], 0, 10);
  const char *func = argv[4];
  double minSeconds = atof(argv[5]);
  long maxCalls = atol(argv[6]);
  uint32_t outPtr = (uint32_t)strtoul(argv[7], 0, 10);
  uint32_t outCount = (uint32_t)strtoul(argv[8], 0, 10);
  int nargs = argc - 9;
  int32_t args[16];
  const void *argp[16];
  if (nargs > 16) { fprintf(stderr, "at most 16 arguments, got %d\n", nargs); return 2; }
  for (int i = 0; i < nargs; i++) { args[i] = (int32_t)strtol(argv[9 + i], 0, 10); argp[i] = &args[i]; }

  IM3Environment env = m3_NewEnvironment();
  IM3Runtime rt = m3_NewRuntime(env, 64 * 1024, NULL);
  IM3Module mod;
  CHECK(m3_ParseModule(env, &mod, wasm, (uint32_t)wasmLen), "parse");
  CHECK(m3_LoadModule(rt, mod), "load");
  // The host grows memory itself (runtime ABI: heapBase() onwards belongs to the host's arena).
  uint64_t need = (uint64_t)base + imageLen;
  uint64_t end = (uint64_t)outPtr + 4ull * outCount;
  if (end > need) need = end;
  uint32_t pages = (uint32_t)((need + 65535) / 65536);
  if (m3_GetMemorySize(rt) < need) CHECK(ResizeMemory(rt, pages), "grow memory");
  uint32_t memSize = 0;
  uint8_t *mem = m3_GetMemory(rt, &memSize, 0);
  memcpy(mem + base, image, imageLen);

  IM3Function fn;
  CHECK(m3_FindFunction(&fn, rt, func), func);
  CHECK(m3_Call(fn, (uint32_t)nargs, argp), "first call"); // also compiles the function (wasm3 compiles lazily)
  mem = m3_GetMemory(rt, &memSize, 0);
  printf("out");
  for (uint32_t i = 0; i < outCount; i++) { int32_t v; memcpy(&v, mem + outPtr + 4 * i, 4); printf(" %d", v); }
  printf("\n");

  return timed(fn, (uint32_t)nargs, argp, minSeconds, maxCalls);
}
