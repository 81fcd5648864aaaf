public import Tensors

/// One tensor's element type, shape and bytes, without any file format around it.
///
/// The bytes are a range of a ``MappedFile`` (zero-copy; the view keeps the mapping alive)
/// or an array owned by the view (hand-made weights in tests). Construction checks that the
/// byte count matches `dtype` and `shape`, so kernels can trust it.
public struct TensorView: Sendable {
  /// Where the bytes live.
  public enum Storage: Sendable {
    /// A byte range of a mapped file.
    case mapped(MappedFile, Range<Int>)
    /// Bytes owned by the view.
    case owned([UInt8])
  }

  /// The tensor name, used in error messages.
  public var name: String
  /// Element type.
  public var dtype: DType
  /// Shape in row-major order, outermost dimension first (GGUF's `ne` reversed).
  public var shape: [Int]
  /// The bytes.
  public let storage: Storage

  /// A view of `byteRange` of `file`.
  ///
  /// - Throws: `invalidStorage` when the range lies outside the file or its length is not
  ///   what `dtype` and `shape` need.
  public init(
    name: String, dtype: DType, shape: [Int], file: MappedFile, byteRange: Range<Int>
  ) throws(InferenceError) {
    guard byteRange.lowerBound >= 0, byteRange.upperBound <= file.count else {
      throw InferenceError(
        .invalidStorage, name: name,
        "tensor \"\(name)\": bytes \(byteRange) lie outside \(file.path) (\(file.count) bytes)")
    }
    try self.init(name: name, dtype: dtype, shape: shape, storage: .mapped(file, byteRange))
  }

  /// A view owning `bytes`.
  public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws(InferenceError) {
    try self.init(name: name, dtype: dtype, shape: shape, storage: .owned(bytes))
  }

  /// An F32 view of `values`.
  public init(name: String, shape: [Int], floats values: [Float]) throws(InferenceError) {
    let bytes = values.withUnsafeBytes { Array($0) }
    try self.init(name: name, dtype: .f32, shape: shape, bytes: bytes)
  }

  private init(name: String, dtype: DType, shape: [Int], storage: Storage) throws(InferenceError) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.storage = storage
    var elements = 1
    for dimension in shape {
      let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
      guard dimension >= 0, !overflow else {
        throw InferenceError(.invalidStorage, name: name, "tensor \"\(name)\": bad shape \(shape)")
      }
      elements = product
    }
    let found = byteCount
    guard let expected = dtype.byteCount(elements: elements), expected == found else {
      throw InferenceError(
        .invalidStorage, name: name,
        "tensor \"\(name)\": \(dtype) \(shape) needs"
          + " \(dtype.byteCount(elements: elements).map(String.init) ?? "whole blocks of \(dtype.blockSize) elements"),"
          + " found \(found) bytes")
    }
  }

  /// Number of elements.
  public var elementCount: Int { shape.reduce(1, *) }

  /// Number of bytes.
  public var byteCount: Int {
    switch storage {
    case .mapped(_, let range): range.count
    case .owned(let bytes): bytes.count
    }
  }

  /// Calls `body` with the tensor's bytes.
  public func withUnsafeBytes<R, E: Error>(
    _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    switch storage {
    case .mapped(let file, let range):
      return try file.withUnsafeBytes(in: range, body)
    case .owned(let bytes):
      let result = bytes.withUnsafeBytes { raw in Result { () throws(E) in try body(raw) } }
      return try result.get()
    }
  }
}
