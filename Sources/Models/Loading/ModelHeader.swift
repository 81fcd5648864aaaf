public import Formats
public import Inference
import RoPE

/// A checkpoint read through its architecture's description without touching tensor data:
/// hyperparameters, rotary settings and a mapped view of every stored tensor.
///
/// What the converter walks: ``ModelCheckpoint`` goes on to pick tensors by role and split
/// fused ones, which a conversion does per tensor while it writes.
public struct ModelHeader: Sendable {
  /// The file or folder opened.
  public let path: String
  /// The file hyperparameter errors name: the GGUF (first shard) or config.json.
  public let metadataPath: String
  public let definition: Architecture
  public let format: ModelFormat
  /// The hyperparameters and block recipe, as the loader reads them.
  public let configuration: LlamaConfiguration
  /// Rotated dimensions per head.
  public let rotaryDimension: Int
  /// The rotary settings as declared.
  public let ropeSettings: RoPESettings
  /// The `config.json` object (empty for GGUF).
  public let config: JSONObject
  /// Every stored tensor by its stored name: views of the mapped files, nothing read.
  public let tensors: [String: TensorView]
  /// Stored tensor names in the order the files list them.
  public let tensorOrder: [String]
  private let reader: HyperparameterReader

  /// The GGUF metadata by key (empty for a Hugging Face folder).
  public var ggufMetadata: [String: GGUFValue] { reader.gguf }

  /// Opens `path` as ``ModelCheckpoint/init(path:)`` does and reads its hyperparameters.
  ///
  /// - Throws: the loader's errors (`format`, `unsupportedArchitecture`, `missingKey`,
  ///   `wrongType`, `settings`).
  public init(path: String) throws(ModelError) {
    let opened = try OpenedModel(path: path)
    let definition = try ModelCheckpoint.architecture(of: opened)
    let loader = ModelLoader(opened: opened, definition: definition)
    let settings = try loader.ropeSettings()
    let (configuration, fraction) = try loader.configuration(settings: settings)
    self.path = path
    metadataPath = opened.metadataPath
    self.definition = definition
    format = opened.format
    self.configuration = configuration
    rotaryDimension = Int(Double(configuration.headDimension) * fraction)
    ropeSettings = settings
    config = opened.config
    tensors = opened.tensors
    tensorOrder = opened.tensorOrder
    reader = loader.reader
  }

  /// The stored value of `parameter` through the map (or the map's default); `nil` when the
  /// format derives it from other values or does not map it.
  public func storedValue(_ parameter: Hyperparameter) throws(ModelError)
    -> HyperparameterKey.Value?
  {
    try reader.value(parameter)
  }
}
