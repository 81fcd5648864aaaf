// Integer block products for Q4_1 × Q8_1 and Q8_0 × Q8_0, chosen at run time: each function
// carries its own target attribute (as ggml's CPU variants are compiled per instruction set),
// so the module needs no compiler flags and the binary runs on any x86-64.
//
// No expression here may be contracted into a fused multiply-add other than the explicit ones:
// the order is llama.cpp's, which Spindle's Float kernels reproduce bit for bit.
#pragma clang fp contract(off)

#include "CBlockProducts.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

int spindle_block_products_level(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
    return 2;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c"))
    return 1;
  return 0;
}

#define AVX2 __attribute__((target("avx2,fma,f16c"), always_inline)) static inline
#define VNNI \
  __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni"), always_inline)) \
  static inline

AVX2 float half_at(const uint8_t *p) {
  uint16_t h;
  memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

/// ggml's `hsum_float_8`: lanes 4–7 plus 0–3, then (0 + 2) + (1 + 3).
AVX2 float reduce8(__m256 x) {
  __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

/// A Q4_1 block's 32 quants as unsigned bytes: low nibbles (elements 0–15), then high.
AVX2 __m256i q4_1_bytes(const uint8_t *block) {
  const __m128i packed = _mm_loadu_si128((const __m128i *)(block + 4));
  const __m128i low = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
  const __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F));
  return _mm256_set_m128i(high, low);
}

/// Lane k: `Σ w_e·a_e` over elements 4k…4k+3, `w` unsigned (at most 128, Q8_0's `|−128|`),
/// `a` in [−127, 127]: no pair sum reaches `maddubs`' saturation, so the sums are exact.
AVX2 __m256 lane_sums_avx2(__m256i w, __m256i a) {
  const __m256i pairs = _mm256_maddubs_epi16(w, a);
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

VNNI __m256 lane_sums_vnni(__m256i w, __m256i a) {
  return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), w, a));
}

// A weight block: its 32 quants as bytes (Q4_1: unsigned nibbles; Q8_0: signed), `d` and
// (Q4_1) `m`.
typedef struct {
  __m256i bytes;
  float d;
  float m;
} weight_block;

AVX2 weight_block weight_block_at(const uint8_t *block, int q4_1) {
  weight_block w;
  w.bytes = q4_1 ? q4_1_bytes(block) : _mm256_loadu_si256((const __m256i *)(block + 2));
  w.d = half_at(block);
  w.m = q4_1 ? half_at(block + 2) : 0;
  return w;
}

// One block of one output chain: `acc = fma(d_w·d_a, lane sums, acc)`, and for Q4_1
// `summs += m_w·s_a` (an exact product of two F16 values, so the same as a fused one). Q8_0's
// signed weights take the `sign` trick (|w| unsigned, a's sign flipped where w < 0), exact as
// the activations lie in [−127, 127].
#define CHAIN_STEP(SUMS, acc, summs, w, a_ptr, scale, sum)                                \
  do {                                                                                    \
    __m256i step_a = _mm256_loadu_si256((const __m256i *)(a_ptr));                        \
    __m256i step_w = (w).bytes;                                                           \
    if (!q4_1) {                                                                          \
      step_w = _mm256_sign_epi8((w).bytes, (w).bytes);                                    \
      step_a = _mm256_sign_epi8(step_a, (w).bytes);                                       \
    }                                                                                     \
    acc = _mm256_fmadd_ps(_mm256_set1_ps((w).d * (scale)), SUMS(step_w, step_a), acc);    \
    if (q4_1) summs += (w).m * (sum);                                                     \
  } while (0)

#define FINISH(acc, summs) (q4_1 ? reduce8(acc) + (summs) : reduce8(acc))

// The rows of one weight type (`q4_1` a constant once inlined into the two callers below).
#define DEFINE_BLOCK_ROWS(NAME, TARGET, SUMS)                                               \
  TARGET void NAME##_rows(const uint8_t *w, size_t row_bytes, size_t blocks, size_t rows,   \
                          size_t first, size_t end, const int8_t *quants,                  \
                          const float *scales, const float *sums, size_t count, int q4_1,  \
                          float *out) {                                                    \
    const size_t block_bytes = q4_1 ? 20 : 34;                                              \
    size_t r = first;                                                                      \
    if (count == 1) {                                                                      \
      /* Generation: four rows with the one vector, four independent chains. */             \
      for (; r + 4 <= end; r += 4) {                                                       \
        __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;           \
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;                                              \
        const uint8_t *row = w + r * row_bytes;                                            \
        for (size_t b = 0; b < blocks; b++) {                                              \
          const uint8_t *blk = row + b * block_bytes;                                      \
          const int8_t *av = quants + b * 32;                                              \
          const float scale = scales[b], sum = q4_1 ? sums[b] : 0;                         \
          _mm_prefetch((const char *)blk + 128, _MM_HINT_T0);                              \
          _mm_prefetch((const char *)blk + row_bytes + 128, _MM_HINT_T0);                  \
          _mm_prefetch((const char *)blk + 2 * row_bytes + 128, _MM_HINT_T0);              \
          _mm_prefetch((const char *)blk + 3 * row_bytes + 128, _MM_HINT_T0);              \
          const weight_block w0 = weight_block_at(blk, q4_1);                              \
          const weight_block w1 = weight_block_at(blk + row_bytes, q4_1);                  \
          const weight_block w2 = weight_block_at(blk + 2 * row_bytes, q4_1);              \
          const weight_block w3 = weight_block_at(blk + 3 * row_bytes, q4_1);              \
          CHAIN_STEP(SUMS, acc0, m0, w0, av, scale, sum);                                  \
          CHAIN_STEP(SUMS, acc1, m1, w1, av, scale, sum);                                  \
          CHAIN_STEP(SUMS, acc2, m2, w2, av, scale, sum);                                  \
          CHAIN_STEP(SUMS, acc3, m3, w3, av, scale, sum);                                  \
        }                                                                                  \
        out[r] = FINISH(acc0, m0);                                                         \
        out[r + 1] = FINISH(acc1, m1);                                                     \
        out[r + 2] = FINISH(acc2, m2);                                                     \
        out[r + 3] = FINISH(acc3, m3);                                                     \
      }                                                                                    \
    }                                                                                      \
    for (; r < end; r++) {                                                                 \
      /* Prompts: each row with four vectors at a time, a weight block decoded once. */     \
      const uint8_t *row = w + r * row_bytes;                                              \
      size_t t = 0;                                                                        \
      for (; t + 4 <= count; t += 4) {                                                     \
        __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;           \
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;                                              \
        const size_t v0 = t * blocks, v1 = v0 + blocks, v2 = v1 + blocks, v3 = v2 + blocks;  \
        for (size_t b = 0; b < blocks; b++) {                                              \
          const weight_block wb = weight_block_at(row + b * block_bytes, q4_1);            \
          CHAIN_STEP(SUMS, acc0, m0, wb, quants + (v0 + b) * 32, scales[v0 + b],           \
                     q4_1 ? sums[v0 + b] : 0);                                             \
          CHAIN_STEP(SUMS, acc1, m1, wb, quants + (v1 + b) * 32, scales[v1 + b],           \
                     q4_1 ? sums[v1 + b] : 0);                                             \
          CHAIN_STEP(SUMS, acc2, m2, wb, quants + (v2 + b) * 32, scales[v2 + b],           \
                     q4_1 ? sums[v2 + b] : 0);                                             \
          CHAIN_STEP(SUMS, acc3, m3, wb, quants + (v3 + b) * 32, scales[v3 + b],           \
                     q4_1 ? sums[v3 + b] : 0);                                             \
        }                                                                                  \
        out[t * rows + r] = FINISH(acc0, m0);                                              \
        out[(t + 1) * rows + r] = FINISH(acc1, m1);                                        \
        out[(t + 2) * rows + r] = FINISH(acc2, m2);                                        \
        out[(t + 3) * rows + r] = FINISH(acc3, m3);                                        \
      }                                                                                    \
      for (; t < count; t++) {                                                             \
        __m256 acc = _mm256_setzero_ps();                                                  \
        float m = 0;                                                                       \
        const size_t v = t * blocks;                                                       \
        for (size_t b = 0; b < blocks; b++) {                                              \
          const weight_block wb = weight_block_at(row + b * block_bytes, q4_1);            \
          CHAIN_STEP(SUMS, acc, m, wb, quants + (v + b) * 32, scales[v + b],               \
                     q4_1 ? sums[v + b] : 0);                                              \
        }                                                                                  \
        out[t * rows + r] = FINISH(acc, m);                                                \
      }                                                                                    \
    }                                                                                      \
  }                                                                                        \
  __attribute__((target("avx2,fma,f16c" TARGET_EXTRA_##NAME))) void spindle_block_rows_##NAME( \
      const void *weights, size_t row_bytes, size_t blocks, size_t rows, size_t first,     \
      size_t end, const int8_t *quants, const float *scales, const float *sums,            \
      size_t count, int q4_1, float *out) {                                                \
    if (q4_1)                                                                              \
      NAME##_rows(weights, row_bytes, blocks, rows, first, end, quants, scales, sums, count, \
                  1, out);                                                                 \
    else                                                                                   \
      NAME##_rows(weights, row_bytes, blocks, rows, first, end, quants, scales, sums, count, \
                  0, out);                                                                 \
  }

/// The horizontal sum of one `width`-lane chain: tinyBLAS' `hsum` of 8 lanes (ggml's
/// `hsum_float_8`), or `_mm512_reduce_add_ps`'s order for 16 (the halves added, then the same).
AVX2 float chain_sum(const float *lanes, size_t width) {
  const __m256 low = _mm256_loadu_ps(lanes);
  return reduce8(width == 16 ? _mm256_add_ps(_mm256_loadu_ps(lanes + 8), low) : low);
}

/// One 8-lane half (`h`) of four rows' chains (`tile` of them real; the others repeat row 0).
/// The first half converts each block's F16 scales and keeps them in `scales` for the second.
AVX2 void exact_block_half(const uint8_t *row, size_t row_bytes, size_t blocks, size_t tile,
                           int q4_1, size_t h, const float *x, float *scales, float *lanes) {
  const size_t block_bytes = q4_1 ? 20 : 34;
  const __m256i nibble = _mm256_set1_epi32(0x0F);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (size_t b = 0; b < blocks; b++) {
    const __m256 first = _mm256_loadu_ps(x + b * 32 + h * 8);
    const __m256 second = _mm256_loadu_ps(x + b * 32 + 16 + h * 8);
    for (size_t i = 0; i < 4; i++) {
      const uint8_t *blk = row + (i < tile ? i : 0) * row_bytes + b * block_bytes;
      float *scale = scales + (b * 4 + i) * 2;
      __m256 d, m = _mm256_setzero_ps();
      if (h == 0) {
        _mm_prefetch((const char *)blk + 128, _MM_HINT_T0);
        uint32_t packed = 0;
        memcpy(&packed, blk, q4_1 ? 4 : 2);
        const __m128 halves = _mm_cvtph_ps(_mm_cvtsi32_si128((int)packed));
        _mm_storel_pi((__m64 *)scale, halves);
        d = _mm256_broadcastss_ps(halves);
        if (q4_1) m = _mm256_broadcastss_ps(_mm_movehdup_ps(halves));
      } else {
        // The next four rows' block while this pass rereads cached ones.
        _mm_prefetch((const char *)blk + 4 * row_bytes, _MM_HINT_T0);
        d = _mm256_broadcast_ss(scale);
        if (q4_1) m = _mm256_broadcast_ss(scale + 1);
      }
      __m256 w0, w1;
      if (q4_1) {
        const __m256i bytes =
            _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(blk + 4 + h * 8)));
        w0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(bytes, nibble)), d, m);
        w1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(bytes, 4)), d, m);
      } else {
        const __m128i low = _mm_loadl_epi64((const __m128i *)(blk + 2 + h * 8));
        const __m128i high = _mm_loadl_epi64((const __m128i *)(blk + 18 + h * 8));
        w0 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(low)), d);
        w1 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(high)), d);
      }
      acc[i] = _mm256_fmadd_ps(w1, second, _mm256_fmadd_ps(w0, first, acc[i]));
    }
  }
  for (size_t i = 0; i < tile; i++) _mm256_storeu_ps(lanes + i * 16 + h * 8, acc[i]);
}

// Exact numerics' one-vector products of Q4_1 / Q8_0 rows (`Kernels.dotBlocks` in Swift, for
// the AVX2 level): each weight decoded to its Float value `w` and fused into its lane, lane
// `j` of a row taking element `j`, then `16 + j`, of every block. Q4_1's `w = q·d + m` is one
// fused `fma(q, d, m)`: `q·d` (a 4-bit integer times an F16) is exact in Float, so rounding
// the sum once is what the product-then-sum rounds. Q8_0's `d·q` (8 by 11 bits) is exact too.
// The rows go four at a time and each 8-lane half on its own, so the four chains' accumulators,
// the vector and the decoding fit AVX2's 16 registers without spilling.
AVX2 void exact_block_rows(const uint8_t *w, size_t row_bytes, size_t blocks, size_t rows,
                           int q4_1, const float *x, float *scales, float *out) {
  float lanes[4 * 16];
  for (size_t r = 0; r < rows; r += 4) {
    const size_t tile = rows - r < 4 ? rows - r : 4;
    exact_block_half(w + r * row_bytes, row_bytes, blocks, tile, q4_1, 0, x, scales, lanes);
    exact_block_half(w + r * row_bytes, row_bytes, blocks, tile, q4_1, 1, x, scales, lanes);
    for (size_t i = 0; i < tile; i++) out[r + i] = chain_sum(lanes + i * 16, 16);
  }
}

__attribute__((target("avx2,fma,f16c"))) void spindle_exact_block_rows_avx2(
    const void *weights, size_t row_bytes, size_t blocks, size_t rows, int q4_1,
    const float *x, float *scales, float *out) {
  if (q4_1)
    exact_block_rows(weights, row_bytes, blocks, rows, 1, x, scales, out);
  else
    exact_block_rows(weights, row_bytes, blocks, rows, 0, x, scales, out);
}

/// `nv` vectors (1 to 3, `x_stride` apart) times four rows: per (vector, row) the eight lanes
/// `offset…offset+7` of a `step`-lane fused chain (elements `k + l`, `k = offset, offset + step,
/// …`, in order), stored at `lanes + (j·4 + i)·step + offset`. Twelve accumulators, three
/// vectors and a row: AVX2's 16 registers.
AVX2 void float_lanes_tile(const float *const *w, size_t columns, const float *x, size_t x_stride,
                           size_t offset, size_t step, size_t nv, float *lanes) {
  __m256 acc[3][4];
  for (size_t j = 0; j < 3; j++)
    for (size_t i = 0; i < 4; i++) acc[j][i] = _mm256_setzero_ps();
  const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
  for (size_t k = offset; k < columns; k += step) {
    __m256 v[3];
    for (size_t j = 0; j < nv; j++) v[j] = _mm256_loadu_ps(x + j * x_stride + k);
    const __m256 r0 = _mm256_loadu_ps(w0 + k);
    for (size_t j = 0; j < nv; j++) acc[j][0] = _mm256_fmadd_ps(r0, v[j], acc[j][0]);
    const __m256 r1 = _mm256_loadu_ps(w1 + k);
    for (size_t j = 0; j < nv; j++) acc[j][1] = _mm256_fmadd_ps(r1, v[j], acc[j][1]);
    const __m256 r2 = _mm256_loadu_ps(w2 + k);
    for (size_t j = 0; j < nv; j++) acc[j][2] = _mm256_fmadd_ps(r2, v[j], acc[j][2]);
    const __m256 r3 = _mm256_loadu_ps(w3 + k);
    for (size_t j = 0; j < nv; j++) acc[j][3] = _mm256_fmadd_ps(r3, v[j], acc[j][3]);
  }
  for (size_t j = 0; j < nv; j++)
    for (size_t i = 0; i < 4; i++) _mm256_storeu_ps(lanes + (j * 4 + i) * step + offset, acc[j][i]);
}

/// `nv` vectors from `t` on: both halves of each chain, then its sum into `out`.
AVX2 void float_tile_sums(const float *const *rows, size_t columns, const float *x, size_t t,
                          size_t nv, size_t width, size_t tile, float *out, size_t out_stride) {
  float lanes[3 * 4 * 16];
  for (size_t offset = 0; offset < width; offset += 8)
    float_lanes_tile(rows, columns, x + t * columns, columns, offset, width, nv, lanes);
  for (size_t j = 0; j < nv; j++)
    for (size_t i = 0; i < tile; i++)
      out[(t + j) * out_stride + i] = chain_sum(lanes + (j * 4 + i) * width, width);
}

__attribute__((target("avx2,fma,f16c"))) void spindle_float_tile_avx2(
    const float *const *rows, size_t tile, size_t columns, const float *x, size_t vectors,
    size_t width, float *out, size_t out_stride) {
  size_t t = 0;
  for (; t + 3 <= vectors; t += 3)
    float_tile_sums(rows, columns, x, t, 3, width, tile, out, out_stride);
  for (; t + 2 <= vectors; t += 2)
    float_tile_sums(rows, columns, x, t, 2, width, tile, out, out_stride);
  for (; t < vectors; t++) float_tile_sums(rows, columns, x, t, 1, width, tile, out, out_stride);
}

#define TARGET_EXTRA_avx2 ""
#define TARGET_EXTRA_vnni ",avx512f,avx512vl,avx512bw,avx512vnni"
DEFINE_BLOCK_ROWS(avx2, AVX2, lane_sums_avx2)
DEFINE_BLOCK_ROWS(vnni, VNNI, lane_sums_vnni)

#else

int spindle_block_products_level(void) { return 0; }

void spindle_block_rows_avx2(const void *weights, size_t row_bytes, size_t blocks, size_t rows,
                             size_t first, size_t end, const int8_t *quants, const float *scales,
                             const float *sums, size_t count, int q4_1, float *out) {
  __builtin_trap();
}
void spindle_block_rows_vnni(const void *weights, size_t row_bytes, size_t blocks, size_t rows,
                             size_t first, size_t end, const int8_t *quants, const float *scales,
                             const float *sums, size_t count, int q4_1, float *out) {
  __builtin_trap();
}

void spindle_exact_block_rows_avx2(const void *weights, size_t row_bytes, size_t blocks,
                                   size_t rows, int q4_1, const float *x, float *scales,
                                   float *out) {
  __builtin_trap();
}

void spindle_float_tile_avx2(const float *const *rows, size_t tile, size_t columns,
                             const float *x, size_t vectors, size_t width, float *out,
                             size_t out_stride) {
  __builtin_trap();
}

#endif
