public import Inference

/// Everything Spindle knows about one model architecture, as data: its names in GGUF and
/// transformers, its hyperparameter map, its tensors and their layouts, its rotary layout,
/// its block recipe and what llama.cpp's graph reads.
///
/// One value per architecture lives in `Sources/Models/Architectures/`; ``all`` lists them and
/// ``find(gguf:)`` / ``find(huggingFace:)`` look them up. The loader (``ModelCheckpoint``), and
/// later the converter, are walks over this value: adding an architecture adds a value, not a
/// branch.
public struct Architecture: Hashable, Sendable, CustomStringConvertible {
  /// The rotary tables llama.cpp's graph for this architecture reads from GGUF tensors.
  public enum RopeTable: String, Hashable, Sendable {
    /// `rope_freqs.weight` (llama3 scaling, baked tables).
    case frequencies
    /// `rope_factors_long.weight` / `rope_factors_short.weight` (LongRoPE), picked by context.
    case longShortFactors
  }

  /// GGUF `general.architecture` and the `{arch}.` key prefix.
  public var ggufName: String
  /// transformers `model_type` values.
  public var huggingFaceModelTypes: [String]
  /// transformers `architectures` entries (the model classes).
  public var huggingFaceArchitectures: [String]
  /// The prefix of per-layer transformers names, before the layer index (`model.layers.`).
  public var huggingFaceLayerPrefix: String
  /// The hyperparameter map.
  public var hyperparameters: [HyperparameterKey]
  /// The stored tensors.
  public var tensors: [StoredTensor]
  /// How GGUF rotates: llama.cpp's `LLAMA_ROPE_TYPE_NORM` pairs adjacent dimensions
  /// (``RotaryEmbedding/Layout/interleaved``, Q/K rows permuted by the converter), `_NEOX`
  /// pairs the halves. transformers always rotates halves.
  public var ggufRotaryLayout: RotaryEmbedding.Layout
  /// The block recipe before hyperparameters refine it (parallel residual, GELU form).
  public var recipe: BlockRecipe
  /// The rotary tables llama.cpp reads for this architecture.
  public var ropeTables: Set<RopeTable>
  /// Whether llama.cpp's loader reads `rope.scaling.yarn_beta_fast`/`_slow` (grok, mistral3);
  /// every other architecture runs with the defaults 32 and 1.
  public var readsYaRNBetas: Bool
  /// A sliding window the architecture's files declare, and what llama.cpp does with it;
  /// `nil` when llama.cpp does not read one. None of these architectures gets a
  /// sliding-window cache in llama.cpp.
  public var slidingWindow: SlidingWindowKeys?

  /// Where a sliding window is declared, and where llama.cpp's loader turns it off.
  public struct SlidingWindowKeys: Hashable, Sendable {
    /// The GGUF key after `{arch}.` (`attention.sliding_window`).
    public var gguf: String
    /// The config.json key (`sliding_window`).
    public var huggingFace: String
    /// Where llama.cpp reads the key and then caches the whole context anyway.
    public var llamaCppDisabledAt: String
  }

  public init(
    ggufName: String, huggingFaceModelTypes: [String], huggingFaceArchitectures: [String],
    huggingFaceLayerPrefix: String = "model.layers.", hyperparameters: [HyperparameterKey],
    tensors: [StoredTensor], ggufRotaryLayout: RotaryEmbedding.Layout,
    recipe: BlockRecipe = .llama, ropeTables: Set<RopeTable> = [], readsYaRNBetas: Bool = false,
    slidingWindow: SlidingWindowKeys? = nil
  ) {
    self.ggufName = ggufName
    self.huggingFaceModelTypes = huggingFaceModelTypes
    self.huggingFaceArchitectures = huggingFaceArchitectures
    self.huggingFaceLayerPrefix = huggingFaceLayerPrefix
    self.hyperparameters = hyperparameters
    self.tensors = tensors
    self.ggufRotaryLayout = ggufRotaryLayout
    self.recipe = recipe
    self.ropeTables = ropeTables
    self.readsYaRNBetas = readsYaRNBetas
    self.slidingWindow = slidingWindow
  }

  /// The rotary layout of `format`'s Q/K rows.
  public func rotaryLayout(_ format: ModelFormat) -> RotaryEmbedding.Layout {
    format == .gguf ? ggufRotaryLayout : .halves
  }

  /// The roles a checkpoint must provide: those of required tensors and of alternatives.
  public var requiredRoles: Set<TensorRole> {
    Set(tensors.filter { $0.presence != .optional }.flatMap(\.roles))
  }

  /// The map entry of `parameter`, if the architecture has one.
  public func key(_ parameter: Hyperparameter) -> HyperparameterKey? {
    hyperparameters.first { $0.parameter == parameter }
  }

  public var description: String { ggufName }
}
