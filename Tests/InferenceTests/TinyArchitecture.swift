import Foundation
import Inference
import Tensors

/// A hand-made tiny model of a non-llama shape (random weights in memory, F32), with a
/// straightforward Double forward pass of the same block to hold Spindle's to.
struct TinyArchitecture {
  /// The shapes the tests build.
  enum Shape: String, CaseIterable, Sendable {
    /// GPT-NeoX: LayerNorm with biases, q/k/v/o and feed-forward biases, GELU (erf), parallel
    /// residual, NeoX rotary over half of each head (`rotary_pct` 0.5).
    case gptNeoX
    /// The same with `use_parallel_residual` false.
    case gptNeoXSequential
    /// phi3: RMSNorm, SwiGLU (`gate_up_proj` split), full NeoX rotary, `1/√d` on the queries in
    /// llama.cpp's graph; with an output bias (phi3's graph reads `output.bias` when present).
    case phi3
  }

  let configuration: LlamaConfiguration
  let rotaryDimensions: Int
  let inverseFrequencies: [Float]
  /// Tensor values by name, row-major, and their shapes.
  let tensors: [String: (shape: [Int], values: [Float])]

  var rotary: RotaryEmbedding {
    RotaryEmbedding(
      layout: .halves, dimensionCount: rotaryDimensions,
      angles: .table(inverseFrequencies: inverseFrequencies, attentionFactor: 1))
  }

  init(_ shape: Shape) {
    let neox = shape != .phi3
    let (e, heads, kvHeads, d, ff, vocabulary) =
      neox ? (64, 4, 4, 16, 128, 48) : (64, 2, 2, 32, 96, 48)
    let recipe =
      neox
      ? BlockRecipe(
        normalization: .layer, feedForward: .gelu(.erf),
        residual: shape == .gptNeoX ? .parallel : .sequential)
      : BlockRecipe(attentionScaling: .queries)
    configuration = LlamaConfiguration(
      layerCount: 2, embeddingLength: e, feedForwardLength: ff, headCount: heads,
      keyValueHeadCount: kvHeads, headDimension: d, vocabularySize: vocabulary,
      rmsNormEpsilon: 1e-5, recipe: recipe)
    let rotated = neox ? d / 2 : d
    rotaryDimensions = rotated
    inverseFrequencies = (0..<(rotated / 2)).map { i in
      Float(1 / pow(10_000, Double(2 * i) / Double(rotated)))
    }
    var state: UInt64 = neox ? 0x5EED_0001 : 0x5EED_0002
    func uniform(_ count: Int, _ low: Float, _ high: Float) -> [Float] {
      (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return low + (high - low) * Float(state >> 40) / Float(1 << 24)
      }
    }
    var tensors: [String: (shape: [Int], values: [Float])] = [:]
    func matrix(_ name: String, _ rows: Int, _ columns: Int) {
      let bound = 1.5 / Float(columns).squareRoot()
      tensors[name] = ([rows, columns], uniform(rows * columns, -bound, bound))
    }
    func vector(_ name: String, _ count: Int, around center: Float, _ spread: Float) {
      tensors[name] = ([count], uniform(count, center - spread, center + spread))
    }
    tensors["token_embd.weight"] = ([vocabulary, e], uniform(vocabulary * e, -1, 1))
    for l in 0..<2 {
      let p = "blk.\(l)."
      vector(p + "attn_norm.weight", e, around: 1, 0.2)
      vector(p + "ffn_norm.weight", e, around: 1, 0.2)
      matrix(p + "attn_q.weight", heads * d, e)
      matrix(p + "attn_k.weight", kvHeads * d, e)
      matrix(p + "attn_v.weight", kvHeads * d, e)
      matrix(p + "attn_output.weight", e, heads * d)
      matrix(p + "ffn_up.weight", ff, e)
      matrix(p + "ffn_down.weight", e, ff)
      if neox {
        vector(p + "attn_norm.bias", e, around: 0, 0.1)
        vector(p + "ffn_norm.bias", e, around: 0, 0.1)
        vector(p + "attn_q.bias", heads * d, around: 0, 0.1)
        vector(p + "attn_k.bias", kvHeads * d, around: 0, 0.1)
        vector(p + "attn_v.bias", kvHeads * d, around: 0, 0.1)
        vector(p + "attn_output.bias", e, around: 0, 0.1)
        vector(p + "ffn_up.bias", ff, around: 0, 0.1)
        vector(p + "ffn_down.bias", e, around: 0, 0.1)
      } else {
        matrix(p + "ffn_gate.weight", ff, e)
      }
    }
    vector("output_norm.weight", e, around: 1, 0.2)
    matrix("output.weight", vocabulary, e)
    if neox {
      vector("output_norm.bias", e, around: 0, 0.1)
    } else {
      vector("output.bias", vocabulary, around: 0, 0.5)
    }
    self.tensors = tensors
  }

  /// The views, through `LlamaWeights`' memberwise initializers (as the Models loader builds
  /// them).
  func weights() throws -> LlamaWeights {
    func view(_ name: String) throws -> TensorView {
      let tensor = tensors[name]!
      return try TensorView(name: name, shape: tensor.shape, floats: tensor.values)
    }
    func optional(_ name: String) throws -> TensorView? {
      tensors[name] == nil ? nil : try view(name)
    }
    let layers = try (0..<configuration.layerCount).map { l in
      let p = "blk.\(l)."
      return LlamaWeights.Layer(
        attentionNorm: try view(p + "attn_norm.weight"),
        attentionNormBias: try optional(p + "attn_norm.bias"), query: try view(p + "attn_q.weight"),
        key: try view(p + "attn_k.weight"), value: try view(p + "attn_v.weight"),
        attentionOutput: try view(p + "attn_output.weight"),
        queryBias: try optional(p + "attn_q.bias"), keyBias: try optional(p + "attn_k.bias"),
        valueBias: try optional(p + "attn_v.bias"),
        attentionOutputBias: try optional(p + "attn_output.bias"),
        feedForwardNorm: try view(p + "ffn_norm.weight"),
        feedForwardNormBias: try optional(p + "ffn_norm.bias"),
        gate: try optional(p + "ffn_gate.weight"), up: try view(p + "ffn_up.weight"),
        upBias: try optional(p + "ffn_up.bias"), down: try view(p + "ffn_down.weight"),
        downBias: try optional(p + "ffn_down.bias"))
    }
    return LlamaWeights(
      tokenEmbedding: try view("token_embd.weight"), layers: layers,
      outputNorm: try view("output_norm.weight"), outputNormBias: try optional("output_norm.bias"),
      output: try view("output.weight"), outputBias: try optional("output.bias"))
  }

  func model(_ mode: NumericMode) throws -> LlamaModel {
    try LlamaModel(
      configuration: configuration, weights: weights(), rotary: rotary, numericMode: mode)
  }

  /// The logits of every position, computed in Double straight from the formulas.
  func referenceLogits(tokens: [Int32], startPosition: Int) -> [[Double]] {
    let c = configuration
    let (e, d, heads) = (c.embeddingLength, c.headDimension, c.headCount)
    let group = c.headCount / c.keyValueHeadCount
    func values(_ name: String) -> [Double]? { tensors[name]?.values.map(Double.init) }
    func times(_ name: String, _ x: [Double], bias: String? = nil) -> [Double] {
      let w = values(name)!
      let rows = tensors[name]!.shape[0]
      let b = bias.flatMap(values)
      return (0..<rows).map { r in
        var sum = b?[r] ?? 0
        for j in x.indices { sum += w[r * x.count + j] * x[j] }
        return sum
      }
    }
    func norm(_ x: [Double], _ prefix: String) -> [Double] {
      let w = values(prefix + ".weight")!
      let b = values(prefix + ".bias")
      let n = Double(x.count)
      let epsilon = Double(c.rmsNormEpsilon)
      var centered = x
      var scale: Double
      if c.recipe.normalization == .layer {
        let mean = x.reduce(0, +) / n
        centered = x.map { $0 - mean }
        scale = 1 / (centered.map { $0 * $0 }.reduce(0, +) / n + epsilon).squareRoot()
      } else {
        scale = 1 / (x.map { $0 * $0 }.reduce(0, +) / n + epsilon).squareRoot()
      }
      return centered.indices.map { i in centered[i] * scale * w[i] + (b?[i] ?? 0) }
    }
    func rotate(_ x: inout [Double], heads: Int, position: Int) {
      let half = rotaryDimensions / 2
      for head in 0..<heads {
        for i in 0..<half {
          let angle = Double(position) * Double(inverseFrequencies[i])
          let (a, b) = (head * d + i, head * d + i + half)
          let (x0, x1) = (x[a], x[b])
          x[a] = x0 * cos(angle) - x1 * sin(angle)
          x[b] = x0 * sin(angle) + x1 * cos(angle)
        }
      }
    }
    func feedForward(_ f: [Double], _ p: String) -> [Double] {
      var up = times(p + "ffn_up.weight", f, bias: p + "ffn_up.bias")
      switch c.recipe.feedForward {
      case .swiGLU:
        let gate = times(p + "ffn_gate.weight", f)
        up = up.indices.map { i in gate[i] / (1 + exp(-gate[i])) * up[i] }
      case .gelu(.erf): up = up.map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
      case .gelu(.tanh):
        up = up.map {
          0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0)))
        }
      }
      return times(p + "ffn_down.weight", up, bias: p + "ffn_down.bias")
    }
    let embedding = values("token_embd.weight")!
    var x = tokens.map { Array(embedding[(Int($0) * e)..<(Int($0) * e + e)]) }
    for l in 0..<c.layerCount {
      let p = "blk.\(l)."
      let h = x.map { norm($0, p + "attn_norm") }
      var q = h.map { times(p + "attn_q.weight", $0, bias: p + "attn_q.bias") }
      var k = h.map { times(p + "attn_k.weight", $0, bias: p + "attn_k.bias") }
      let v = h.map { times(p + "attn_v.weight", $0, bias: p + "attn_v.bias") }
      for t in x.indices {
        rotate(&q[t], heads: heads, position: startPosition + t)
        rotate(&k[t], heads: c.keyValueHeadCount, position: startPosition + t)
      }
      for t in x.indices {
        var attention = [Double](repeating: 0, count: heads * d)
        for head in 0..<heads {
          let kv = (head / group) * d
          let scores = (0...t).map { j in
            (0..<d).map { q[t][head * d + $0] * k[j][kv + $0] }.reduce(0, +)
              / Double(d).squareRoot()
          }
          let top = scores.max()!
          let weights = scores.map { exp($0 - top) }
          let total = weights.reduce(0, +)
          for j in 0...t {
            for i in 0..<d { attention[head * d + i] += weights[j] / total * v[j][kv + i] }
          }
        }
        let o = times(p + "attn_output.weight", attention, bias: p + "attn_output.bias")
        if c.recipe.residual == .parallel {
          let ffn = feedForward(norm(x[t], p + "ffn_norm"), p)
          x[t] = x[t].indices.map { x[t][$0] + o[$0] + ffn[$0] }
        } else {
          let residual = x[t].indices.map { x[t][$0] + o[$0] }
          let ffn = feedForward(norm(residual, p + "ffn_norm"), p)
          x[t] = residual.indices.map { residual[$0] + ffn[$0] }
        }
      }
    }
    return x.map { times("output.weight", norm($0, "output_norm"), bias: "output.bias") }
  }
}
