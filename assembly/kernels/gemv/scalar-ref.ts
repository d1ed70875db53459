/** @fileoverview Reference GEMV on the file's canonical bit-packed rows (SPEC §5): slow, simple, any width 1..8. */

/** Reads code `i` of a canonical row: `bits` bits LSB-first; 1-bit codes mean 2u - 1, wider ones two's complement. */
@inline export function canonicalCode(row: usize, i: i32, bits: i32): i32 {
  const bit = i * bits;
  const p = row + <usize>(bit >>> 3);
  const sh = bit & 7;
  let v = <i32>load<u8>(p) >>> sh;
  if (sh + bits > 8) v |= <i32>load<u8>(p + 1) << (8 - sh); // never reads past the row's last byte
  v &= (1 << bits) - 1;
  return bits == 1 ? (v << 1) - 1 : (v << (32 - bits)) >> (32 - bits);
}

/** out[r] = bias[r] + sum_k code(r, k) * x[k], x int16. Rows at `w + r * rowBytes`. */
export function gemv_wNa16_r1__scalar(w: usize, rowBytes: i32, bits: i32, x: usize, bias: usize, out: usize, rows: i32, k: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = w + <usize>r * <usize>rowBytes;
    let acc = load<i32>(bias + (<usize>r << 2));
    for (let i = 0; i < k; i++) acc += canonicalCode(row, i, bits) * <i32>load<i16>(x + (<usize>i << 1));
    store<i32>(out + (<usize>r << 2), acc);
  }
}
