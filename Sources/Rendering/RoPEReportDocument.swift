public import Models
public import Patching
public import RoPE

/// What `spindle rope` shows about a model's effective RoPE: the settings, the per-pair table
/// and the magnitudes, ready to print as text fields, CSV or an SVG plot (the CLI encodes its
/// JSON form).
///
/// The numbers come from the `RoPE` module in Double (``RoPEDimensionReport``); the llama.cpp
/// column comes from ``GGMLRoPE`` in Float, as llama.cpp computes it. Building a document does
/// no I/O, so the same inputs always give the same text, byte for byte.
public struct RoPEReportDocument: Sendable {
  /// Where the settings came from and what the model is called.
  public var source: RoPESource
  /// The settings shown: the model's own, or a what-if preview of them.
  public var settings: RoPESettings
  /// Whether ``settings`` is a what-if preview rather than what the model declares.
  public var isPreview: Bool
  /// The geometry the table is computed for.
  public var configuration: RotaryConfiguration
  /// The sequence length the dynamic types (and LongRoPE's short/long choice) are evaluated at.
  public var sequenceLength: Int?
  /// The per-pair report.
  public var report: RoPEDimensionReport
  /// The kernel arguments llama.cpp would run with.
  public var llamaCpp: GGMLRoPE
  /// The magnitude llama.cpp multiplies into cos and sin, all factors included.
  ///
  /// For a GGUF file read as is, from its keys (`rope.scaling.attn_factor` included); otherwise
  /// for the model as `convert_hf_to_gguf.py` would convert it, which keeps no Hugging Face
  /// `attention_factor` llama.cpp reads: outside DeepSeek2, YaRN gets `1 + 0.1·ln s`.
  public var llamaCppAttentionFactor: Double
  /// Notes a person should see (assumed defaults, what-if resolution), for stderr.
  public var warnings: [String]
  /// One line on the RoPE tables the file carries (``BakedRoPECheck/summary``), if any.
  public var tables: String?

  /// Builds the document for the source's own settings, or for `preview` (from
  /// ``RoPESettings/previewing(_:path:contextKey:)``) when given.
  ///
  /// - Throws: ``PatchError`` with ``PatchError/Kind/missingKey`` when the model does not say
  ///   its head size or context length (a safetensors file carries no geometry), or the
  ///   scaling's domain error, named after its configuration key.
  public init(
    source: RoPESource, preview: RoPESettings? = nil, sequenceLength: Int? = nil
  ) throws(PatchError) {
    let settings = preview ?? source.settings
    let path = source.settingsPath
    let isPreview = preview != nil
    let warnings = source.settings.warnings + (preview?.warnings ?? [])
    guard settings.headDimension != nil || settings.rotaryDimension != nil else {
      throw PatchError(
        .missingKey, path: path, key: "head_dim", Self.missingHeadMessage(source.format))
    }
    guard settings.contextLength != nil, let configuration = settings.rotaryConfiguration else {
      throw PatchError(
        .missingKey, path: path, key: source.contextKey,
        "'\(source.contextKey)' is missing: the table needs the model's context length")
    }
    var notes: [String] = []
    if settings.base == nil {
      notes.append("no 'rope_theta' in \(path); assuming 10000 (transformers' default)")
    }
    do {
      report = try RoPEDimensionReport(
        scaling: settings.scaling, configuration: configuration, sequenceLength: sequenceLength)
      llamaCpp = try GGMLRoPE(
        scaling: settings.scaling, configuration: configuration, sequenceLength: sequenceLength)
    } catch {
      throw PatchError(error, path: path, prefix: "")
    }
    if sequenceLength != nil, !settings.scaling.dependsOnSequenceLength {
      notes.append(
        "--sequence-length changes nothing for \(settings.scaling.ropeType) scaling (only"
          + " dynamic, dynamic-yarn and longrope depend on it)")
    }
    let kernel = llamaCpp.rotations(atPosition: 0).first?.magnitude ?? llamaCpp.attentionFactor
    let multiplier = isPreview ? 1 : Float(source.ggmlAttentionMultiplier)
    let applied = kernel * multiplier
    self.source = source
    self.settings = settings
    self.isPreview = isPreview
    self.configuration = configuration
    self.sequenceLength = sequenceLength
    self.llamaCppAttentionFactor = Double("\(applied)") ?? Double(applied)
    self.warnings = warnings + notes
  }

  /// The number of pairs in each class, in class order.
  public var classCounts: [(dimensionClass: RoPEDimensionReport.DimensionClass, count: Int)] {
    RoPEDimensionReport.DimensionClass.allCases.map { ($0, report.count(of: $0)) }
  }

  /// ggml's Float correction range, for YaRN types (where llama.cpp blends by it).
  public var llamaCppCorrectionRange: (low: Float, high: Float)? {
    report.correctionRange == nil ? nil : llamaCpp.correctionDimensions
  }

  /// `θ_i / inv_i` of a pair in Double: 1 kept, `s` interpolated.
  public static func frequencyFactor(_ dimension: RoPEDimensionReport.Dimension) -> Double {
    dimension.originalInverseFrequency / dimension.inverseFrequency
  }

  /// One line naming the model and its scaling, for titles.
  public var title: String {
    "\(source.name): \(settings.summary)\(isPreview ? " (what-if)" : "")"
  }

  private static func missingHeadMessage(_ format: RoPESource.Format) -> String {
    switch format {
    case .safetensors:
      "no rotary geometry: a safetensors file does not record its head size; pass --head-dim"
        + " (and --rope-theta), or show the model's folder or its config.json"
    case .gguf:
      "the head size is unknown: the file has neither 'attention.key_length',"
        + " 'rope.dimension_count' nor 'embedding_length' with 'attention.head_count'"
    case .huggingFace, .config:
      "the head size is unknown: the config has neither 'head_dim' nor 'hidden_size' with"
        + " 'num_attention_heads'"
    }
  }
}
