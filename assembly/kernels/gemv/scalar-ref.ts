/** @fileoverview Reference GEMV on the file's canonical bit-packed rows (SPEC §5): slow, simple, any width 1..8. */
import { canonicalCode } from '../../common/canonical';

/** out[r] = bias[r] + sum_k code(r, k) * x[k], x int16. Rows at `w + r * rowBytes`. */
export function gemv_wNa16_r1__scalar(w: usize, rowBytes: i32, bits: i32, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = w + <usize>r * <usize>rowBytes;
    let acc = load<i32>(bias + (<usize>r << 2));
    for (let i = 0; i < k; i++) acc += canonicalCode(row, i, bits) * <i32>load<i16>(x + (<usize>i << 1));
    store<i32>(out + (<usize>r << 2), acc);
  }
}
