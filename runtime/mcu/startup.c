/*
 * Cortex-M4 start-up for qemu's mps2-an386 (code/flash at 0x0, RAM at 0x20000000): vector table, .data copy, .bss zero,
 * FPU on, a painted stack (for the high-water mark), then main() with newlib's semihosting (rdimon) for stdio and exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack, _stack_limit;
extern int main(void);
extern void initialise_monitor_handles(void);
void Reset_Handler(void);
void SysTick_Handler(void);

static void Hang(void) { for (;;) {} }

/* Initial SP, reset, NMI, HardFault ... SysTick (15). A fault hangs; the runner's timeout reports it. */
__attribute__((section(".isr_vector"), used)) const void *const vectors[16] = {
    &_estack, Reset_Handler, Hang, Hang, Hang, Hang, Hang, 0, 0, 0, 0, Hang, Hang, 0, Hang, SysTick_Handler};

#define STACK_PAINT 0xA5A5A5A5u

/* Bytes of stack ever used: the lowest word below _estack that lost its paint. */
uint32_t mcu_stack_high_water(void) {
  uint32_t *p = &_stack_limit;
  while (p < &_estack && *p == STACK_PAINT) p++;
  return (uint32_t)((uintptr_t)&_estack - (uintptr_t)p);
}

void Reset_Handler(void) {
  /* FPU first: a hard-float build locks up on its first float instruction otherwise (CPACR CP10/CP11 full access). */
  *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
  __asm volatile("dsb\n\tisb");
  for (uint32_t *s = &_sidata, *d = &_sdata; d < &_edata;) *d++ = *s++;
  for (uint32_t *d = &_sbss; d < &_ebss;) *d++ = 0;
  /* Paint the stack below this frame (256 bytes of margin for it). */
  uint32_t *sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = &_stack_limit; p < sp - 64; p++) *p = STACK_PAINT;
  initialise_monitor_handles();
  exit(main());
}
