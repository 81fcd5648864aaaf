import Formats
import Inference
import Quantization
import Tensors

#if canImport(Glibc)
import Glibc
#endif

extension HuggingFaceExport {
  /// What ``write(to:progress:)`` wrote.
  public struct Written: Sendable {
    /// The folder.
    public var path: String
    /// The files, in the order written.
    public var files: [String]
    /// Bytes of all files.
    public var byteCount: Int
  }

  /// Writes the folder at `destination`: the safetensors shards (and their index when more
  /// than one), `config.json`, `generation_config.json` and the tokenizer files.
  ///
  /// Everything is written into a temporary sibling folder, each file through the atomic
  /// writer (temp + fsync + rename), after a free-space check; the folder is renamed into
  /// place only when complete, so a failure leaves nothing under `destination`. Tensors stream
  /// one at a time through buffers of about 1 MiB of rows: memory stays bounded by the row
  /// buffers, whatever the model's size.
  ///
  /// - Parameter progress: tensor bytes written and their total, after each tensor.
  /// - Throws: `output`, with the writer's error; an existing `destination` is refused.
  public func write(
    to destination: String, progress: ((_ written: Int, _ total: Int) -> Void)? = nil
  ) throws(ConversionError) -> Written {
    let trimmed =
      destination.count > 1 && destination.hasSuffix("/")
      ? String(destination.dropLast()) : destination
    if ((try? Syscalls.pathStatus(trimmed)) ?? nil) != nil {
      throw ConversionError(
        .output, path: trimmed, "already exists; convert --to hf writes a new folder")
    }
    let (parent, name) = AtomicFileWriter.split(trimmed)
    let temporary = "\(parent)/" + TemporaryName.folder(for: name)
    TemporaryName.removeStale(in: parent, target: name)
    guard mkdir(temporary, 0o755) == 0 else {
      throw ConversionError(
        .output, path: temporary,
        "cannot create the temporary folder: \(String(cString: strerror(errno)))")
    }
    var files: [String] = []
    do throws(FormatError) {
      let available: Int
      do { available = try Syscalls.availableBytes(at: parent) } catch { throw FormatError(error) }
      if available < tensorByteCount {
        throw FormatError(
          .io, path: trimmed,
          "needs \(tensorByteCount) bytes of tensor data, \(available) are free")
      }
      let counter = ProgressCounter(total: tensorByteCount, report: progress)
      var byteCount = 0
      var weightMap: [(key: String, value: JSONValue)] = []
      for (shard, fileName) in zip(shards, shardNames) {
        var writer = SafetensorsWriter(metadata: [(key: "format", value: "pt")])
        for index in shard {
          let tensor = tensors[index]
          writer.add(
            tensor.name, dtype: tensor.dtype, shape: tensor.shape,
            data: .stream(byteCount: tensor.byteCount) { (sink) throws(FormatError) in
              try Self.stream(tensor, to: sink, path: trimmed)
              counter.add(tensor.byteCount)
            })
          weightMap.append((tensor.name, .string(fileName)))
        }
        files.append(fileName)
        byteCount += try writer.write(to: "\(temporary)/\(fileName)").fileSize
      }
      var documents: [(String, JSONObject)] = [("config.json", config)]
      if shards.count > 1 {
        weightMap.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        documents.append(
          (
            "model.safetensors.index.json",
            JSONObject([
              ("metadata", .object(JSONObject([("total_size", .integer(tensorByteCount))]))),
              ("weight_map", .object(JSONObject(weightMap))),
            ])
          ))
      }
      if let generationConfig { documents.append(("generation_config.json", generationConfig)) }
      if let tokenizer {
        documents.append(("tokenizer.json", tokenizer.json))
        documents.append(("tokenizer_config.json", tokenizer.config))
      }
      for (fileName, object) in documents {
        let text = JSONValue.object(object).serialized(.pretty) + "\n"
        let output = try AtomicFileWriter(destination: "\(temporary)/\(fileName)")
        do {
          try output.write(text)
          try output.commit()
        } catch {
          output.abort()
          throw error
        }
        files.append(fileName)
        byteCount += text.utf8.count
      }
      do {
        try Syscalls.fsyncDirectory(temporary)
        try Syscalls.rename(temporary, to: trimmed)
        try Syscalls.fsyncDirectory(parent)
      } catch {
        throw FormatError(error)
      }
      return Written(path: trimmed, files: files, byteCount: byteCount)
    } catch {
      for file in files { try? Syscalls.unlink("\(temporary)/\(file)") }
      rmdir(temporary)
      throw ConversionError(error)
    }
  }

  /// Decodes `tensor`'s source rows in output order, about 1 MiB of Float at a time, and
  /// hands them to `sink` in the output type (F16/BF16 rounded to nearest even as ggml does).
  static func stream(_ tensor: Tensor, to sink: TensorDataSink, path: String) throws(FormatError) {
    let view = tensor.source
    let elements = view.elementCount
    // Vectors are one row, unless their elements are reordered (GPT-NeoX's QKV bias).
    let rows =
      tensor.shape.count > 1 || tensor.sourceRows != nil ? max(1, tensor.shape.first ?? 1) : 1
    let rowElements = elements / rows
    guard rowElements > 0 else { return }
    let batch = max(1, (1 << 18) / rowElements)
    var values = [Float](repeating: 0, count: min(rows, batch) * rowElements)
    var output = [UInt8](
      repeating: 0, count: tensor.dtype.byteCount(elements: values.count) ?? 0)
    var start = 0
    while start < rows {
      let end = min(rows, start + batch)
      let count = (end - start) * rowElements
      do {
        try values.withUnsafeMutableBufferPointer { buffer throws(InferenceError) in
          for row in start..<end {
            let from = (tensor.sourceRows?[row] ?? row) * rowElements
            let target = UnsafeMutableBufferPointer(
              rebasing: buffer[((row - start) * rowElements)..<((row - start + 1) * rowElements)])
            try view.decode(elementsFrom: from, into: target)
          }
        }
      } catch {
        throw FormatError(.io, path: path, name: tensor.sourceName, error.message)
      }
      let bytes = tensor.dtype.byteCount(elements: count) ?? 0
      do {
        try values.withUnsafeBufferPointer { source in
          try output.withUnsafeMutableBytes { target in
            try Quantizer.quantize(
              UnsafeBufferPointer(rebasing: source[0..<count]), rowLength: rowElements,
              to: tensor.dtype, into: UnsafeMutableRawBufferPointer(rebasing: target[0..<bytes]))
          }
        }
      } catch {
        throw FormatError(.io, path: path, name: tensor.name, "\(error)")
      }
      try sink.write(bytes == output.count ? output : Array(output[0..<bytes]))
      start = end
    }
  }
}

/// Tensor bytes written so far, reported after each tensor.
private final class ProgressCounter {
  let total: Int
  let report: ((Int, Int) -> Void)?
  var done = 0

  init(total: Int, report: ((Int, Int) -> Void)?) {
    self.total = total
    self.report = report
  }

  func add(_ bytes: Int) {
    done += bytes
    report?(done, total)
  }
}
