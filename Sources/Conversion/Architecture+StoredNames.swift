import Models

extension Architecture {
  /// Every stored tensor of the description by its name in `format`, in each of `layerCount`
  /// layers (per-layer tensors) or once: the table both conversion directions walk.
  func storedTensorsByName(_ format: ModelFormat, layerCount: Int)
    -> [String: (stored: StoredTensor, layer: Int)]
  {
    var known: [String: (stored: StoredTensor, layer: Int)] = [:]
    for stored in tensors {
      for layer in stored.isPerLayer ? 0..<max(0, layerCount) : 0..<1 {
        if let name = stored.name(format, layer: layer, in: self) { known[name] = (stored, layer) }
      }
    }
    return known
  }

  /// The GGUF name of the output projection (absent when the embeddings are tied).
  var outputTensorName: String? {
    tensors.first { $0.roles == [.output] }?.name(.gguf, in: self)
  }
}

extension ConversionError {
  /// Tensors the description does not know: an `unknownTensors` error listing them, or with
  /// `skipUnknown` the warning that says which were dropped (`nil` when there are none).
  static func unknownTensors(
    _ unknown: [String], skipUnknown: Bool, architecture: Architecture, path: String
  ) throws(ConversionError) -> String? {
    guard !unknown.isEmpty else { return nil }
    let plural = unknown.count == 1 ? "" : "s"
    guard skipUnknown else {
      throw ConversionError(
        .unknownTensors, path: path, name: unknown.first,
        "\(unknown.count) tensor\(plural) the \(architecture.ggufName)"
          + " description does not know: " + unknown.joined(separator: ", ")
          + " (--skip-unknown drops them)")
    }
    return "dropped \(unknown.count) unknown tensor\(plural) (--skip-unknown): "
      + unknown.joined(separator: ", ")
  }
}
