import Foundation

/// The SmolLM2-135M files `make smollm2` caches for the release suites.
public enum SmolLM2Models {
  /// `$SPINDLE_MODELS`, else `$XDG_CACHE_HOME/spindle/models`, else `~/.cache/spindle/models`.
  public static let folder: String = {
    let environment = ProcessInfo.processInfo.environment
    if let folder = environment["SPINDLE_MODELS"], !folder.isEmpty { return folder }
    let cache =
      environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? (NSHomeDirectory() + "/.cache")
    return cache + "/spindle/models"
  }()

  public static let quantized = folder + "/SmolLM2-135M-Instruct.Q4_1.gguf"
  public static let float = folder + "/smollm2-f32.gguf"
  /// The BF16 copy (tensor bytes those of `llama-quantize … BF16` of the F32 one).
  public static let bfloat = folder + "/smollm2-bf16.gguf"
}
