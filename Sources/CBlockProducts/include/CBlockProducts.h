#ifndef SPINDLE_CBLOCKPRODUCTS_H
#define SPINDLE_CBLOCKPRODUCTS_H
#include <stddef.h>
#include <stdint.h>

/// The integer block products this CPU runs: 2 (AVX-512 VNNI, with VL and BW), 1 (AVX2, FMA,
/// F16C), else 0 (and always 0 on other architectures).
int spindle_block_products_level(void);

/// Rows `first..<end` of Q4_1 weights (when `q4_1`) or Q8_0 weights (`row_bytes` apart,
/// `blocks` 32-value blocks per row) times `count` activation vectors quantized to Q8_1 or
/// Q8_0: `quants` (`count × blocks × 32`, element order), `scales` (`count × blocks`, F16
/// values) and, for Q8_1, `sums` (`count × blocks`). Output `t` of row `r` goes to
/// `out[t * rows + r]`.
///
/// Per output the arithmetic and order of llama.cpp's `ggml_vec_dot_q4_1_q8_1` (or tinyBLAS'
/// Q8_0 tile): per block the exact integer sums of elements `4k…4k+3` in lane `k`
/// (`maddubs` + `madd`, or `dpbusd`), converted to Float, `acc = fma(d_w·d_a, sums, acc)`; Q4_1
/// adds `m_w·s_a` per block into a scalar; then `hsum(acc)` (+ that scalar). Only on CPUs
/// `spindle_block_products_level` reports: 1 or more for `_avx2`, 2 for `_vnni`.
void spindle_block_rows_avx2(const void *weights, size_t row_bytes, size_t blocks, size_t rows,
                             size_t first, size_t end, const int8_t *quants, const float *scales,
                             const float *sums, size_t count, int q4_1, float *out);
void spindle_block_rows_vnni(const void *weights, size_t row_bytes, size_t blocks, size_t rows,
                             size_t first, size_t end, const int8_t *quants, const float *scales,
                             const float *sums, size_t count, int q4_1, float *out);

/// Exact numerics' products of `rows` consecutive Q4_1 (when `q4_1`) or Q8_0 rows (`row_bytes`
/// apart, `blocks` blocks each) with one Float vector `x`, into `out[0..<rows]`, as
/// `Kernels.dotBlocks` in Swift: lane `j` of a row's 16-lane chain takes elements `j`, then
/// `16 + j`, of each block, every weight decoded to its Float value first (Q4_1 `q·d + m`,
/// Q8_0 `d·q`), one `fma` each, then `_mm512_reduce_add_ps`'s order. `scales`: room for
/// `8 × blocks` Floats. AVX2, FMA and F16C only.
void spindle_exact_block_rows_avx2(const void *weights, size_t row_bytes, size_t blocks,
                                   size_t rows, int q4_1, const float *x, float *scales,
                                   float *out);

/// Four Float rows (`rows[0..<4]`, `columns` values each; the first `tile` real, the others
/// repeating one) times `vectors` Float vectors (`x`, `columns` apart) in `width`-lane fused
/// chains (8 or 16; `columns` a multiple of it), as `Kernels.dotF16Lanes`: lane `l` takes one
/// `fma` per element `k + l`, `k = 0, width, …`, in order, then the lanes are summed as
/// tinyBLAS' `hsum` (8) or `_mm512_reduce_add_ps` (16). Row `i`'s output for vector `t` goes to
/// `out[t·out_stride + i]`. AVX2, FMA and F16C only.
void spindle_float_tile_avx2(const float *const *rows, size_t tile, size_t columns,
                             const float *x, size_t vectors, size_t width, float *out,
                             size_t out_stride);

#endif
