extension Architecture {
  /// Every architecture Spindle loads, in the order messages list them.
  public static let all: [Architecture] = [.llama, .qwen2, .qwen3, .phi3, .gptNeoX]

  /// The architecture whose GGUF `general.architecture` is `name`.
  public static func find(gguf name: String) -> Architecture? {
    all.first { $0.ggufName == name }
  }

  /// The architecture of a transformers config: by `model_type`, else by an `architectures`
  /// entry.
  public static func find(huggingFace modelType: String?, architectures: [String] = [])
    -> Architecture?
  {
    if let modelType, let found = all.first(where: { $0.huggingFaceModelTypes.contains(modelType) })
    {
      return found
    }
    return all.first { candidate in
      architectures.contains { candidate.huggingFaceArchitectures.contains($0) }
    }
  }

  /// "supported: llama, qwen2, …", for messages.
  static var supportedList: String { "supported: " + all.map(\.ggufName).joined(separator: ", ") }
}
