import Tensors

extension QuantizationRecipe {
  /// The type of every tensor of `model` (same order as `model.tensors`), as `llama-quantize`
  /// chooses it without an importance matrix (`llama_tensor_get_type` in llama.cpp's
  /// src/llama-quant.cpp).
  ///
  /// Tensors that are not quantized keep their `sourceType`: 1-D tensors (ggml counts trailing
  /// dimensions of 1 away), names not ending in `weight`, norms, expert gates and the other
  /// small tensors llama.cpp lists. The output head, and the token embedding when there is no
  /// `output.weight` (tied embeddings), become Q6_K (Q8_0 stays Q8_0; Q8_0 when the rows are
  /// not whole blocks of the default type, or for falcon). The `_S`/`_M` recipes raise attn_v
  /// (attn_qkv) and ffn_down in some layers; which ones depends on the tensor's rank among its
  /// kind, so the whole model is decided at once, in llama.cpp's order (by layer, then name).
  /// A type whose block does not divide the row length falls back: Q4_K → Q5_0, Q5_K → Q5_1,
  /// Q6_K → Q8_0, and to F16 when even that does not fit.
  public func tensorTypes(for model: RecipeModel) throws -> [DType] {
    var state = RecipeState(recipe: self, model: model)
    var types = model.tensors.map(\.sourceType)
    for index in RecipeState.llamaOrder(model.tensors) {
      types[index] = try state.type(of: model.tensors[index])
    }
    return types
  }
}

/// The counters `llama-quantize` keeps while it walks a model's tensors.
private struct RecipeState {
  enum Category {
    case tokenEmbedding, attentionQ, attentionV, attentionK, attentionQKV, attentionKVB
    case attentionOutput, ffnUp, ffnGate, ffnDown, output, other

    init(name: String) {
      self =
        if name == "output.weight" {
          .output
        } else if name == "token_embd.weight" || name == "per_layer_token_embd.weight" {
          .tokenEmbedding
        } else if name.contains("attn_qkv.weight") {
          .attentionQKV
        } else if name.contains("attn_kv_b.weight") {
          .attentionKVB
        } else if name.contains("attn_v.weight") {
          .attentionV
        } else if name.contains("attn_k.weight") {
          .attentionK
        } else if name.contains("attn_q.weight") {
          .attentionQ
        } else if name.contains("attn_output.weight") {
          .attentionOutput
        } else if name.contains("ffn_up") {
          .ffnUp
        } else if name.contains("ffn_gate") {
          .ffnGate
        } else if name.contains("ffn_down") {
          .ffnDown
        } else {
          .other
        }
    }

    var isAttentionVLike: Bool {
      self == .attentionV || self == .attentionQKV || self == .attentionKVB
    }
  }

  let recipe: QuantizationRecipe
  let model: RecipeModel
  let isFalcon: Bool
  let isSeventyB: Bool
  let hasTiedEmbeddings: Bool
  let attentionVCount: Int
  var attentionVIndex = 0
  var ffnDownIndex = 0
  var ffnGateIndex = 0
  var ffnUpIndex = 0

  init(recipe: QuantizationRecipe, model: RecipeModel) {
    self.recipe = recipe
    self.model = model
    isFalcon = model.architecture == "falcon"
    // llm_type 70B, from the architectures' load_hparams.
    isSeventyB =
      switch model.architecture {
      case "llama": model.blockCount == 80 && model.headCount != model.headCountKV
      case "qwen2", "olmo", "deci": model.blockCount == 80
      case "jais2": model.blockCount == 68
      default: false
      }
    hasTiedEmbeddings = !model.tensors.contains { $0.name == "output.weight" }
    attentionVCount = model.tensors.count { Category(name: $0.name).isAttentionVLike }
  }

  /// Indices of `tensors` sorted as llama.cpp's `weights_map`: by `blk.N.` layer (-1 for the
  /// others), then by name.
  static func llamaOrder(_ tensors: [RecipeModel.Tensor]) -> [Int] {
    let keys = tensors.map { (layer: scannedLayer($0.name) ?? -1, name: Array($0.name.utf8)) }
    return tensors.indices.sorted { a, b in
      if keys[a].layer != keys[b].layer { return keys[a].layer < keys[b].layer }
      return keys[a].name.lexicographicallyPrecedes(keys[b].name)
    }
  }

  /// The layer `sscanf(name, "blk.%d.", &layer)` reads, if it reads one.
  static func scannedLayer(_ name: String) -> Int? {
    guard name.hasPrefix("blk.") else { return nil }
    var digits = Substring(name.dropFirst(4))
    var sign = 1
    if let first = digits.first, first == "-" || first == "+" {
      sign = first == "-" ? -1 : 1
      digits = digits.dropFirst()
    }
    let number = digits.prefix { $0.isASCII && $0.isNumber }
    guard !number.isEmpty, let value = Int(number) else { return nil }
    return sign * value
  }

  static func useMoreBits(_ layer: Int, _ layers: Int) -> Bool {
    layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
  }

  /// ggml_n_dims: the dimensions up to the last one that is not 1.
  static func dimensionCount(_ shape: [Int]) -> Int {
    (shape.lastIndex { $0 != 1 } ?? 0) + 1
  }

  static let unquantizedParts = [
    "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
    "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight",
    "indexer.q_proj.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
    "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
    "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
    "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
    "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", "sam.pos_embd",
    "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook",
    "mm.a.code_embd",
  ]

  /// `tensor_allows_quantization`.
  static func allowsQuantization(_ tensor: RecipeModel.Tensor) -> Bool {
    let name = tensor.name
    return dimensionCount(tensor.shape) >= 2 && name.hasSuffix("weight")
      && !unquantizedParts.contains { name.contains($0) }
      && name != "position_embd.weight" && name != "token_types.weight"
  }

  mutating func type(of tensor: RecipeModel.Tensor) throws -> DType {
    guard Self.allowsQuantization(tensor) else { return tensor.sourceType }
    let defaultType = recipe.defaultType
    guard defaultType.isQuantized else { return defaultType }
    let chosen = try refined(defaultType, tensor)
    return fallback(chosen, rowLength: tensor.shape.first ?? 0)
  }

  /// `llama_tensor_get_type_impl`, for the recipes listed.
  private mutating func refined(_ defaultType: DType, _ tensor: RecipeModel.Tensor) throws -> DType
  {
    let category = Category(name: tensor.name)
    let experts = model.expertCount
    var type = defaultType
    if category == .output || (hasTiedEmbeddings && category == .tokenEmbedding) {
      let rowLength = tensor.shape.first ?? 0
      if isFalcon || rowLength % type.blockSize != 0 {
        type = .q8_0
      } else if type != .q8_0 {
        type = .q6_K
      }
    } else if category == .tokenEmbedding {
      // Only the low-bit recipes not listed here change the token embedding.
    } else if category.isAttentionVLike {
      if (recipe == .q4_K_M || recipe == .q5_K_M)
        && Self.useMoreBits(attentionVIndex, attentionVCount)
      {
        type = .q6_K
      } else if recipe == .q4_K_S && attentionVIndex < 4 {
        type = .q5_K
      }
      if isSeventyB && (type == .q3_K || type == .q4_K) { type = .q5_K }
      if experts == 8 { type = .q8_0 }
      attentionVIndex += 1
    } else if category == .attentionK {
      if experts == 8 { type = .q8_0 }
    } else if category == .ffnDown {
      let (layer, layers) = try layerInfo(ffnDownIndex, tensor.name)
      if recipe == .q4_K_M {
        if isFalcon {
          type =
            layer < layers / 16 ? .q6_K : Self.useMoreBits(layer, layers) ? .q5_K : .q4_K
        } else if Self.useMoreBits(layer, layers) {
          type = .q6_K
        }
      } else if recipe == .q5_K_M && Self.useMoreBits(layer, layers) {
        type = .q6_K
      } else if recipe == .q4_K_S && !isFalcon && layer < layers / 8 {
        type = .q5_K
      }
      ffnDownIndex += 1
    } else if category == .attentionOutput {
      if !isFalcon && experts == 8 && (recipe == .q4_K_S || recipe == .q4_K_M) {
        type = .q5_K
      }
    } else if category == .ffnGate {
      _ = try layerInfo(ffnGateIndex, tensor.name)
      ffnGateIndex += 1
    } else if category == .ffnUp {
      _ = try layerInfo(ffnUpIndex, tensor.name)
      ffnUpIndex += 1
    }
    return type
  }

  /// The layer a layer rule looks at: the running count, or for mixture-of-experts models
  /// (whose expert tensors are not in layer order) the layer in the name.
  private func layerInfo(_ counted: Int, _ name: String) throws -> (layer: Int, layers: Int) {
    let layers = model.blockCount
    guard max(1, model.expertCount) > 1 else { return (counted, layers) }
    guard let layer = Self.scannedLayer(name) else {
      throw QuantizationError(.tensorLayerUnknown, "cannot determine the layer of tensor \(name)")
    }
    guard layer >= 0 && layer < layers else {
      throw QuantizationError(
        .tensorLayerUnknown, "layer \(layer) of tensor \(name) is not in [0, \(layers))")
    }
    return (layer, layers)
  }

  /// `tensor_type_fallback`: a type whose block fits the row length.
  private func fallback(_ type: DType, rowLength: Int) -> DType {
    guard rowLength % type.blockSize != 0 else { return type }
    let replacement: DType =
      switch type {
      case .q2_K, .q3_K: .q4_0
      case .q4_K: .q5_0
      case .q5_K: .q5_1
      case .q6_K: .q8_0
      default: type
      }
    return rowLength % replacement.blockSize == 0 ? replacement : .f16
  }
}
