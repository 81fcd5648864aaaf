import Formats
import Inference
import Models
import Quantization
import Tensors

extension ConversionPlan {
  /// Input tensors llama.cpp's converter drops as well: buffers transformers saved by older
  /// versions, not weights (`rotary_emb.inv_freq`, GPT-NeoX's `attention.bias` causal mask and
  /// `attention.masked_bias`).
  static let droppedBufferSuffixes = [
    ".rotary_emb.inv_freq", ".attention.bias", ".attention.masked_bias",
  ]

  /// Plans the conversion of the Hugging Face folder at `folder` (or of a safetensors file,
  /// plain or `.zst`, or a sharded index, with its config.json beside it).
  ///
  /// Every stored tensor of the folder's architecture description is found by its
  /// transformers name in every layer, checked against the shape its roles give, and written
  /// under its GGUF name with its rows rearranged from the transformers arrangement to the GGUF
  /// one (llama's Q/K permutation, GPT-NeoX's per-head QKV to `[Q; K; V]`). Rope tables the
  /// scaling needs (`rope_freqs`, LongRoPE's pair) come first, as the converter writes them.
  ///
  /// - Throws: `model` (the loader's errors: unknown architecture, missing or mistyped
  ///   hyperparameters), `notAFolder`, `unknownTensors` and `missingTensors` listing every
  ///   name, `shape`, `unsupportedType`.
  public init(folder: String, options: Options = Options()) throws(ConversionError) {
    let header: ModelHeader
    do { header = try ModelHeader(path: folder) } catch { throw ConversionError(error) }
    guard header.format == .huggingFace else {
      throw ConversionError(
        .notAFolder, path: folder,
        "convert reads a Hugging Face folder (config.json and safetensors); this is a GGUF")
    }
    let definition = header.definition
    let c = header.configuration
    path = folder
    let configPath = header.metadataPath
    self.folder =
      configPath.hasSuffix("/config.json") ? String(configPath.dropLast("/config.json".count)) : "."
    architecture = definition
    skipped = []
    warnings = []
    tensors = []
    metadata = []

    // The walk: every stored tensor of the description, in every layer, by transformers name.
    let known = definition.storedTensorsByName(.huggingFace, layerCount: c.layerCount)
    var unknown: [String] = []
    var planned: [(name: String, stored: StoredTensor, layer: Int, view: TensorView)] = []
    for name in header.tensorOrder {
      guard let view = header.tensors[name] else { continue }
      if let (stored, layer) = known[name] {
        guard stored.gguf != nil else { continue }
        planned.append((name, stored, layer, view))
      } else if Self.droppedBufferSuffixes.contains(where: { name.hasSuffix($0) }) {
        skipped.append(name)
      } else {
        unknown.append(name)
      }
    }
    if let warning = try ConversionError.unknownTensors(
      unknown, skipUnknown: options.skipUnknown, architecture: definition, path: folder)
    {
      skipped += unknown
      warnings.append(warning)
    }
    try Self.checkPresence(header, found: Set(planned.map(\.name)), path: folder)

    type = Self.resolve(options.type, planned.map(\.view))
    recipe = options.recipe
    fileType = options.recipe?.fileType ?? Self.fileType(type)

    tensors = try Self.generatedTables(header, warnings: &warnings)
    for entry in planned {
      tensors.append(try tensor(entry.name, entry.stored, entry.layer, entry.view, header))
    }
    let tokenizer = try Self.tokenizerMetadata(
      folder: self.folder, architecture: definition.ggufName, preTokenizer: options.preTokenizer)
    if tokenizer == nil {
      warnings.append(
        "no tokenizer.json or tokenizer.model in \(self.folder): the GGUF carries no vocabulary,"
          + " and llama.cpp will not load it for inference")
    }
    if let recipe = options.recipe { try applyRecipe(recipe, header) }
    metadata = try Self.metadata(header, plan: self, tokenizer: tokenizer)
  }

  /// One output tensor for the stored tensor `stored` of `layer`, found as `name`.
  private mutating func tensor(
    _ name: String, _ stored: StoredTensor, _ layer: Int, _ view: TensorView, _ header: ModelHeader
  ) throws(ConversionError) -> Tensor {
    let c = header.configuration
    let shapes = stored.roles.map { $0.shape(c, rotaryDimension: header.rotaryDimension) }
    var expected = shapes[0]
    expected[0] = shapes.reduce(0) { $0 + $1[0] }
    guard view.shape == expected else {
      let parts = stored.roles.map(\.rawValue).joined(separator: " + ")
      throw ConversionError(
        .shape, path: header.metadataPath, name: name,
        "tensor \"\(name)\" (\(parts)) should be \(expected), found \(view.shape)")
    }
    guard [.f32, .f16, .bf16].contains(view.dtype) else {
      throw ConversionError(
        .unsupportedType, path: path, name: name,
        "tensor \"\(name)\" is \(view.dtype); convert reads F32, F16 and BF16")
    }
    guard case .mapped(let file, let range) = view.storage else {
      throw ConversionError(.output, path: path, name: name, "tensor \"\(name)\" is not mapped")
    }
    let ggufName = stored.name(.gguf, layer: layer, in: architecture) ?? name
    let heads = stored.roles.map { role in
      role == .key || role == .keyBias ? c.keyValueHeadCount : c.headCount
    }
    let rows = shapes.map { $0[0] }
    let sourceRows = RowArrangement.sourceRows(
      output: RowArrangement(
        arrangement: stored.ggufArrangement, roleRows: rows, roleHeads: heads),
      input: RowArrangement(
        arrangement: stored.huggingFaceArrangement, roleRows: rows, roleHeads: heads))
    var order = RowOrder.same
    if sourceRows != nil {
      switch (stored.huggingFaceArrangement, stored.ggufArrangement) {
      case (.stacked, .ropePermuted): order = .queryKeyPermutation(heads: heads[0])
      case (.perHead, .stacked): order = .perHeadToStacked(heads: c.headCount, roles: rows.count)
      default: order = .reordered
      }
    }
    return Tensor(
      name: ggufName, dtype: outputType(ggufName, shape: view.shape),
      shape: view.shape,
      source: .stored(
        name: name,
        view: SourceTensor(dtype: view.dtype, shape: view.shape, file: file, range: range)),
      rowOrder: order, sourceRows: sourceRows)
  }

  /// Whether llama.cpp's converter keeps the tensor in F32 whatever the type asked for:
  /// 1-D tensors, norms, and whatever is not a `.weight`.
  static func staysFloat32(_ name: String, shape: [Int]) -> Bool {
    shape.count <= 1 || name.hasSuffix("_norm.weight") || !name.hasSuffix(".weight")
  }

  /// The type of an output tensor: llama.cpp's converter keeps 1-D tensors, norms and
  /// whatever is not a `.weight` in F32; Q8_0 needs rows of whole 32-element blocks (else F16,
  /// as the converter falls back).
  mutating func outputType(_ name: String, shape: [Int]) -> DType {
    if Self.staysFloat32(name, shape: shape) { return .f32 }
    let quantized: DType
    switch type {
    case .f32: return .f32
    case .f16, .auto: return .f16
    case .bf16: return .bf16
    case .q8_0: quantized = .q8_0
    case .q4_0: quantized = .q4_0
    case .q4_1: quantized = .q4_1
    case .q5_0: quantized = .q5_0
    case .q5_1: quantized = .q5_1
    case .q4_k: quantized = .q4_K
    case .q5_k: quantized = .q5_K
    case .q6_k: quantized = .q6_K
    }
    guard (shape.last ?? 0) % quantized.blockSize == 0 else {
      warnings.append(
        "\(name): rows of \(shape.last ?? 0) are not whole \(quantized.name) blocks of"
          + " \(quantized.blockSize); written as F16")
      return .f16
    }
    return quantized
  }

  /// Gives every tensor the type `recipe` gives it in `llama-quantize` (shapes in GGUF order,
  /// row length first; tensors it leaves alone keep the type planned for F32/F16 output).
  mutating func applyRecipe(_ recipe: QuantizationRecipe, _ header: ModelHeader)
    throws(ConversionError)
  {
    let c = header.configuration
    let model = RecipeModel(
      architecture: architecture.ggufName, blockCount: c.layerCount, headCount: c.headCount,
      headCountKV: c.keyValueHeadCount,
      tensors: tensors.map { tensor in
        RecipeModel.Tensor(
          name: tensor.name, shape: Array(tensor.shape.reversed()),
          sourceType: Self.staysFloat32(tensor.name, shape: tensor.shape)
            ? .f32 : tensor.sourceType)
      })
    let types: [DType]
    do { types = try recipe.tensorTypes(for: model) } catch {
      throw ConversionError(.unsupportedType, path: path, "--quant \(recipe.name): \(error)")
    }
    for index in tensors.indices { tensors[index].dtype = types[index] }
  }

  /// Missing required tensors, every one named: required tensors, one complete set of
  /// alternatives (fused or separate q/k/v), and the output projection unless tied.
  static func checkPresence(_ header: ModelHeader, found: Set<String>, path: String)
    throws(ConversionError)
  {
    let definition = header.definition
    let tied: Bool
    do {
      if case .bool(let flag)? = try header.storedValue(.tiedEmbeddings) {
        tied = flag
      } else {
        tied = false
      }
    } catch { throw ConversionError(error) }
    var missing: [String] = []
    for layer in 0..<max(1, header.configuration.layerCount) {
      var needed: Set<TensorRole> = []
      var covered: Set<TensorRole> = []
      var alternatives: [String] = []
      for stored in definition.tensors where stored.isPerLayer || layer == 0 {
        guard let name = stored.name(.huggingFace, layer: layer, in: definition) else { continue }
        let present = found.contains(name)
        switch stored.presence {
        case .required:
          if !present { missing.append(name) }
        case .optional:
          if stored.roles == [.output], !tied, !present { missing.append(name) }
        case .alternative:
          needed.formUnion(stored.roles)
          alternatives.append(name)
          if present { covered.formUnion(stored.roles) }
        }
      }
      if !needed.isSubset(of: covered) {
        missing.append("one of " + alternatives.joined(separator: " / "))
      }
    }
    guard missing.isEmpty else {
      throw ConversionError(
        .missingTensors, path: path, name: missing.first,
        "\(missing.count) required tensor\(missing.count == 1 ? " is" : "s are") missing for"
          + " \(definition.ggufName): " + missing.joined(separator: ", "))
    }
  }

  /// `auto` as the converter resolves it: BF16 or F16 after the first matrix, else F16.
  static func resolve(_ type: TargetType, _ views: [TensorView]) -> TargetType {
    guard type == .auto else { return type }
    for view in views where view.shape.count >= 2 {
      if view.dtype == .bf16 { return .bf16 }
      if view.dtype == .f16 { return .f16 }
    }
    return .f16
  }

  /// llama.cpp's `LLAMA_FTYPE_*`: all F32 0, mostly F16 1, mostly Q8_0 7, mostly BF16 32.
  static func fileType(_ type: TargetType) -> UInt32 {
    switch type {
    case .f32: 0
    case .f16, .auto: 1
    case .q4_0: 2
    case .q4_1: 3
    case .q8_0: 7
    case .q5_0: 8
    case .q5_1: 9
    case .q4_k: 15
    case .q5_k: 17
    case .q6_k: 18
    case .bf16: 32
    }
  }
}
