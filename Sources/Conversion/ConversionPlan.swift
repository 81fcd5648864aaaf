public import Formats
public import Models
public import Quantization
public import Tensors

/// What `spindle convert` writes, before anything is written: every output tensor (GGUF name,
/// type, shape, where its bytes come from and how they are rearranged) and the GGUF metadata.
///
/// Made by ``init(folder:options:)`` as a walk over the folder's `Architecture` description;
/// written by ``write(to:progress:)``, one tensor at a time.
public struct ConversionPlan: Sendable {
  /// The element types `convert --dtype` accepts.
  public enum TargetType: String, Sendable, CaseIterable {
    case f32, f16, bf16
    case q8_0
    /// Every matrix whose rows are whole blocks in this type (else F16, as for Q8_0); the
    /// quantizers are ggml's reference ones, bit for bit.
    case q4_0, q4_1, q5_0, q5_1
    case q4_k, q5_k, q6_k
    /// The 16-bit type of the first matrix (BF16 stays BF16), else F16: the converter's
    /// `--outtype auto`.
    case auto
  }

  /// What the conversion is asked to do.
  public struct Options: Sendable {
    public var type: TargetType
    /// Drop tensors the description does not know instead of failing.
    public var skipUnknown: Bool
    /// `tokenizer.ggml.pre` to write instead of the one found by llama.cpp's hash (`--pre`).
    public var preTokenizer: String?
    /// `llama-quantize`'s recipe (`--quant q4_k_m`): its type for every tensor, decided as
    /// llama.cpp's `llama_tensor_get_type` does without an importance matrix; replaces `type`.
    public var recipe: QuantizationRecipe?

    public init(
      type: TargetType = .f16, skipUnknown: Bool = false, preTokenizer: String? = nil,
      recipe: QuantizationRecipe? = nil
    ) {
      self.type = type
      self.skipUnknown = skipUnknown
      self.preTokenizer = preTokenizer
      self.recipe = recipe
    }
  }

  /// Where an output tensor's bytes come from.
  public enum Source: Sendable {
    /// A stored tensor of the input: its name, type, shape and mapped bytes.
    case stored(name: String, view: SourceTensor)
    /// Values Spindle computes (the rope tables), F32.
    case generated(what: String, values: [Float])
  }

  /// One input tensor, as mapped.
  public struct SourceTensor: Sendable {
    public var dtype: DType
    public var shape: [Int]
    public var file: MappedFile
    public var range: Range<Int>
  }

  /// How the rows of the source are arranged into the output, from the description's
  /// arrangements of the tensor in each format.
  public enum RowOrder: Equatable, Sendable {
    /// The same rows in the same order.
    case same
    /// llama.cpp's Q/K row permutation per head (`LlamaModel.permute`), `heads` heads.
    case queryKeyPermutation(heads: Int)
    /// Per-head interleaved roles (`[h][q,k,v][d]`) to whole blocks (`[Q; K; V]`).
    case perHeadToStacked(heads: Int, roles: Int)
    /// Another rearrangement of the rows (the description's arrangements composed).
    case reordered
  }

  /// One output tensor.
  public struct Tensor: Sendable {
    /// GGUF name.
    public var name: String
    /// Output element type.
    public var dtype: DType
    /// Row-major shape (outermost first; GGUF's `ne` reversed).
    public var shape: [Int]
    public var source: Source
    public var rowOrder: RowOrder
    /// For each output row, the source row (`nil`: the same order).
    var sourceRows: [Int]?

    /// Bytes in the output.
    public var byteCount: Int { dtype.byteCount(elements: shape.reduce(1, *)) ?? 0 }

    /// The source tensor names (empty for generated values).
    public var sourceNames: [String] {
      if case .stored(let name, _) = source { return [name] }
      return []
    }

    /// The source element type (F32 for generated values).
    public var sourceType: DType {
      if case .stored(_, let view) = source { return view.dtype }
      return .f32
    }

    /// Whether the bytes are copied as they are (same type, same rows): `copy_file_range`.
    public var isCopy: Bool {
      if case .stored = source { return sourceType == dtype && sourceRows == nil }
      return false
    }
  }

  /// The path converted (a folder, or a safetensors file or index with config.json beside it).
  public let path: String
  /// The model folder: the one holding config.json (names the model, holds the tokenizer).
  public let folder: String
  /// The architecture description walked.
  public let architecture: Architecture
  /// The type asked for, `auto` resolved.
  public let type: TargetType
  /// The `--quant` recipe, when one decided the types.
  public let recipe: QuantizationRecipe?
  /// The recipe (`q4_k_m`) or the type asked for (`f16`), as the user spells it.
  public var typeName: String { recipe.map { $0.name.lowercased() } ?? type.rawValue }
  /// GGUF `general.file_type` (llama.cpp's `LLAMA_FTYPE_*`).
  public let fileType: UInt32
  /// The output tensors, in the order they are written.
  public internal(set) var tensors: [Tensor]
  /// The metadata, in the order it is written.
  public internal(set) var metadata: [(key: String, value: GGUFValue)]
  /// Input tensors dropped on purpose: `--skip-unknown`, or what llama.cpp's converter drops
  /// too (precomputed rotary buffers, GPT-NeoX's causal mask buffers).
  public internal(set) var skipped: [String]
  /// Notes for people (a tensor kept in F16 because its rows do not fit Q8_0 blocks, a scaling
  /// llama.cpp cannot express).
  public internal(set) var warnings: [String]

  /// Bytes of tensor data in the output (before alignment padding).
  public var tensorByteCount: Int { tensors.reduce(0) { $0 + $1.byteCount } }

  /// Parameters in the output (gguf-py's `get_total_parameter_count`, the size label's count).
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.shape.reduce(1, *) } }
}

extension ConversionPlan.Tensor {
  /// One word for what happens to the bytes: `copy`, `convert` (element type only),
  /// `qk-permutation`, `per-head-to-stacked`, `reorder` (rows moved, with or without a type
  /// change), `generated`.
  public var transformName: String {
    if case .generated = source { return "generated" }
    switch rowOrder {
    case .same: return isCopy ? "copy" : "convert"
    case .queryKeyPermutation: return "qk-permutation"
    case .perHeadToStacked: return "per-head-to-stacked"
    case .reordered: return "reorder"
    }
  }

  /// The plan line: `blk.0.attn_q.weight  F16 [64, 64]  ← model.layers.0.self_attn.q_proj.weight
  /// (F32, qk-permutation 4 heads)`.
  public var planLine: String {
    let from: String
    switch source {
    case .generated(let what, _): from = what
    case .stored(let name, let view): from = "\(name) (\(view.dtype.name)"
    }
    var how = transformName
    switch rowOrder {
    case .queryKeyPermutation(let heads): how += " \(heads) heads"
    case .perHeadToStacked(let heads, let roles): how += " \(heads) heads × \(roles)"
    default: break
    }
    let suffix = sourceNames.isEmpty ? "" : ", \(how))"
    return "\(name)  \(dtype.name) \(shape)  ← \(from)\(suffix)"
  }
}
