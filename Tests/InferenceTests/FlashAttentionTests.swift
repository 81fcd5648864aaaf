import Formats
import KernelInterface
import Tensors
import TestSupport
import Testing

@testable import Inference

/// The kernels' flash attention against ggml's own `ggml_flash_attn_ext` on seeded inputs
/// (`fixtures/inference/flash-attn/record.sh`), bit for bit on each of its three paths, in the
/// AVX-512 build's sums (`flash-attn.json`) and the AVX2 build's (`flash-attn-avx2.json`), at
/// every kernel level this machine runs.
struct FlashAttentionTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var dimension, tokens, heads, keyValueHeads, keysInView, past, threads: Int
    var seed: UInt64
    var output: [UInt32]
    var build: LlamaCppBuild
    var testDescription: String { "\(name), \(build.rawValue) build" }
  }

  static let cases: [Case] =
    recorded("flash-attn", build: .avx512)
    + recorded("flash-attn-avx2", build: .avx2)

  static func recorded(_ file: String, build: LlamaCppBuild) -> [Case] {
    guard
      let list = try? Repository.recordedJSON("inference/flash-attn/\(file).json")["cases"]?
        .array
    else { return [] }
    return list.compactMap { entry in
      func integer(_ key: String) -> Int { entry[key]?.number?.int ?? 0 }
      guard let name = entry["name"]?.string, let hex = entry["output"]?.string else { return nil }
      var output: [UInt32] = []
      var index = hex.startIndex
      while index < hex.endIndex {
        let end = hex.index(index, offsetBy: 8)
        output.append(UInt32(hex[index..<end], radix: 16) ?? 0)
        index = end
      }
      return Case(
        name: name, dimension: integer("head_dim"), tokens: integer("tokens"),
        heads: integer("heads"), keyValueHeads: integer("kv_heads"),
        keysInView: integer("keys_in_view"), past: integer("past"), threads: integer("threads"),
        seed: UInt64(integer("seed")), output: output, build: build)
    }
  }

  @Test func everyPathIsRecorded() {
    #expect(Self.cases.filter { $0.build == .avx512 }.count == 8)
    #expect(Self.cases.filter { $0.build == .avx2 }.count == 8)
    let paths = Self.cases.map {
      LlamaModel.flashAttentionPath(tokens: $0.tokens, keysInView: $0.keysInView)
    }
    #expect(Set(paths) == [.oneChunk, .tiled, .splitKeys])
    // The tiled kernel reads whole tiles of the transposed keys.
    for level in KernelLevel.runnable {
      #expect(level.kernels.flashAttentionTile == TransposedKeys.tile)
    }
  }

  /// The inputs record.cpp draws: `u = (next() >> 40)·2⁻²³ − 1`; Q = 2u, K = f16(u),
  /// V = f16(4u), laid out as Spindle's cache holds them (`[position][kv head][d]`).
  @Test(arguments: cases, KernelLevel.runnable)
  func matchesGGML(_ c: Case, level: KernelLevel) {
    let kernels = level.kernels
    var generator = SplitMix64(seed: c.seed)
    func uniform() -> Float { Float(generator.next() >> 40) * 0x1p-23 - 1 }
    let d = c.dimension
    // Q as ggml holds it: [head][token][d]; K and V: [kv head][key][d].
    let q = (0..<(d * c.tokens * c.heads)).map { _ in 2 * uniform() }
    let kHeads = (0..<(d * c.keysInView * c.keyValueHeads)).map { _ in
      LlamaModel.roundedToHalf(uniform())
    }
    let vHeads = (0..<(d * c.keysInView * c.keyValueHeads)).map { _ in
      LlamaModel.roundedToHalf(4 * uniform())
    }
    let stride = c.keyValueHeads * d
    var keys = [Float](repeating: 0, count: c.keysInView * stride)
    var values = keys
    for h in 0..<c.keyValueHeads {
      for j in 0..<c.keysInView {
        for t in 0..<d {
          keys[j * stride + h * d + t] = kHeads[(h * c.keysInView + j) * d + t]
          values[j * stride + h * d + t] = vHeads[(h * c.keysInView + j) * d + t]
        }
      }
    }
    let scale = 1 / CMath.squareRoot(Float(d))
    let path = LlamaModel.flashAttentionPath(tokens: c.tokens, keysInView: c.keysInView)
    var out = [Float](repeating: .nan, count: c.tokens * c.heads * d)
    let group = c.heads / c.keyValueHeads
    for token in 0..<c.tokens {
      for head in 0..<c.heads {
        let count = c.past + token + 1
        let query = Array(q[((head * c.tokens + token) * d)..<((head * c.tokens + token + 1) * d)])
        query.withUnsafeBufferPointer { qp in
          keys.withUnsafeBufferPointer { kp in
            values.withUnsafeBufferPointer { vp in
              out.withUnsafeMutableBufferPointer { op in
                let k = kp.baseAddress! + (head / group) * d
                let v = vp.baseAddress! + (head / group) * d
                let o = op.baseAddress! + (token * c.heads + head) * d
                switch path {
                case .oneChunk:
                  kernels.flashAttentionOneChunk(
                    query: qp.baseAddress!, keys: k, values: v, stride: stride, count: count,
                    dimension: d, scale: scale, lanes: c.build.lanes, into: o)
                case .tiled:
                  let transposed = UnsafeMutablePointer<Float>.allocate(
                    capacity: TransposedKeys.count(rows: c.keysInView, dimension: d))
                  defer { transposed.deallocate() }
                  TransposedKeys.transpose(
                    keys: k, stride: stride, rows: c.keysInView, dimension: d, into: transposed)
                  kernels.flashAttentionTiled(
                    query: qp.baseAddress!, transposedKeys: transposed, values: v,
                    stride: stride, count: count, keysInView: c.keysInView, dimension: d,
                    scale: scale, lanes: c.build.lanes, into: o)
                case .splitKeys:
                  kernels.flashAttentionSplit(
                    query: qp.baseAddress!, keys: k, values: v, stride: stride, count: count,
                    keysInView: c.keysInView, threads: c.threads, dimension: d, scale: scale,
                    lanes: c.build.lanes, into: o)
                }
              }
            }
          }
        }
      }
    }
    #expect(out.count == c.output.count)
    let differing = zip(out, c.output).filter { $0.bitPattern != $1 }.count
    #expect(differing == 0, "\(differing) of \(out.count) values differ")
  }
}
