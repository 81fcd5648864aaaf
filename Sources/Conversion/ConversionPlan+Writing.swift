import Dispatch
import Formats
import Inference
import Models
import Quantization
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
      return .bytes(GGUFLongRoPETables.float32Bytes(values, endianness: .little))
    case .stored(_, let source):
      if tensor.isCopy { return .file(source.file, range: source.range) }
      return .stream(byteCount: tensor.byteCount) { (sink) throws(FormatError) in
        try Self.stream(tensor, source, to: sink)
      }
    }
  }

  /// Reads `source` rows in the tensor's row order, converts them to the output type on every
  /// core and hands them to `sink` in order; the source pages read are released as it goes.
  ///
  /// A batch is about 1 MiB of source rows per thread; its rows are split into one share per
  /// thread, each decoded and encoded into its own place of one output buffer (rows are
  /// independent, so the bytes equal a one-thread run). Resident memory is about one batch per
  /// thread as floats and output, plus the source tensor when its rows are reordered (its pages
  /// are released only at its end).
  static func stream(_ tensor: Tensor, _ source: SourceTensor, to sink: TensorDataSink)
    throws(FormatError)
  {
    let rows = max(1, source.shape.first ?? 1)
    let rowBytes = source.range.count / rows
    let rowElements = source.shape.dropFirst().reduce(1, *)
    let share = max(1, (1 << 20) / max(1, rowBytes))
    if tensor.dtype == source.dtype {
      try copyRows(tensor, source, rowBytes: rowBytes, batch: share, to: sink)
      return
    }
    let outputRowBytes: Int
    do {
      outputRowBytes = try Quantizer.rowByteCount(rowLength: rowElements, type: tensor.dtype)
    } catch {
      throw FormatError(
        .invalidArgument, path: "", name: tensor.name,
        "cannot quantize \(tensor.name) to \(tensor.dtype): \(error)")
    }
    let threads = max(1, min(Parallelism.processorCount, (rows + share - 1) / share))
    let batch = share * threads
    let firstValue = UnsafeMutablePointer<Float>.allocate(capacity: max(1, batch * rowElements))
    let values = UnsafeMutableBufferPointer(start: firstValue, count: batch * rowElements)
    let output = UnsafeMutableRawBufferPointer.allocate(
      byteCount: batch * outputRowBytes, alignment: 16)
    defer {
      firstValue.deallocate()
      output.deallocate()
    }
    try source.file.withUnsafeBytes(in: source.range) { (raw) throws(FormatError) in
      var start = 0
      while start < rows {
        let end = min(rows, start + batch)
        let shares = (end - start + share - 1) / share
        let batchStart = start
        nonisolated(unsafe) let work = { (index: Int) in
          let first = batchStart + index * share
          let last = min(end, first + share)
          for row in first..<last {
            let from = (tensor.sourceRows?[row] ?? row) * rowBytes
            Dequantization.decode(
              raw.baseAddress! + from, dtype: source.dtype, count: rowElements,
              into: firstValue + (row - batchStart) * rowElements)
          }
          ElementConversion.encode(
            UnsafeBufferPointer(
              rebasing: values[
                ((first - batchStart) * rowElements)..<((last - batchStart) * rowElements)]),
            rowLength: rowElements, as: tensor.dtype,
            into: UnsafeMutableRawBufferPointer(
              rebasing: output[
                ((first - batchStart) * outputRowBytes)..<((last - batchStart)
                  * outputRowBytes)]))
        }
        if shares == 1 {
          work(0)
        } else {
          // The shares write disjoint rows of `output`, and read `raw` and `values` only.
          DispatchQueue.concurrentPerform(iterations: shares) { work($0) }
        }
        try sink.write(
          UnsafeRawBufferPointer(rebasing: output[0..<((end - start) * outputRowBytes)]))
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

  /// Streams `source`'s rows unchanged in the tensor's row order (a reordered tensor of the
  /// source's own type), `batch` rows at a time.
  static func copyRows(
    _ tensor: Tensor, _ source: SourceTensor, rowBytes: Int, batch: Int, to sink: TensorDataSink
  ) throws(FormatError) {
    let rows = max(1, source.shape.first ?? 1)
    try source.file.withUnsafeBytes(in: source.range) { (raw) throws(FormatError) in
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
        try sink.write(gathered)
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
