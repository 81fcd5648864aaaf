import Tensors

/// A `llama-quantize` file type (`--quant q4_k_m`): a default tensor type plus llama.cpp's
/// per-tensor rules, see ``tensorTypes(for:)``.
///
/// Only the recipes whose every tensor type has a quantizer here, and none that needs an
/// importance matrix (Q2_K, Q3_K_*, IQ*) are listed.
public enum QuantizationRecipe: String, CaseIterable, Sendable, CustomStringConvertible {
  case q4_0, q4_1, q5_0, q5_1, q8_0
  case q4_K_S, q4_K_M, q5_K_S, q5_K_M, q6_K
  case f16, bf16, f32

  /// Parses a name `llama-quantize` accepts, case-insensitively: `Q4_K_M`, `q4_k_m`, the aliases
  /// `Q4_K` (Q4_K_M) and `Q5_K` (Q5_K_M), or the `general.file_type` number (`15`).
  public init?(name: String) {
    let upper = name.uppercased()
    if let found = QuantizationRecipe.allCases.first(where: { $0.name == upper }) {
      self = found
    } else if upper == "Q4_K" {
      self = .q4_K_M
    } else if upper == "Q5_K" {
      self = .q5_K_M
    } else if let number = UInt32(name),
      let found = QuantizationRecipe.allCases.first(where: { $0.fileType == number })
    {
      self = found
    } else {
      return nil
    }
  }

  /// The name `llama-quantize` prints (`Q4_K_M`, `BF16`).
  public var name: String { rawValue.uppercased() }

  public var description: String { name }

  /// The `general.file_type` value (llama.cpp's `llama_ftype`) a file of this recipe carries.
  public var fileType: UInt32 {
    switch self {
    case .f32: 0
    case .f16: 1
    case .q4_0: 2
    case .q4_1: 3
    case .q8_0: 7
    case .q5_0: 8
    case .q5_1: 9
    case .q4_K_S: 14
    case .q4_K_M: 15
    case .q5_K_S: 16
    case .q5_K_M: 17
    case .q6_K: 18
    case .bf16: 32
    }
  }

  /// The type most tensors get (`llama_ftype_get_default_type`).
  public var defaultType: DType {
    switch self {
    case .f32: .f32
    case .f16: .f16
    case .bf16: .bf16
    case .q4_0: .q4_0
    case .q4_1: .q4_1
    case .q5_0: .q5_0
    case .q5_1: .q5_1
    case .q8_0: .q8_0
    case .q4_K_S, .q4_K_M: .q4_K
    case .q5_K_S, .q5_K_M: .q5_K
    case .q6_K: .q6_K
    }
  }
}
