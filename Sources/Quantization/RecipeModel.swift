import Tensors

/// What a ``QuantizationRecipe`` consults to choose each tensor's type: the GGUF architecture,
/// its hyperparameters and every tensor, as the GGUF file being written will hold them.
public struct RecipeModel: Sendable, Equatable {
  /// One tensor of the model, under its GGUF name.
  public struct Tensor: Sendable, Equatable {
    /// The GGUF tensor name (`blk.3.attn_v.weight`).
    public var name: String
    /// The dimensions in GGUF order: the row length (`ne[0]`) first.
    public var shape: [Int]
    /// The type the tensor has before quantization; tensors the recipe does not quantize keep it.
    public var sourceType: DType

    public init(name: String, shape: [Int], sourceType: DType = .f32) {
      self.name = name
      self.shape = shape
      self.sourceType = sourceType
    }
  }

  /// `general.architecture` (`llama`, `qwen2`, `phi3`, `gptneox`, `falcon`).
  public var architecture: String
  /// `{arch}.block_count`.
  public var blockCount: Int
  /// `{arch}.attention.head_count`.
  public var headCount: Int
  /// `{arch}.attention.head_count_kv` (equal to `headCount` without grouped-query attention).
  public var headCountKV: Int
  /// `{arch}.expert_count`, 0 for dense models.
  public var expertCount: Int
  /// Every tensor, in any order.
  public var tensors: [Tensor]

  public init(
    architecture: String, blockCount: Int, headCount: Int, headCountKV: Int,
    expertCount: Int = 0, tensors: [Tensor]
  ) {
    self.architecture = architecture
    self.blockCount = blockCount
    self.headCount = headCount
    self.headCountKV = headCountKV
    self.expertCount = expertCount
    self.tensors = tensors
  }
}
