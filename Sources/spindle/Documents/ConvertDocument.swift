import Conversion

/// `spindle convert --json`: what was converted (or, with `--dry-run`, would be), tensor by
/// tensor.
struct ConvertDocument: Encodable {
  /// One output tensor.
  struct Tensor: Encodable {
    var name: String
    var type: String
    /// Row-major, outermost first (GGUF's `ne` reversed).
    var shape: [Int]
    /// The input tensors it is made of (empty for generated rope tables).
    var source: [String]
    var sourceType: String
    /// `copy`, `convert`, `qk-permutation`, `per-head-to-stacked`, `reorder`, `generated`.
    var transform: String
  }

  var path: String
  var output: String?
  /// `converted` or `dry-run`.
  var action: String
  var architecture: String
  var dtype: String
  var fileType: UInt32
  var tensors: [Tensor]
  var metadataKeys: [String]
  var skipped: [String]
  var warnings: [String]
  /// Output size (`null` for a dry run).
  var byteCount: Int?
  /// Bytes copied by `copy_file_range` (`null` for a dry run).
  var bytesCopiedInKernel: Int?
  var seconds: Double?
  /// The split set's files and their tensors (`null` without `--split-max-*`).
  var shards: [Shard]?

  /// One file of a split set.
  struct Shard: Encodable {
    var path: String
    var tensors: [String]
    /// Tensor bytes (unpadded), what `--split-max-size` limits.
    var tensorByteCount: Int
  }

  init(
    plan: ConversionPlan, output: String?, written: ConversionPlan.Written?, seconds: Double?,
    shards: [ConversionPlan.Shard]? = nil
  ) {
    path = plan.path
    self.output = output
    action = written == nil ? "dry-run" : "converted"
    architecture = plan.architecture.ggufName
    dtype = plan.typeName
    fileType = plan.fileType
    tensors = plan.tensors.map { tensor in
      Tensor(
        name: tensor.name, type: tensor.dtype.name, shape: tensor.shape,
        source: tensor.sourceNames, sourceType: tensor.sourceType.name,
        transform: tensor.transformName)
    }
    metadataKeys = plan.metadata.map(\.key)
    skipped = plan.skipped
    warnings = plan.warnings
    byteCount = written?.byteCount
    bytesCopiedInKernel = written?.bytesCopiedInKernel
    self.seconds = seconds
    self.shards = shards?.map { shard in
      let tensors = plan.tensors[shard.tensors]
      return Shard(
        path: shard.path, tensors: tensors.map(\.name),
        tensorByteCount: tensors.reduce(0) { $0 + $1.byteCount })
    }
  }
}
