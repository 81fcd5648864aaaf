import Conversion
import Formats
import Foundation
import TestSupport

/// The architecture fixtures and conversions of them into scratch folders.
enum ConversionFixtures {
  static let models = [
    "llama", "qwen2", "qwen3", "phi3", "phi3-longrope", "gptneox", "gptneox-sequential",
  ]

  static func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: Repository.fixture(relative))
  }

  /// The folder transformers wrote for `name`.
  static func folder(_ name: String) -> String {
    Repository.fixture("architectures/models/\(name)")
  }

  /// The `tokenizer.ggml.pre` llama.cpp's converter was told for `name` (`convert.py`): the
  /// BPE tokenizers trained for the gptneox fixtures have no hash it knows.
  static func preTokenizer(_ name: String) -> String? {
    name.hasPrefix("gptneox") ? "gpt-2" : nil
  }

  /// llama.cpp's conversion of `name` to `type` (F32: `gguf/`, others `gguf-types/`).
  static func reference(_ name: String, _ type: ConversionPlan.TargetType) -> String {
    type == .f32
      ? Repository.fixture("architectures/gguf/\(name).gguf")
      : Repository.fixture("architectures/gguf-types/\(name).\(type.rawValue).gguf")
  }

  /// Spindle's conversion of `name` to `type`, in a new scratch folder.
  static func convert(_ name: String, _ type: ConversionPlan.TargetType, label: String = #function)
    throws -> String
  {
    let scratch = try Scratch.folder(label)
    let output = "\(scratch)/\(name).\(type.rawValue).gguf"
    let plan = try ConversionPlan(
      folder: folder(name), options: .init(type: type, preTokenizer: preTokenizer(name)))
    _ = try plan.write(to: output)
    return output
  }
}
