public import Models

extension ModelShape {
  /// The shape of an opened model: its hyperparameters, its declared context and the element
  /// count of its stored tensors.
  public init(header: ModelHeader) {
    let configuration = header.configuration
    self.init(
      layerCount: configuration.layerCount, embeddingLength: configuration.embeddingLength,
      feedForwardLength: configuration.feedForwardLength, headCount: configuration.headCount,
      keyValueHeadCount: configuration.keyValueHeadCount,
      keyHeadDimension: configuration.headDimension,
      valueHeadDimension: configuration.headDimension,
      vocabularySize: configuration.vocabularySize,
      contextLength: header.ropeSettings.contextLength ?? 0,
      parameterCount: header.tensors.values.reduce(0) { $0 + $1.shape.reduce(1, *) })
    if let keys = header.definition.slidingWindow {
      let declared =
        header.ggufMetadata["\(header.definition.ggufName).\(keys.gguf)"]?.integer
        ?? header.config[keys.huggingFace]?.number?.int
      slidingWindow = declared.flatMap { $0 > 0 ? $0 : nil }
      slidingWindowDisabledBy = keys.llamaCppDisabledAt
    }
  }
}

extension LlamaCppMemory {
  /// The bytes of `header`'s tensors as llama.cpp holds them (``weightBytes(tensors:mapped:)``).
  public static func weightBytes(of header: ModelHeader, mapped: Bool) -> Int {
    let ranges = header.tensors.values.compactMap { view -> (file: String, range: Range<Int>)? in
      guard case .mapped(let file, let range) = view.storage else { return nil }
      return (file.path, range)
    }
    return weightBytes(tensors: ranges, mapped: mapped)
  }
}
