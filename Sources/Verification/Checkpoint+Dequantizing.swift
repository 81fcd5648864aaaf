public import Formats
import Inference
import Tensors

extension Checkpoint {
  /// Elements decoded per chunk when streaming a tensor to F32 (1 MiB of Float).
  static let dequantizingChunk = 1 << 18

  /// Writes this checkpoint again with every F16, BF16 and quantized tensor dequantized to
  /// F32 (the decoders of `Inference`, identical to ggml's `dequantize_row_*`), as
  /// `llama-quantize --allow-requantize IN OUT F32` does.
  ///
  /// Tensors stream through a small buffer, one at a time; the output never holds a whole
  /// model in memory. A GGUF keeps its keys, alignment, byte order and tensor order, with
  /// `general.file_type` set (or added) as 0, all F32; safetensors keeps its `__metadata__`. Tensors of
  /// other types (F32, integers) are copied as they are.
  ///
  /// - Throws: `model` naming the first tensor whose type has no decoder, `format` for write
  ///   failures.
  public func rewriteDequantized(to destination: String, reserve: Int = 0)
    throws(VerificationError) -> RewriteResult
  {
    // The decoders' own error, kept so it is not flattened into a write failure.
    var decodeFailure: VerificationError?
    do throws(FormatError) {
      return try rewrite(
        to: destination, reserve: reserve, ggufKeys: [("general.file_type", .uint32(0))]
      ) { (entry, file) throws(FormatError) in
        do throws(VerificationError) {
          return try Self.converted(entry, in: file)
        } catch {
          decodeFailure = error
          throw FormatError(.invalidArgument, path: entry.path, name: entry.name, error.message)
        }
      }
    } catch {
      if let decodeFailure { throw decodeFailure }
      throw VerificationError(error)
    }
  }

  /// The F32 stream of `entry`, or its bytes unchanged when it is F32 or not a float type.
  private static func converted(_ entry: TensorEntry, in file: MappedFile) throws(VerificationError)
    -> (DType, TensorData)
  {
    guard entry.dtype != .f32,
      entry.dtype == .f16 || entry.dtype == .bf16 || entry.dtype.isQuantized
    else { return (entry.dtype, .tensor(entry, in: file)) }
    let view: TensorView
    do {
      view = try TensorView(
        name: entry.name, dtype: entry.dtype, shape: entry.shape, file: file,
        byteRange: entry.byteRange)
    } catch { throw VerificationError(error, path: entry.path) }
    guard TensorView.decodableTypes.contains(entry.dtype) else {
      throw VerificationError(
        .model, path: entry.path, name: entry.name,
        "tensor \"\(entry.name)\" is \(entry.dtype); F32 conversion decodes"
          + " \(TensorView.decodableTypes.map(\.name).sorted().joined(separator: ", "))")
    }
    let total = entry.elementCount
    let chunk = max(
      entry.dtype.blockSize, dequantizingChunk / entry.dtype.blockSize * entry.dtype.blockSize)
    let path = entry.path
    return (
      .f32,
      .stream(byteCount: total * 4) { (sink) throws(FormatError) in
        var buffer = [Float](repeating: 0, count: chunk)
        var start = 0
        while start < total {
          let count = min(chunk, total - start)
          let failure: InferenceError? = buffer.withUnsafeMutableBufferPointer {
            floats -> InferenceError? in
            do throws(InferenceError) {
              try view.decode(
                elementsFrom: start, into: UnsafeMutableBufferPointer(rebasing: floats[0..<count]))
              return nil
            } catch { return error }
          }
          if let failure {
            throw FormatError(.invalidArgument, path: path, name: view.name, failure.message)
          }
          let written = buffer.withUnsafeBytes { raw in
            Result { () throws(FormatError) in
              try sink.write(UnsafeRawBufferPointer(rebasing: raw[0..<(count * 4)]))
            }
          }
          try written.get()
          start += count
        }
      }
    )
  }
}
