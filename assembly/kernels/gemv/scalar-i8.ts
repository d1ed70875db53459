/**
 * @fileoverview Unpacked GEMV for the interpreter (wasm3): int8 weights times int16 activations, 4 MACs per iteration.
 * Used by the no-host loader where bit-serial would need more than half an AND+POPCNT pair per MAC (W x A > 32: 8-bit
 * weights with 8-bit activations, 4- and 8-bit weights with 16-bit activations); its cost does not depend on either width.
 */

/**
 * out[r] = bias[r] + sum_k w[r][k] * x[k]. w: `rows` rows of `k` int8 values, row-major (row r at w + r*k);
 * x: `k` int16 values; bias, out: int32 per row. Reads exactly those bytes.
 */
export function gemv_w8a16_r1__scalar(w: usize, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  const k4 = k & ~3;
  for (let r = 0; r < rows; r++) {
    let acc = load<i32>(bias + (<usize>r << 2));
    let wp = w + <usize>r * <usize>k, xp = x;
    const wEnd = wp + <usize>k4;
    while (wp < wEnd) {
      acc += <i32>load<i8>(wp) * <i32>load<i16>(xp) + <i32>load<i8>(wp, 1) * <i32>load<i16>(xp, 2)
        + <i32>load<i8>(wp, 2) * <i32>load<i16>(xp, 4) + <i32>load<i8>(wp, 3) * <i32>load<i16>(xp, 6);
      wp += 4;
      xp += 8;
    }
    for (let i = k4; i < k; i++, wp++, xp += 2) acc += <i32>load<i8>(wp) * <i32>load<i16>(xp);
    store<i32>(out + (<usize>r << 2), acc);
  }
}
