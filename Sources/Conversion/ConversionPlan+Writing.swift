import Formats
import Tensors

extension ConversionPlan {
  /// What ``write(to:progress:)`` wrote.
  public struct Written: Sendable {
    /// The output file.
    public var path: String
    public var byteCount: Int
    /// Bytes copied inside the kernel (`copy_file_range`), never through user space.
    public var bytesCopiedInKernel: Int
    /// Every file of a split set in order (just ``path`` for one file).
    public var shards: [String]

    init(path: String, byteCount: Int, bytesCopiedInKernel: Int, shards: [String]? = nil) {
      self.path = path
      self.byteCount = byteCount
      self.bytesCopiedInKernel = bytesCopiedInKernel
      self.shards = shards ?? [path]
    }
  }

  /// Writes the plan to `destination` as one GGUF file, one tensor at a time.
  ///
  /// Tensors needing no change are copied by byte range (`copy_file_range` from an
  /// uncompressed file); the others stream through a buffer of about 1 MiB of source rows,
  /// so memory stays bounded whatever the model's size. The file is written under a temporary
  /// name after a free-space check, validated as `spindle validate` does, and renamed into
  /// place only then: a failure leaves nothing under `destination`.
  ///
  /// - Parameter progress: bytes written and the file's size, after each tensor.
  /// - Throws: `output`, with the writer's or the validation's error.
  public func write(
    to destination: String, progress: ((_ written: Int, _ total: Int) -> Void)? = nil
  ) throws(ConversionError) -> Written {
    do throws(FormatError) {
      var writer = try GGUFWriter(path: destination)
      for (key, value) in metadata { try writer.add(key, value) }
      for tensor in tensors {
        try writer.addTensor(
          tensor.name, dtype: tensor.dtype, shape: tensor.shape, data: data(tensor, destination))
      }
      let size = try writer.fileByteCount()
      let copied = try writer.write(progress: progress ?? { _, _ in }) {
        (temporary) throws(FormatError) in
        try Self.validate(temporary, destination: destination, tensorCount: tensors.count)
      }
      return Written(path: destination, byteCount: size, bytesCopiedInKernel: copied)
    } catch {
      throw ConversionError(error)
    }
  }

  /// Runs `validate`'s checks on the written temporary file.
  static func validate(_ temporary: String, destination: String, tensorCount: Int)
    throws(FormatError)
  {
    let written = try Checkpoint.open(temporary)
    if let problem = written.problems.first {
      throw FormatError(
        problem.kind, path: destination, name: problem.name,
        "the converted file fails validation, so it was not kept: \(problem.message)")
    }
    guard written.tensors.count == tensorCount else {
      throw FormatError(
        .io, path: destination,
        "the converted file holds \(written.tensors.count) tensors, the plan \(tensorCount)")
    }
  }

  /// Where the writer takes `tensor`'s bytes from.
  func data(_ tensor: Tensor, _ destination: String) -> TensorData {
    switch tensor.source {
    case .generated(_, let values):
      var bytes: [UInt8] = []
      ElementConversion.encode(values[...], as: .f32, into: &bytes)
      return .bytes(bytes)
    case .stored(_, let source):
      if tensor.isCopy { return .file(source.file, range: source.range) }
      return .stream(byteCount: tensor.byteCount) { (sink) throws(FormatError) in
        try Self.stream(tensor, source, to: sink)
      }
    }
  }

  /// Reads `source` rows in the tensor's row order, about 1 MiB at a time, converts them to
  /// the output type and hands them to `sink`; the source pages read are released as it goes,
  /// so resident memory is about one batch (one tensor when its rows are reordered).
  static func stream(_ tensor: Tensor, _ source: SourceTensor, to sink: TensorDataSink)
    throws(FormatError)
  {
    let rows = max(1, source.shape.first ?? 1)
    let rowBytes = source.range.count / rows
    let rowElements = source.shape.dropFirst().reduce(1, *)
    let batch = max(1, (1 << 20) / max(1, rowBytes))
    try source.file.withUnsafeBytes(in: source.range) { (raw) throws(FormatError) in
      var values: [Float] = []
      var output: [UInt8] = []
      var gathered: [UInt8] = []
      var start = 0
      while start < rows {
        let end = min(rows, start + batch)
        gathered.removeAll(keepingCapacity: true)
        for row in start..<end {
          let from = (tensor.sourceRows?[row] ?? row) * rowBytes
          gathered.append(
            contentsOf: UnsafeRawBufferPointer(rebasing: raw[from..<(from + rowBytes)]))
        }
        if tensor.dtype == source.dtype {
          try sink.write(gathered)
        } else {
          output.removeAll(keepingCapacity: true)
          gathered.withUnsafeBytes { ElementConversion.decode($0, source.dtype, into: &values) }
          if ElementConversion.isQuantizedByQuantizer(tensor.dtype) {
            try ElementConversion.quantize(
              values, rowLength: rowElements, as: tensor.dtype, into: &output, tensor: tensor.name)
          } else {
            var offset = 0
            while offset < values.count {
              let next = offset + rowElements
              ElementConversion.encode(values[offset..<next], as: tensor.dtype, into: &output)
              offset = next
            }
          }
          try sink.write(output)
        }
        // Done with these rows: drop their pages so memory stays flat (rows in source order).
        if tensor.sourceRows == nil {
          source.file.release(
            (source.range.lowerBound + start * rowBytes)..<(source.range.lowerBound + end * rowBytes)
          )
        }
        start = end
      }
    }
    source.file.release(source.range)
  }
}
