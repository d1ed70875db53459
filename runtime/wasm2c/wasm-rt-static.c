/* The runtime of wasm-rt-static.h: what wasm2c output calls, without mmap, signals or malloc. */
#include <stdarg.h>
#include <string.h>
#include "wasm-rt-static.h"

#ifndef NMP_MEMORY_BYTES
#define NMP_MEMORY_BYTES (64u << 20) /* hosted default; bare-metal builds size it to the model (nmp_used_bytes) */
#endif
#define PAGE 65536u

static uint8_t memory[NMP_MEMORY_BYTES] __attribute__((aligned(16)));
const uint32_t wasm_rt_static_capacity = NMP_MEMORY_BYTES;
jmp_buf wasm_rt_static_jmp;
uint32_t wasm_rt_call_stack_depth;
static bool initialized, memory_taken;

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }
void wasm_rt_free(void) { initialized = false; }

const char *wasm_rt_static_trap_name(int trap) {
  switch (trap) {
    case WASM_RT_TRAP_OOB: return "trap: out-of-bounds memory access (beyond the static memory?)";
    case WASM_RT_TRAP_INT_OVERFLOW: return "trap: integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "trap: integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "trap: invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "trap: unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "trap: bad call_indirect";
    case WASM_RT_TRAP_EXHAUSTION: return "trap: call stack exhausted";
    default: return "trap";
  }
}

void wasm_rt_trap(wasm_rt_trap_t trap) { longjmp(wasm_rt_static_jmp, trap == WASM_RT_TRAP_NONE ? -1 : (int)trap); }

/* Function types: equal signatures get equal ids (call_indirect compares them). Read as int: arm-none-eabi-gcc's
   -fshort-enums makes wasm_rt_type_t one byte, and va_arg of a promoted enum type is undefined. */
#define MAX_TYPES 32 /* nohost.wasm has 14 */
#define MAX_ARITY 12 /* params + results; nohost.wasm's widest has 8 */
static struct { uint8_t params, results, types[MAX_ARITY]; } types[MAX_TYPES];
static uint32_t ntypes;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint8_t t[MAX_ARITY] = {0};
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; i++) {
    int v = va_arg(ap, int);
    if (i < MAX_ARITY) t[i] = (uint8_t)v;
  }
  va_end(ap);
  if (params + results > MAX_ARITY) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
  for (uint32_t i = 0; i < ntypes; i++)
    if (types[i].params == params && types[i].results == results && !memcmp(types[i].types, t, sizeof t)) return i;
  if (ntypes == MAX_TYPES) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
  types[ntypes].params = params, types[ntypes].results = results;
  memcpy(types[ntypes].types, t, sizeof t);
  return ntypes++;
}

static uint32_t backed(uint32_t pages) {
  uint64_t want = (uint64_t)pages * PAGE;
  return want < NMP_MEMORY_BYTES ? (uint32_t)want : NMP_MEMORY_BYTES;
}

/* One memory per process (the module has one; instantiating again reuses and clears it). */
void wasm_rt_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial_pages, uint32_t max_pages) {
  (void)memory_taken;
  memory_taken = true;
  mem->data = memory;
  mem->pages = initial_pages;
  mem->max_pages = max_pages;
  mem->size = backed(initial_pages);
  memset(memory, 0, mem->size);
}

/* Grows while the new pages start inside the array; bytes past it stay unbacked and trap if touched. */
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *mem, uint32_t delta) {
  uint32_t old = mem->pages;
  uint64_t pages = (uint64_t)old + delta;
  if (pages > mem->max_pages || pages > (NMP_MEMORY_BYTES + PAGE - 1) / PAGE) return (uint32_t)-1;
  uint32_t size = backed((uint32_t)pages);
  memset(memory + mem->size, 0, size - mem->size);
  mem->pages = (uint32_t)pages;
  mem->size = size;
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t *mem) { mem->size = 0; }
