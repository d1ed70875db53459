/*
 * Command line of the C hosts (files, CSV, timing) over nmp-host.c; each engine's host.c supplies main().
 * Usage: <host> [nohost.wasm] model.nmp [inputs.csv] [--target NAME|INDEX]
 * Inputs: one sample per line, comma-separated numbers; a first line with a non-number is a header; --target drops
 * that column (a header name, or a 0-based index). Prints "<label> <y0> <y1> ..." per sample, 9 significant digits
 * (exact for float32); on stderr the median time of nmp_predict.
 * Exit codes: 1 usage, 2 file, 3 engine failure or trap, 4 no room in linear memory, 5 model rejected, 6 bad input line.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nmp-host.h"

static uint8_t *read_file(const char *path, uint32_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "%s: %s\n", path, strerror(errno)); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  if (!buf || n < 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "%s: read failed\n", path); exit(2); }
  fclose(f);
  *len = (uint32_t)n;
  return buf;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Splits `line` in place at commas; returns the field count (at most `max`). */
static int split(char *line, char **fields, int max) {
  int n = 0;
  line[strcspn(line, "\r\n")] = 0;
  for (char *s = line; n < max;) {
    fields[n++] = s;
    char *c = strchr(s, ',');
    if (!c) break;
    *c = 0;
    s = c + 1;
  }
  return n;
}

static int is_number(const char *s) {
  char *e;
  strtod(s, &e);
  while (*e == ' ') e++;
  return e != s && *e == 0;
}

int nmp_cli_main(int argc, char **argv, const char *engine, int takes_wasm) {
  const char *target = NULL, *pos[3] = {0};
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) target = argv[++i];
    else if (npos < 3) pos[npos++] = argv[i];
    else npos = 9;
  }
  if (npos < 1 + takes_wasm || npos > 2 + takes_wasm) {
    fprintf(stderr, "usage: %s %smodel.nmp [inputs.csv] [--target NAME|INDEX]\n", argv[0], takes_wasm ? "nohost.wasm " : "");
    return 1;
  }
  uint32_t wasm_len = 0, model_len;
  uint8_t *wasm = takes_wasm ? read_file(pos[0], &wasm_len) : NULL; /* must outlive the module: wasm3 keeps pointers into it */
  const char *model_path = pos[takes_wasm];
  uint8_t *model = read_file(model_path, &model_len);
  const char *csv = pos[takes_wasm + 1];
  FILE *in = csv ? fopen(csv, "r") : stdin;
  if (!in) { fprintf(stderr, "%s: %s\n", csv, strerror(errno)); return 2; }

  const char *why = nmp_engine_start(wasm, wasm_len);
  if (why) { fprintf(stderr, "%s: %s\n", engine, why); return 3; }
  nmp_model_info m;
  int32_t offset;
  int code = nmp_host_load(model, model_len, &m, &offset, &why);
  free(model); /* the module works on its own copy */
  if (code == NMP_HOST_TRAP) { fprintf(stderr, "%s: nmp_load: %s\n", engine, why); return 3; }
  if (code == NMP_HOST_NO_ROOM) { fprintf(stderr, "%s: %u bytes: no room in linear memory\n", model_path, model_len); return 4; }
  if (code) { fprintf(stderr, "%s: rejected: %s at byte %d\n", model_path, nmp_host_code_name(code), offset); return 5; }
  uint32_t mem_size;
  nmp_engine_memory(&mem_size);
  fprintf(stderr, "model: %d features -> %d outputs; linear memory %u bytes, %d in use (static data + file + arena)\n",
          m.features, m.outputs, mem_size, m.used_bytes);

  static char line[1 << 20]; /* 4096 features x 17 digits fit */
  char **fields = malloc(sizeof(char *) * ((size_t)m.features + 2));
  double *x = malloc(8 * (size_t)m.features + 8);
  float *y = malloc(4 * (size_t)m.outputs + 4);
  double *times = NULL;
  long samples = 0, cap = 0, lineno = 0;
  int skip = -1; /* column dropped by --target */
  if (target && is_number(target)) skip = atoi(target);
  while (fgets(line, sizeof line, in)) {
    lineno++;
    if (*line == '\n' || *line == '\r' || *line == '#') continue;
    int n = split(line, fields, m.features + 2);
    int numeric = 1;
    for (int i = 0; i < n; i++) if (i != skip && !is_number(fields[i])) numeric = 0;
    if (!numeric && samples == 0 && lineno == 1) { /* a header: find --target by name */
      for (int i = 0; target && skip < 0 && i < n; i++) if (strcmp(fields[i], target) == 0) skip = i;
      if (target && skip < 0) { fprintf(stderr, "%s: --target %s: no such column in the header\n", csv ? csv : "stdin", target); return 6; }
      continue;
    }
    int want = m.features + (skip >= 0);
    if (n != want || !numeric) {
      fprintf(stderr, "%s line %ld: %s, expected %d numbers%s\n", csv ? csv : "stdin", lineno,
              n != want ? "wrong number of fields" : "a field is not a number", m.features,
              skip < 0 ? " (a target column? name it with --target)" : " plus the --target column");
      return 6;
    }
    for (int i = 0, k = 0; i < n; i++) if (i != skip) x[k++] = strtod(fields[i], NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int32_t best = nmp_host_predict(&m, x, y, NULL, &why);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (best == INT32_MIN) { fprintf(stderr, "%s: nmp_predict: %s\n", engine, why); return 3; }
    if (best < 0) { fprintf(stderr, "line %ld: input %d is not finite\n", lineno, -1 - best); return 6; }
    if (samples == cap) times = realloc(times, sizeof(double) * (size_t)(cap = cap ? 2 * cap : 1024));
    times[samples++] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
    int32_t ll;
    const char *label = nmp_host_label(best, &ll);
    printf("%.*s", label ? ll : 1, label ? label : "?");
    for (int j = 0; j < m.outputs; j++) printf(" %.9g", y[j]);
    printf("\n");
  }
  if (samples) {
    qsort(times, (size_t)samples, sizeof(double), cmp_double);
    fprintf(stderr, "%ld samples, median %.2f us per predict (%s, this machine)\n", samples, times[(samples - 1) / 2], engine);
  }
  nmp_engine_stop();
  free(wasm);
  return 0;
}
