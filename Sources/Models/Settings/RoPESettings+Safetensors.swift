import Formats

extension RoPESettings {
  /// The `__metadata__` key holding the scaling: the Hugging Face dict as compact JSON, exactly
  /// what config.json's `rope_scaling` would hold.
  public static let safetensorsScalingKey = "rope_scaling"
  /// The `__metadata__` key holding the context length, as a decimal string.
  public static let safetensorsContextKey = "max_position_embeddings"

  /// Reads the settings a safetensors file's `__metadata__` declares under
  /// ``safetensorsScalingKey`` and ``safetensorsContextKey``, validated as config.json is.
  ///
  /// A file without those keys gives `.none` with unknown lengths.
  public init(
    safetensorsMetadata metadata: [(key: String, value: String)]?, path: String,
    force: Bool = false
  ) throws(PatchError) {
    var config = JSONObject()
    let find = { (key: String) in metadata?.first(where: { $0.key == key })?.value }
    if let text = find(Self.safetensorsContextKey) {
      guard let context = Int(text) else {
        throw PatchError(
          .wrongType, path: path, key: Self.safetensorsContextKey,
          "__metadata__ '\(Self.safetensorsContextKey)' must be a decimal integer, found"
            + " \"\(text.prefix(40))\"")
      }
      config[Self.safetensorsContextKey] = .integer(context)
    }
    if let text = find(Self.safetensorsScalingKey) {
      let value: JSONValue
      do { value = try JSONValue.parse(text, path: path) } catch {
        throw PatchError(
          .wrongType, path: path, key: Self.safetensorsScalingKey,
          "__metadata__ '\(Self.safetensorsScalingKey)' must hold a JSON object: \(error.message)")
      }
      config[Self.safetensorsScalingKey] = value
    }
    try self.init(huggingFace: config, path: path, force: force)
  }

  /// `metadata` with the scaling keys set (in place when present, else appended); `.none`
  /// removes the scaling key.
  public func safetensorsMetadata(
    updating metadata: [(key: String, value: String)]
  ) -> [(key: String, value: String)] {
    var result = metadata
    func set(_ key: String, _ value: String?) {
      if let index = result.firstIndex(where: { $0.key == key }) {
        if let value { result[index].value = value } else { result.remove(at: index) }
      } else if let value {
        result.append((key, value))
      }
    }
    set(Self.safetensorsContextKey, contextLength.map(String.init))
    set(
      Self.safetensorsScalingKey,
      huggingFaceScaling().map { JSONValue.object($0).serialized(.compact) })
    return result
  }
}
