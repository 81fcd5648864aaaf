public import Formats
public import Tensors

/// LongRoPE's GGUF form: the `rope_factors_long.weight` and `rope_factors_short.weight`
/// tensors (F32, one divisor per rotary pair, shared by every layer); which llama.cpp
/// architectures read them is ``LlamaCppGraph``'s.
///
/// llama.cpp picks the long table when the context per sequence exceeds
/// `rope.scaling.original_context_length` (`llama_model::get_rope_factors`), else the short
/// one, and takes the magnitude from `rope.scaling.attn_factor`; there is no scaling type key
/// (convert_hf_to_gguf's `Phi3MiniModel` writes none).
public struct GGUFLongRoPETables: Equatable, Sendable {
  /// llama.cpp's `LLM_TENSOR_ROPE_FACTORS_LONG`.
  public static let longName = "rope_factors_long.weight"
  /// llama.cpp's `LLM_TENSOR_ROPE_FACTORS_SHORT`.
  public static let shortName = "rope_factors_short.weight"

  /// One of the two tensors as the file holds it.
  public struct Table: Equatable, Sendable {
    public var dtype: DType
    /// Row-major shape.
    public var shape: [Int]
    /// The values, decoded when the tensor is F32 (`nil` otherwise).
    public var values: [Float]?

    public init(dtype: DType, shape: [Int], values: [Float]?) {
      self.dtype = dtype
      self.shape = shape
      self.values = values
    }
  }

  /// `rope_factors_short.weight`, if present.
  public var short: Table?
  /// `rope_factors_long.weight`, if present.
  public var long: Table?

  public init(short: Table? = nil, long: Table? = nil) {
    self.short = short
    self.long = long
  }

  /// Whether neither tensor is present.
  public var isEmpty: Bool { short == nil && long == nil }

  /// The two tensors of `file`, values decoded in the file's byte order.
  public init(gguf file: GGUFFile) {
    func table(_ name: String) -> Table? {
      guard let entry = file.tensors.first(where: { $0.name == name }) else { return nil }
      var values: [Float]?
      if entry.dtype == .f32, entry.byteRange.count % 4 == 0 {
        let bytes = file.file.bytes(in: entry.byteRange)
        values = stride(from: 0, to: bytes.count, by: 4).map { offset in
          var bits: UInt32 = 0
          for byte in 0..<4 {
            let shift = file.endianness == .little ? 8 * byte : 8 * (3 - byte)
            bits |= UInt32(bytes[offset + byte]) << shift
          }
          return Float(bitPattern: bits)
        }
      }
      return Table(dtype: entry.dtype, shape: entry.shape, values: values)
    }
    self.init(short: table(Self.shortName), long: table(Self.longName))
  }

  /// The F32 bytes of `values` in `endianness`, as tensor data holds them (the factor tables and
  /// `rope_freqs.weight`).
  public static func float32Bytes(_ values: [Float], endianness: Endianness) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(values.count * 4)
    for value in values {
      let bits = value.bitPattern
      for byte in 0..<4 {
        let shift = endianness == .little ? 8 * byte : 8 * (3 - byte)
        bytes.append(UInt8(truncatingIfNeeded: bits >> shift))
      }
    }
    return bytes
  }

  /// A stored F32 as the decimal it was written from (`Float(1.08)` reads back as `1.08`), so
  /// factors that came from a config.json compare equal after a round trip through GGUF.
  public static func decimal(_ value: Float) -> Double {
    Double("\(value)") ?? Double(value)
  }
}
