public import Tensors

/// One tensor a plan adds, replaces, removes or rescales, decided before anything is written.
public struct TensorChange: Equatable, Sendable {
  /// What happens to the tensor.
  public enum Action: Equatable, Sendable {
    /// A new tensor with these bytes.
    case add([UInt8])
    /// An existing tensor's bytes replaced (same name; type and shape may change).
    case replace([UInt8])
    /// The tensor is dropped.
    case remove
    /// Every value multiplied by the factor (``AttentionFolding``).
    case scale(Double)
  }

  public var name: String
  public var action: Action
  /// The type and row-major shape the tensor has after the change.
  public var dtype: DType
  public var shape: [Int]

  public init(name: String, action: Action, dtype: DType, shape: [Int]) {
    self.name = name
    self.action = action
    self.dtype = dtype
    self.shape = shape
  }

  /// One line for `--dry-run`: `+ rope_freqs.weight F32 [32]`, `× blk.0.attn_q.weight ×1.1386`.
  public var summary: String {
    let shape = "[\(self.shape.map(String.init).joined(separator: ", "))]"
    switch action {
    case .add: return "+ tensor \(name) \(dtype.name) \(shape)"
    case .replace: return "~ tensor \(name) \(dtype.name) \(shape) (new values)"
    case .remove: return "- tensor \(name)"
    case .scale(let factor):
      return "× tensor \(name) \(dtype.name) \(shape) scaled by \(factor)"
    }
  }
}
