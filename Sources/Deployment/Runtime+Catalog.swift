extension Runtime {
  /// Every runtime version range Spindle models, oldest first within each family.
  ///
  /// Read from each project's source at the versions named (PyPI wheels of transformers
  /// 4.45.2–5.24.0 and vLLM 0.5.5–0.34.0; llama.cpp as vendored in llama-cpp-python 0.3.36);
  /// the transformers ranges are checked against recordings of the real library
  /// (`fixtures/runtimes/record-transformers.sh`).
  public static let catalog: [Runtime] = [
    transformers445, transformers451, transformers455, transformers456, transformers5,
    vllm011, vllm012, vllm030, llamaCpp,
  ]

  /// The runtime with this ``id``.
  public static func named(_ id: String) -> Runtime? { catalog.first { $0.id == id } }

  private static let transformersRules = RuntimeRules(
    scalingDictionary: .ropeScalingOnly, typeKey: .typeFirst,
    originalContext: .declaredElseMaxPositionEmbeddings, factorFromLengths: false,
    missingFactorFromLengths: false, betas: .declaredOrDefault, attentionFactor: .transformers,
    readsTruncate: true, readsExtrapolationFactor: false, maxContext: .maxPositionEmbeddings,
    numerics: .torch, yarnAliases: [], unscaledModelTypes: [])

  private static let droppedParameters = Note(
    cause:
      "reads only 'rope_scaling'; this config keeps its scaling in transformers 5's"
      + " 'rope_parameters', so the model runs unscaled",
    fix: "write the scaling under 'rope_scaling' as well (transformers 5 reads either)")

  static let transformers445 = Runtime(
    id: "transformers-4.45", name: "transformers 4.45–4.50", family: .transformers,
    source:
      "transformers/modeling_rope_utils.py v4.45.2 _compute_yarn_parameters L163-239 (unchanged"
      + " to v4.50.3); models/mistral/modeling_mistral.py v4.45.2 (no rope_scaling)",
    rules: modified(transformersRules) {
      $0.originalContext = .maxPositionEmbeddings
      $0.attentionFactor = .declaredElseLogarithm
      $0.readsTruncate = false
      $0.unscaledModelTypes = ["mistral"]
    },
    notes: [
      .scaling: droppedParameters,
      .originalContext: Note(
        cause:
          "transformers 4.45–4.50 ignore original_max_position_embeddings and measure the"
          + " correction range against max_position_embeddings",
        fix: "require transformers >= 4.56 (4.45–4.50 cannot express an original context)"),
      .correctionRange: Note(
        cause: "transformers 4.45–4.50 always round the correction range (truncate is not read)",
        fix: "require transformers >= 4.55"),
      .attentionFactor: Note(
        cause:
          "transformers 4.45–4.50 ignore mscale and mscale_all_dim and apply 0.1·ln(s) + 1",
        fix: "require transformers >= 4.51"),
    ])

  static let transformers451 = Runtime(
    id: "transformers-4.51", name: "transformers 4.51–4.54", family: .transformers,
    source:
      "transformers/modeling_rope_utils.py v4.51.0 _compute_yarn_parameters L226-322 (factor"
      + " override L263-265; unchanged to v4.54.1)",
    rules: modified(transformersRules) {
      $0.factorFromLengths = true
      $0.readsTruncate = false
    },
    notes: [
      .scaling: droppedParameters,
      .factor: factorOverride,
      .correctionRange: Note(
        cause: "transformers 4.51–4.54 always round the correction range (truncate is not read)",
        fix: "require transformers >= 4.55"),
    ])

  static let transformers455 = Runtime(
    id: "transformers-4.55", name: "transformers 4.55", family: .transformers,
    source:
      "transformers/modeling_rope_utils.py v4.55.0 _compute_yarn_parameters L197-290 (truncate"
      + " L278; unchanged to v4.55.4)",
    rules: modified(transformersRules) { $0.factorFromLengths = true },
    notes: [.scaling: droppedParameters, .factor: factorOverride])

  private static let factorOverride = Note(
    cause:
      "transformers 4.51–4.55 replace factor by max_position_embeddings /"
      + " original_max_position_embeddings whenever the dict names the original"
      + " (transformers #38224)",
    fix:
      "set max_position_embeddings to factor × original, or require transformers >= 4.56"
      + " (fixed by #40320)")

  static let transformers456 = Runtime(
    id: "transformers-4.56", name: "transformers 4.56–4.57", family: .transformers,
    source:
      "transformers/modeling_rope_utils.py v4.56.0 _compute_yarn_parameters L197-284 (#40320;"
      + " unchanged to v4.57.3)",
    rules: transformersRules, notes: [.scaling: droppedParameters])

  static let transformers5 = Runtime(
    id: "transformers-5", name: "transformers 5", family: .transformers,
    source:
      "transformers/modeling_rope_utils.py v5.24.0 convert_rope_params_to_dict L775-777,"
      + " standardize_rope_params L806-866, _compute_yarn_parameters L346-485 (same rules"
      + " from v5.0.0)",
    rules: modified(transformersRules) {
      $0.scalingDictionary = .ropeScalingFirst
      $0.typeKey = .ropeTypeFirst
      $0.missingFactorFromLengths = true
    },
    notes: [:])

  private static let vllmRules = modified(transformersRules) {
    $0.originalContext = .required
    $0.betas = .declared
    $0.attentionFactor = .logarithmTimesAttnFactor
    $0.readsTruncate = false
    $0.readsExtrapolationFactor = true
    $0.maxContext = .vllmScaled
    $0.yarnAliases = ["deepseek_yarn"]
  }

  private static let vllmAttention = Note(
    cause:
      "vLLM <= 0.29 ignores attention_factor, mscale and mscale_all_dim on the yarn path and"
      + " applies 0.1·ln(s) + 1 (vLLM #48621; PRs #46280, #48351)",
    fix:
      "require vLLM >= 0.30 (#56446); older vLLM cannot be given another factor for plain"
      + " yarn")

  private static let vllmMaxContext = Note(
    cause:
      "vLLM <= 0.29 serves original × factor for 'yarn' but max_position_embeddings × factor for"
      + " other scaled types, so YaRN variants are multiplied twice (vLLM #56446)",
    fix: "pass --max-model-len with the intended context")

  static let vllm011 = Runtime(
    id: "vllm-0.11", name: "vLLM 0.5–0.11", family: .vllm,
    source:
      "vllm v0.11.0 model_executor/layers/rotary_embedding/__init__.py get_rope L146-172,"
      + " yarn_scaling_rope.py L38-67, common.py L86-89, config/model.py"
      + " _get_and_verify_max_len L1839-1863, transformers_utils/config.py patch_rope_scaling"
      + " L365-399 (same rules from v0.5.5 to v0.11.2)",
    rules: vllmRules,
    notes: [
      .scaling: Note(
        cause:
          "vLLM <= 0.11 reads only 'rope_scaling'; this config keeps its scaling in"
          + " transformers 5's 'rope_parameters', so the model runs unscaled",
        fix: "write the scaling under 'rope_scaling' as well, or require vLLM >= 0.12 (#28542)"),
      .correctionRange: Note(
        cause:
          "vLLM <= 0.11 always rounds the correction range (truncate is not read; vLLM #27722)",
        fix: "require vLLM >= 0.12 (#28244)"),
      .attentionFactor: vllmAttention,
      .maxContext: vllmMaxContext,
    ])

  static let vllm012 = Runtime(
    id: "vllm-0.12", name: "vLLM 0.12–0.29", family: .vllm,
    source:
      "vllm v0.12.0 model_executor/layers/rotary_embedding/__init__.py get_rope L200-215"
      + " (truncate, #28244), common.py L114-127, transformers_utils/config.py"
      + " patch_rope_parameters L301-325 (#28542); v0.29.0 config/model.py"
      + " _get_and_verify_max_len L2445-2469",
    rules: modified(vllmRules) {
      $0.scalingDictionary = .ropeScalingFirst
      $0.readsTruncate = true
    },
    notes: [.attentionFactor: vllmAttention, .maxContext: vllmMaxContext])

  static let vllm030 = Runtime(
    id: "vllm-0.30", name: "vLLM 0.30–0.34", family: .vllm,
    source:
      "vllm v0.30.0 model_executor/layers/rotary_embedding/yarn_scaling_rope.py L38-46,"
      + " __init__.py get_rope L240-255, config/model.py _get_and_verify_max_len L2468-2492"
      + " (PR #56446; unchanged to v0.34.0)",
    rules: modified(vllmRules) {
      $0.scalingDictionary = .ropeScalingFirst
      $0.typeKey = .ropeTypeFirst
      $0.originalContext = .declaredElseMaxPositionEmbeddings
      $0.attentionFactor = .transformers
      $0.readsTruncate = true
      $0.readsExtrapolationFactor = false
      $0.maxContext = .vllmReworked
    },
    notes: [
      .maxContext: Note(
        cause:
          "vLLM >= 0.30 serves max_position_embeddings for YaRN, no longer × factor (#56446)",
        fix: "set max_position_embeddings to factor × original, or pass --max-model-len")
    ])

  static let llamaCpp = Runtime(
    id: "llama.cpp", name: "llama.cpp (after convert_hf_to_gguf)", family: .llamaCpp,
    source:
      "llama.cpp 0c1e570 (llama-cpp-python 0.3.36): conversion/base.py L1359 (dict), L1474-1483"
      + " (keys written); src/llama-model.cpp L1406-1432 (keys read); src/llama-context.cpp"
      + " L114-139, L173-214 (original context, attention factor); ggml/src/ggml.c L4478-4490"
      + " (correction range); ggml/src/ggml-cpu/ops.cpp L6180-6217 (rope_yarn)",
    rules: modified(transformersRules) {
      $0.scalingDictionary = .ropeParametersFirst
      $0.typeKey = .ropeTypeFirst
      $0.originalContext = .required
      $0.betas = .defaults
      $0.attentionFactor = .logarithmOnly
      $0.readsTruncate = false
      $0.numerics = .ggml
    },
    notes: [
      .correctionRange: Note(
        cause:
          "ggml always rounds the correction range (ggml_rope_yarn_corr_dims): truncate: false"
          + " cannot be expressed in GGUF",
        fix: "none in GGUF; serve this model with a runtime that reads truncate"),
      .attentionFactor: Note(
        cause:
          "llama.cpp recomputes 0.1·ln(s) + 1 for YaRN; convert_hf_to_gguf writes attention_factor"
          + " to rope.scaling.yarn_attn_factor, which the llama architecture does not read",
        fix:
          "after converting, set rope.scaling.attn_factor to intended / (0.1·ln s + 1)"
          + " (spindle stamp on the GGUF writes it)"),
      .maxContext: Note(
        cause: "llama.cpp's default context is context_length, copied from max_position_embeddings",
        fix: "set max_position_embeddings to factor × original, or run with -c"),
    ])

  /// llama.cpp reading a GGUF file's own keys (no conversion in between).
  static let llamaCppGGUF = Runtime(
    id: "llama.cpp", name: "llama.cpp", family: .llamaCpp,
    source: llamaCpp.source, rules: llamaCpp.rules,
    notes: llamaCpp.notes.merging([
      .maxContext: Note(
        cause: "llama.cpp's default context is the file's context_length",
        fix: "stamp the context (spindle stamp --context), or run with -c"),
      .attentionFactor: Note(
        cause:
          "llama.cpp applies 0.1·ln(s) + 1 times rope.scaling.attn_factor, and this file's"
          + " attn_factor does not bring that to the intended factor",
        fix: "restamp with spindle stamp, which writes the compensating attn_factor"),
    ]) { $1 })

  private static func modified(
    _ rules: RuntimeRules, _ change: (inout RuntimeRules) -> Void
  ) -> RuntimeRules {
    var copy = rules
    change(&copy)
    return copy
  }
}
