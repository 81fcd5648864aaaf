public import Tensors

/// Where a tensor's bytes come from when a file is written; whole files are never loaded.
public enum TensorData {
  /// Bytes already in memory.
  case bytes([UInt8])
  /// A byte range of a mapped file, copied in the kernel (`copy_file_range`) when possible.
  case file(MappedFile, range: Range<Int>)
  /// `byteCount` bytes produced by a closure that hands them to the sink in chunks of any
  /// size; delivering more or fewer bytes fails the write.
  case stream(byteCount: Int, produce: (TensorDataSink) throws(FormatError) -> Void)

  /// The bytes of `entry` in `file` (an entry read from that file).
  public static func tensor(_ entry: TensorEntry, in file: MappedFile) -> TensorData {
    .file(file, range: entry.byteRange)
  }

  /// Number of bytes this source provides.
  public var byteCount: Int {
    switch self {
    case .bytes(let bytes): bytes.count
    case .file(_, let range): range.count
    case .stream(let byteCount, _): byteCount
    }
  }

  /// Hands the bytes to `write` (or the file range to `copy`), checking that a stream
  /// delivers exactly ``byteCount`` bytes; `name` and `path` locate errors.
  func emit(
    name: String, path: String,
    write: (UnsafeRawBufferPointer) throws(FormatError) -> Void,
    copy: (MappedFile, Range<Int>) throws(FormatError) -> Void
  ) throws(FormatError) {
    switch self {
    case .bytes(let bytes):
      let result = bytes.withUnsafeBytes { raw in
        Result { () throws(FormatError) in try write(raw) }
      }
      try result.get()
    case .file(let file, let range):
      try copy(file, range)
    case .stream(let byteCount, let produce):
      var delivered = 0
      try withoutActuallyEscaping(write) { write throws(FormatError) in
        try produce(
          TensorDataSink { (chunk) throws(FormatError) in
            delivered += chunk.count
            guard delivered <= byteCount else {
              throw FormatError(
                .invalidArgument, path: path, name: name,
                "tensor \"\(name)\": the stream delivered more than the \(byteCount) bytes announced"
              )
            }
            try write(chunk)
          })
      }
      guard delivered == byteCount else {
        throw FormatError(
          .invalidArgument, path: path, name: name,
          "tensor \"\(name)\": the stream delivered \(delivered) bytes, expected \(byteCount)")
      }
    }
  }

  /// Writes the bytes to `output`, copying file ranges in the kernel where possible.
  func write(to output: AtomicFileWriter, name: String, path: String) throws(FormatError) {
    try emit(name: name, path: path) { (chunk) throws(FormatError) in
      try output.write(chunk)
    } copy: { (file, range) throws(FormatError) in
      try output.copy(from: file, range: range)
    }
  }
}

/// Receives the chunks of a ``TensorData/stream(byteCount:produce:)`` source.
public struct TensorDataSink {
  private let consume: (UnsafeRawBufferPointer) throws(FormatError) -> Void

  init(_ consume: @escaping (UnsafeRawBufferPointer) throws(FormatError) -> Void) {
    self.consume = consume
  }

  /// Appends `bytes` to the tensor.
  public func write(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
    try consume(bytes)
  }

  /// Appends `bytes` to the tensor.
  public func write(_ bytes: [UInt8]) throws(FormatError) {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(FormatError) in try consume(raw) }
    }
    try result.get()
  }
}
