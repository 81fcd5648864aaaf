public import Tensors

/// One tensor as a checkpoint header describes it: where its bytes are, not the bytes.
public struct TensorEntry: Equatable, Sendable {
  /// The tensor name as stored.
  public var name: String
  /// Element type.
  public var dtype: DType
  /// Shape in row-major order, outermost dimension first (numpy / PyTorch order; GGUF's
  /// `ne` reversed). `[]` is a scalar.
  public var shape: [Int]
  /// Absolute byte offset of the first data byte in ``path``.
  public var offset: Int
  /// Number of data bytes.
  public var byteCount: Int
  /// The file holding the bytes (a shard, for sharded checkpoints).
  public var path: String

  public init(
    name: String, dtype: DType, shape: [Int], offset: Int, byteCount: Int, path: String
  ) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.offset = offset
    self.byteCount = byteCount
    self.path = path
  }

  /// Number of elements (1 for a scalar).
  public var elementCount: Int { shape.reduce(1, *) }

  /// The byte range in ``path``.
  public var byteRange: Range<Int> { offset..<(offset + byteCount) }
}
