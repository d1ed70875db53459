/*
 * A small wasm2c runtime (wabt 1.0.32's wasm-rt.h API) for hosts with no mmap or signals, bare metal included:
 * linear memory is one static array of NMP_MEMORY_BYTES (no 64 KiB rounding: the last page may be backed only in
 * part, and every access beyond the array traps through wasm2c's bounds checks), and a trap longjmps back to the
 * WASM_RT_STATIC_TRY around the call. Build the wasm2c output with -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0.
 */
#ifndef WASM_RT_STATIC_H
#define WASM_RT_STATIC_H
#include <setjmp.h>
#include "wasm-rt.h"

extern jmp_buf wasm_rt_static_jmp;
const char *wasm_rt_static_trap_name(int trap);
/* Bytes of the static array backing linear memory (the RAM a model may use, static data included). */
extern const uint32_t wasm_rt_static_capacity;

/* Runs `stmt` (a call into the module); a trap returns the trap's name from the enclosing function. */
#define WASM_RT_STATIC_TRY(stmt)                                        \
  do {                                                                  \
    int trap_ = setjmp(wasm_rt_static_jmp);                             \
    if (trap_) {                                                        \
      wasm_rt_call_stack_depth = 0;                                     \
      return wasm_rt_static_trap_name(trap_);                           \
    }                                                                   \
    stmt;                                                               \
  } while (0)
#endif
