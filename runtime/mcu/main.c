/*
 * Bare-metal wasm2c host for an emulated Cortex-M4 (tools/bench/mcu.ts, `npm run mcu`): the model and the input rows
 * are const arrays in flash (generated per model), the engine is nohost.wasm translated by wasm2c with
 * runtime/wasm2c/wasm-rt-static.c (linear memory = one static array sized to the model). Semihosting prints, per row,
 * the outputs' float32 bits and the instructions nmp_predict took; then load cost, RAM in use and the stack high-water.
 * Instructions come from SysTick under `qemu -icount` (virtual time per instruction fixed); the calibration loop turns
 * ticks into instructions.
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "../c/nmp-host.h"
#include "wasm-rt-static.h"

extern const uint8_t nmp_model[];
extern const uint32_t nmp_model_len, nmp_rows;
extern const double nmp_inputs[];
extern uint32_t mcu_stack_high_water(void);
extern char end;

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
static volatile uint32_t wraps;
void SysTick_Handler(void) { wraps++; }

/* Ticks since start: 24-bit down-counter plus wrap interrupts. */
static uint64_t ticks(void) {
  uint32_t w, v;
  do { w = wraps; v = SYST_CVR; } while (w != wraps);
  return ((uint64_t)w << 24) + (0xFFFFFFu - v);
}

/* 2 x n + a few instructions: subs + bne per iteration. */
__attribute__((noinline)) static void spin(uint32_t n) {
  __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
}

int main(void) {
  SYST_RVR = 0xFFFFFF;
  SYST_CVR = 0;
  SYST_CSR = 7; /* enable, interrupt on wrap, processor clock */
  uint64_t t0 = ticks(), t1 = ticks(), t2;
  spin(1000000);
  t2 = ticks();
  /* newlib-nano's printf has no %llu: intervals are printed as 32 bits (under 2^32 ticks each). */
  printf("calibrate empty %lu spin2m %lu\n", (unsigned long)(t1 - t0), (unsigned long)(t2 - t1));

  const char *why = nmp_engine_start(NULL, 0);
  if (why) { printf("error start %s\n", why); return 3; }
  nmp_model_info m;
  int32_t offset;
  t0 = ticks();
  int code = nmp_host_load(nmp_model, nmp_model_len, &m, &offset, &why);
  t1 = ticks();
  if (code) { printf("error load %s at %ld %s\n", nmp_host_code_name(code), (long)offset, code == NMP_HOST_TRAP ? why : ""); return 5; }
  printf("load ticks %lu used %ld capacity %lu features %ld outputs %ld\n", (unsigned long)(t1 - t0), (long)m.used_bytes,
         (unsigned long)wasm_rt_static_capacity, (long)m.features, (long)m.outputs);
#ifndef NMP_MAX_OUTPUTS
#define NMP_MAX_OUTPUTS 4096 /* the format's limit; builds set the model's count */
#endif
  static float y[NMP_MAX_OUTPUTS];
  if (m.outputs > NMP_MAX_OUTPUTS) { printf("error outputs %ld > NMP_MAX_OUTPUTS\n", (long)m.outputs); return 3; }
  for (uint32_t r = 0; r < nmp_rows; r++) {
    t0 = ticks();
    int32_t best = nmp_host_predict(&m, nmp_inputs + (size_t)r * (size_t)m.features, y, NULL, &why);
    t1 = ticks();
    if (best == INT32_MIN) { printf("error predict %s\n", why); return 3; }
    printf("row %lu best %ld ticks %lu y", (unsigned long)r, (long)best, (unsigned long)(t1 - t0));
    for (int32_t j = 0; j < m.outputs; j++) {
      union { float f; uint32_t u; } b = {y[j]};
      printf(" %08lx", (unsigned long)b.u);
    }
    printf("\n");
  }
  printf("stack %lu heap %lu\n", (unsigned long)mcu_stack_high_water(), (unsigned long)((char *)sbrk(0) - &end));
  return 0;
}
