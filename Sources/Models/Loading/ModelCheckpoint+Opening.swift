import Formats
import Inference
import RoPE

extension ModelCheckpoint {
  /// Opens whatever `path` names (see ``ModelCheckpoint``) through the description of its
  /// architecture.
  ///
  /// - Throws: `format` for unreadable files, `unsupportedArchitecture`, `missingKey` and
  ///   `wrongType` naming the hyperparameter and file, `settings` for the rope keys,
  ///   `missingTensor` and `shape` naming the tensor.
  public init(path: String) throws(ModelError) {
    let opened = try OpenedModel(path: path)
    let definition = try Self.architecture(of: opened)
    var loader = ModelLoader(opened: opened, definition: definition)
    self = try loader.load()
  }

  /// Opens a GGUF file or split set (kept for callers of the former `LlamaCheckpoint`).
  public init(gguf path: String) throws(ModelError) {
    try self.init(path: path)
  }

  /// Opens a Hugging Face folder (kept for callers of the former `LlamaCheckpoint`).
  public init(huggingFace path: String) throws(ModelError) {
    try self.init(path: path)
  }

  /// The description for an opened checkpoint, or `unsupportedArchitecture` listing the known.
  static func architecture(of opened: OpenedModel) throws(ModelError) -> Architecture {
    switch opened.format {
    case .gguf:
      guard case .string(let name)? = opened.gguf["general.architecture"] else {
        throw ModelError(
          .missingKey, path: opened.metadataPath, name: "general.architecture",
          "'general.architecture' (a STRING) is required")
      }
      guard let found = Architecture.find(gguf: name) else {
        throw ModelError(
          .unsupportedArchitecture, path: opened.metadataPath, name: "general.architecture",
          "unsupported architecture \"\(name)\"; \(Architecture.supportedList)")
      }
      return found
    case .huggingFace:
      var modelType: String?
      if let value = opened.config["model_type"], value != .null {
        guard case .string(let text) = value else {
          throw ModelError(
            .wrongType, path: opened.metadataPath, name: "model_type",
            "\"model_type\" must be a string, found \(HyperparameterReader.shown(value))")
        }
        modelType = text
      }
      guard
        let found = Architecture.find(
          huggingFace: modelType, architectures: opened.huggingFaceArchitectures)
      else {
        let named =
          modelType.map { "model_type \"\($0)\"" }
          ?? "architectures \(opened.huggingFaceArchitectures)"
        throw ModelError(
          .unsupportedArchitecture, path: opened.metadataPath, name: "model_type",
          "unsupported architecture (\(named)); \(Architecture.supportedList)")
      }
      return found
    }
  }
}
