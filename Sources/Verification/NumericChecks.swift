import Formats
import Inference
import Models
import Patching
import RoPE
import Tensors

/// The forward-pass checks: equivalence of runtime scaling and baked tables, short-context
/// drift from the original, and NLL past the original window.
///
/// The "deployed" model is the patched file run as its runtime runs it: a GGUF with
/// llama.cpp's rotary kernel (`rope_freqs`, YaRN blend, `attn_factor`), a Hugging Face folder
/// with transformers' tables from `config.json`.
struct NumericChecks {
  let options: VerificationOptions
  let path: String
  let structure: OpenedCheckpoint
  let originalStructure: OpenedCheckpoint?
  /// The patched model, or why there is none (`skip` for a format or architecture without a
  /// forward pass here, `fail` for a file that should run and does not).
  var model: ModelCheckpoint?
  var unavailable: UnavailableModel?
  var reference: ModelCheckpoint?
  var referenceProblem: String?

  init(verifier: Verifier, patched: OpenedCheckpoint, original: OpenedCheckpoint?) {
    options = verifier.options
    path = verifier.path
    structure = patched
    originalStructure = original
    switch Self.open(patched) {
    case .success(let opened): model = opened
    case .failure(let problem): unavailable = problem
    }
    if let original {
      switch Self.open(original) {
      case .success(let opened): reference = opened
      case .failure(let problem): referenceProblem = problem.reason
      }
    }
    if let model, let reference,
      model.configuration.vocabularySize != reference.configuration.vocabularySize
    {
      referenceProblem =
        "the original's vocabulary has \(reference.configuration.vocabularySize) tokens, the"
        + " patched model's \(model.configuration.vocabularySize): not the same model"
    }
  }

  static func open(_ opened: OpenedCheckpoint) -> Result<
    ModelCheckpoint, UnavailableModel
  > {
    guard let checkpoint = opened.checkpoint else {
      return .failure(UnavailableModel(status: .fail, reason: "the file does not open"))
    }
    guard
      checkpoint.layout == .gguf || checkpoint.layout == .ggufSplit
        || checkpoint.layout == .huggingFace
    else {
      return .failure(
        UnavailableModel(
          status: .skip,
          reason:
            "no forward pass for a \(checkpoint.layout.rawValue) here (a GGUF file or a Hugging"
            + " Face folder runs)"))
    }
    do {
      return .success(try ModelCheckpoint(path: opened.path))
    } catch {
      return .failure(
        UnavailableModel(
          status: error.kind == .unsupportedArchitecture || error.kind == .settings ? .skip : .fail,
          reason: error.kind == .settings
            ? "the RoPE settings do not read (see scaling): \(error.message)"
            : "the forward pass cannot run: \(error.message)"))
    }
  }

  struct UnavailableModel: Error {
    var status: Check.Status
    var reason: String
  }

  // MARK: Shared pieces

  /// Whether the checkpoint was opened from GGUF (run with llama.cpp's kernel) rather than
  /// from a Hugging Face folder.
  func isGGUF(_ checkpoint: ModelCheckpoint) -> Bool {
    checkpoint.format == .gguf
  }

  /// The context the model was trained with: the patched scaling's original, else the
  /// original model's context, else the patched model's.
  var originalWindow: Int {
    if let settings = structure.settings, settings.scaling != .none,
      let original = settings.originalContextLength
    {
      return original
    }
    return reference?.ropeSettings.contextLength ?? model?.ropeSettings.contextLength ?? 0
  }

  func unavailableCheck(_ name: String) -> Check {
    let problem =
      unavailable ?? UnavailableModel(status: .fail, reason: "the forward pass cannot run")
    return Check(name: name, status: problem.status, message: problem.reason)
  }

  /// The probe's first `length` tokens for `model`.
  func tokens(_ length: Int, for model: ModelCheckpoint) throws -> [Int32] {
    try options.probe.tokens(length: length, vocabularySize: model.configuration.vocabularySize)
  }

  /// The model as its runtime runs it.
  func deployed(_ checkpoint: ModelCheckpoint) throws -> LlamaModel {
    let source: ModelCheckpoint.RotarySource = isGGUF(checkpoint) ? .llamaCpp : .runtime
    return try checkpoint.model(
      rotary: source, numericMode: options.numericMode, flashAttention: options.flashAttention)
  }

  /// Every position's logits.
  func logits(_ model: LlamaModel, _ tokens: [Int32]) throws -> [[Float]] {
    try model.logits(tokens: tokens, startPosition: 0, outputs: Array(tokens.indices))
  }

  static func figure(_ value: Double, digits: Int = 3) -> String {
    NumberText.significant(value, digits: digits)
  }

  // MARK: Equivalence

  /// Runtime scaling vs baked tables, layer by layer: the attention scores of every layer
  /// (real weights; token embeddings as hidden states) between ``equivalencePositions(context:)``
  /// spread over the whole context, `max |Δscore|` relative to the runtime side's largest
  /// `|score|`, worst layer.
  ///
  /// The equivalence is a property of the rotary embedding, so no forward pass is needed: the
  /// cost is two Q/K products of 64 rows per layer, seconds for any model size, and positions
  /// up to the full context are checked where a forward pass could afford only a short probe.
  func equivalence() -> Check {
    let name = "equivalence"
    guard let model else { return unavailableCheck(name) }
    do {
      guard let pair = try equivalencePair(model) else {
        return .skip(name, try equivalenceSkipReason(model))
      }
      let context = max(2, contextLength(model))
      let positions = Self.equivalencePositions(context: context)
      // A probe shorter than the positions (a token file) is repeated: its embeddings only
      // serve as hidden states.
      let probe = try tokens(positions.count, for: model)
      guard !probe.isEmpty else { return .skip(name, "the probe has no tokens") }
      let hidden = pair.runtime.embeddings(positions.indices.map { probe[$0 % probe.count] })
      var worst = (relative: 0.0, gap: 0.0, scale: 0.0, layer: 0)
      var kernelGap = 0.0
      for layer in 0..<pair.runtime.configuration.layerCount {
        let runtime = pair.runtime.attentionScores(
          layer: layer, hidden: hidden, positions: positions)
        let baked = pair.baked.attentionScores(layer: layer, hidden: hidden, positions: positions)
        for (side, scores) in [(pair.bakedName, baked), (pair.runtimeName, runtime)]
        where !scores.allSatisfy(\.isFinite) {
          return Check(
            name: name, status: .fail, figure: "scores not finite",
            message:
              "the attention scores of \(side) are not finite (NaN/Inf) in layer \(layer): a"
              + " corrupted tensor or rotary table")
        }
        let scale = runtime.reduce(0) { max($0, Double($1.magnitude)) }
        let gap = zip(runtime, baked).reduce(0) { max($0, Double(($1.0 - $1.1).magnitude)) }
        let relative = gap / max(scale, .leastNormalMagnitude)
        if relative > worst.relative || layer == 0 { worst = (relative, gap, scale, layer) }
        if let kernel = pair.kernel {
          let scores = kernel.attentionScores(layer: layer, hidden: hidden, positions: positions)
          let gap = zip(runtime, scores).reduce(0) { max($0, Double(($1.0 - $1.1).magnitude)) }
          kernelGap = max(kernelGap, gap / max(scale, .leastNormalMagnitude))
        }
      }
      var details = [
        "\(pair.description); attention scores of all \(pair.runtime.configuration.layerCount) layers between"
          + " \(positions.count) positions over 0..<\(context) (token embeddings as hidden states)",
        "worst layer \(worst.layer): largest |score| \(Self.figure(worst.scale)), largest |Δ|"
          + " \(Self.figure(worst.gap))",
      ]
      if pair.kernel != nil {
        details.append(
          "llama.cpp's rotary kernel vs runtime: relative |Δscore| \(Self.figure(kernelGap))"
            + " (reported, not held to the tolerance)")
      }
      var data = JSONObject()
      data["layers"] = .integer(pair.runtime.configuration.layerCount)
      data["positions"] = .integer(positions.count)
      data["context"] = .integer(context)
      data["worst_layer"] = .integer(worst.layer)
      let figure = "max |Δscore| \(Self.figure(worst.relative)) of the largest"
      let tolerance = options.equivalenceTolerance
      guard worst.relative <= tolerance else {
        return Check(
          name: name, status: .fail, figure: figure, value: worst.relative, threshold: tolerance,
          message:
            "\(pair.bakedName) and \(pair.runtimeName) disagree: in layer \(worst.layer) the"
            + " attention scores differ by \(Self.figure(worst.relative)) of the largest score,"
            + " above the tolerance \(Self.figure(tolerance))",
          details: details, data: data)
      }
      return Check(
        name: name, status: .pass, figure: figure, value: worst.relative, threshold: tolerance,
        message:
          "\(pair.bakedName) reproduces \(pair.runtimeName) within \(Self.figure(tolerance))"
          + " at positions up to \(context - 1)",
        details: details, data: data)
    } catch {
      return Check(name: name, status: .fail, message: "cannot compare: \(Self.describe(error))")
    }
  }

  /// The positions the equivalence check compares: 48 spread evenly over `0..<context`
  /// (distances of every scale), then the last 16 (neighbours far from the start, where an
  /// angle error is largest).
  static func equivalencePositions(context: Int) -> [Int] {
    let spread = (0..<48).map { $0 * (context - 1) / 47 }
    let last = (max(0, context - 16)..<context)
    return Array(Set(spread).union(last)).sorted()
  }

  /// The context the patched model declares (its scaled context), else its original window.
  func contextLength(_ model: ModelCheckpoint) -> Int {
    let settings = structure.settings ?? model.ropeSettings
    return settings.contextLength ?? model.ropeSettings.contextLength ?? originalWindow
  }

  struct EquivalencePair {
    var runtime: LlamaModel
    var baked: LlamaModel
    /// llama.cpp's own kernel on the same file (GGUF), reported beside.
    var kernel: LlamaModel?
    var runtimeName: String
    var bakedName: String
    var description: String
  }

  func equivalenceSkipReason(_ model: ModelCheckpoint) throws -> String {
    if structure.record?.attention == .weights {
      return "portable mode folds the attention factor into the Q/K weights, so runtime"
        + " scaling must run on the original weights: give --against ORIGINAL"
    }
    let scaling = structure.settings?.scaling ?? model.ropeSettings.scaling
    if case .none = scaling { return "no RoPE scaling declared: no table to compare" }
    return "\(scaling.ropeType) has no static table to compare"
  }

  /// The two models to compare, or `nil` when the check does not apply.
  func equivalencePair(_ model: ModelCheckpoint) throws -> EquivalencePair? {
    let mode = options.numericMode
    let gguf = isGGUF(model)
    guard let record = structure.record else {
      // Keys only: the declared scaling at runtime vs the table `stamp --tables` would bake.
      let scaling = model.ropeSettings.scaling
      switch scaling {
      case .none, .dynamicNTK, .dynamicYaRN, .longRoPE, .ntkAware: return nil
      case .yarn, .linear, .llama3: break
      }
      let frequencies = try scaling.frequencies(for: model.rotaryConfiguration)
      var factors = frequencies.frequencyFactors
      if let stored = model.frequencyFactors {
        for i in factors.indices where i < stored.count { factors[i] *= stored[i] }
      }
      let baked = RotaryEmbedding(
        layout: model.rotaryLayout, base: model.rotaryConfiguration.base,
        frequencyFactors: factors, attentionFactor: frequencies.attentionFactor)
      let description =
        "runtime \(scaling.ropeType) from the keys vs θ_i / f_i tables computed here"
      return EquivalencePair(
        runtime: try model.model(
          rotary: .runtime, numericMode: mode, flashAttention: options.flashAttention),
        baked: try model.model(
          rotary: baked, numericMode: mode, flashAttention: options.flashAttention),
        kernel: gguf
          ? try model.model(
            rotary: .llamaCpp, numericMode: mode, flashAttention: options.flashAttention) : nil,
        runtimeName: "runtime \(scaling.ropeType)", bakedName: "the table computed here",
        description: description)
    }
    // Baked: the table as stored vs runtime scaling from the record.
    let recorded = try record.settings(path: path)
    guard let geometry = recorded.rotaryConfiguration else { return nil }
    let frequencies = try recorded.scaling.frequencies(for: geometry)
    let stored: RotaryEmbedding
    if gguf {
      stored = try model.rotary(.runtime)
    } else {
      let table = try storedTable(record)
      stored = RotaryEmbedding(
        layout: model.rotaryLayout, dimensionCount: 2 * table.count,
        angles: .table(
          inverseFrequencies: table,
          attentionFactor: record.attention == .metadata ? Float(record.attentionFactor) : 1))
    }
    let weightsOwner: ModelCheckpoint
    let runtimeName: String
    if record.attention == .weights {
      guard let reference else { return nil }
      weightsOwner = reference
      runtimeName = "runtime \(recorded.scaling.ropeType) on the original weights"
    } else {
      weightsOwner = model
      runtimeName = "runtime \(recorded.scaling.ropeType) from the spindle.rope record"
    }
    let runtime = RotaryEmbedding(layout: weightsOwner.rotaryLayout, frequencies: frequencies)
    return EquivalencePair(
      runtime: try weightsOwner.model(
        rotary: runtime, numericMode: mode, flashAttention: options.flashAttention),
      baked: try model.model(
        rotary: stored, numericMode: mode, flashAttention: options.flashAttention),
      kernel: gguf && record.attention == .metadata
        ? try model.model(
          rotary: .llamaCpp, numericMode: mode, flashAttention: options.flashAttention) : nil,
      runtimeName: runtimeName,
      bakedName: "the stored '\(record.tableName)' table"
        + (record.attention == .weights ? " with the folded weights" : ""),
      description:
        "'\(record.tableName)' as stored (\(record.attention == .weights ? "attention in the weights" : "attention factor \(Self.figure(record.attentionFactor, digits: 6))")) vs \(runtimeName)"
    )
  }

  /// The `inv_freq` table of a Hugging Face folder, as stored.
  func storedTable(_ record: BakedRoPE) throws -> [Float] {
    guard let entry = structure.checkpoint?.tensors.first(where: { $0.name == record.tableName })
    else {
      throw VerificationError(
        .model, path: path, name: record.tableName, "the table '\(record.tableName)' is missing")
    }
    guard entry.dtype == .f32 else {
      throw VerificationError(
        .model, path: path, name: record.tableName,
        "the table '\(record.tableName)' is \(entry.dtype.name), not F32")
    }
    let file = try MappedFile(path: entry.path)
    let bytes = file.bytes(in: entry.byteRange)
    return bytes.withUnsafeBytes { raw in
      (0..<(raw.count / 4)).map { index -> Float in
        Float(
          bitPattern: UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
      }
    }
  }

  // MARK: Drift

  /// `KL(original ‖ patched)` of the next-token distributions inside the original window,
  /// over the probe's first `length` tokens; `seconds` gets the time of its two passes.
  func drift(length: Int, seconds: inout Double?) -> Check {
    let name = "drift"
    guard let model else { return unavailableCheck(name) }
    guard originalStructure != nil else {
      return .skip(name, "no original to compare with (--against ORIGINAL)")
    }
    guard let reference else {
      return Check(
        name: name, status: .fail,
        message: "the original cannot be run: \(referenceProblem ?? "unknown")")
    }
    do {
      let tokens = try self.tokens(max(1, length), for: model)
      let clock = ContinuousClock()
      let start = clock.now
      let patched = try logits(try deployed(model), tokens)
      let original = try logits(try deployed(reference), tokens)
      seconds = (clock.now - start).seconds
      for (side, rows) in [("the patched model", patched), ("the original", original)] {
        if let row = rows.firstIndex(where: { !$0.allSatisfy(\.isFinite) }) {
          return Check(
            name: name, status: .fail, figure: "logits not finite",
            message:
              "the logits of \(side) are not finite (NaN/Inf) at position \(row): a corrupted"
              + " tensor")
        }
      }
      var total = 0.0
      var worst = (value: 0.0, position: 0)
      var agree = 0
      for (position, (p, q)) in zip(original, patched).enumerated() {
        let divergence = LogitStatistics.klDivergence(p, q)
        total += divergence
        if !(divergence <= worst.value) { worst = (divergence, position) }
        if LogitStatistics.top(p) == LogitStatistics.top(q) { agree += 1 }
      }
      let mean = total / Double(max(1, tokens.count))
      let agreement = Double(agree) / Double(max(1, tokens.count))
      let figure = "mean KL \(Self.figure(mean)) nats"
      let threshold = options.maximumMeanKL
      var data = JSONObject()
      data["mean_kl"] = VerificationReport.number(mean)
      data["max_kl"] = VerificationReport.number(worst.value)
      data["max_kl_position"] = .integer(worst.position)
      data["top1_agreement"] = .double(agreement)
      data["positions"] = .integer(tokens.count)
      let details = [
        "KL(original ‖ patched) over positions 0..<\(tokens.count) (inside the original"
          + " window of \(originalWindow)); max \(Self.figure(worst.value)) at position"
          + " \(worst.position); top-1 agreement \(Self.figure(100 * agreement))%"
      ]
      guard mean <= threshold else {
        return Check(
          name: name, status: .fail, figure: figure, value: mean, threshold: threshold,
          message:
            "the patched model drifts from the original inside its window: mean KL"
            + " \(Self.figure(mean)) nats is above \(Self.figure(threshold))",
          details: details, data: data)
      }
      return Check(
        name: name, status: .pass, figure: figure, value: mean, threshold: threshold,
        message: "short-context drift within \(Self.figure(threshold)) nats", details: details,
        data: data)
    } catch {
      return Check(name: name, status: .fail, message: "cannot compare: \(Self.describe(error))")
    }
  }

  // MARK: Long context

  /// NLL per position bucket up to the long-context length, patched and original; the length
  /// is the `plan`'s when there is one (what the budget affords). `progress` hears each pass
  /// begin, and `share` the share of the passes done.
  func longContext(
    plan: VerificationPlan?, progress: (String) -> Void, share: (Double) -> Void = { _ in }
  ) -> Check {
    let name = "long-context"
    guard let model else { return unavailableCheck(name) }
    let settings = structure.settings ?? model.ropeSettings
    if case .none = settings.scaling {
      return .skip(name, "no RoPE scaling declared: no context past the original to probe")
    }
    let window = originalWindow
    let context = settings.contextLength ?? model.ropeSettings.contextLength ?? window
    let wanted = options.longContextLength ?? min(2 * window, context)
    if let plan, plan.longContextShortened, plan.longContextTokens <= window {
      return unaffordable(plan, window: window)
    }
    do {
      let tokens = try self.tokens(plan?.longContextTokens ?? wanted, for: model)
      let length = tokens.count
      guard length >= 2 else {
        return .skip(name, "the probe has fewer than 2 tokens")
      }
      let buckets = max(1, min(options.bucketCount, length - 1))
      var outputs: [Int] = []
      var bounds: [Range<Int>] = []
      for bucket in 0..<buckets {
        // Position i predicts token i + 1, so positions run over 0..<length-1; bucket edges
        // fall on multiples of length / buckets (with the default length, on the window).
        let lower = bucket * length / buckets
        let upper = min(length - 1, (bucket + 1) * length / buckets)
        bounds.append(lower..<upper)
        let count = min(options.samplesPerBucket, upper - lower)
        for k in 0..<count {
          outputs.append(lower + (k * (upper - lower)) / max(1, count))
        }
      }
      guard outputs.contains(where: { $0 >= window }) else {
        return neverPastWindow(
          tokens: length, window: window, context: context, requested: wanted,
          scored: outputs.count, lastScored: outputs.max() ?? 0)
      }
      let passes = reference == nil ? 1.0 : 2.0
      let layers = Double(model.configuration.layerCount)
      progress("long context: patched model, \(length) tokens")
      let patchedNLL = try nll(try deployed(model), tokens, outputs) {
        share(Double($0) / layers / passes)
      }
      var originalNLL: [Double]?
      if let reference {
        progress("long context: original model, \(length) tokens")
        originalNLL = try nll(try deployed(reference), tokens, outputs) {
          share((1 + Double($0) / layers) / passes)
        }
      }
      let shortened = plan?.longContextShortened == true
      var verdict = longContextVerdict(
        tokens: length, window: window, bounds: bounds, outputs: outputs, patched: patchedNLL,
        original: originalNLL, requested: shortened ? length : wanted)
      if let plan, shortened, let budget = plan.budget {
        verdict.details.append(
          "the budget of \(VerificationPlan.duration(budget)) afforded \(length) of the"
            + " \(wanted) tokens asked for (--budget or --long-context for more)")
        verdict.data["budget_tokens"] = .integer(length)
      }
      return verdict
    } catch {
      return Check(name: name, status: .fail, message: "cannot run: \(Self.describe(error))")
    }
  }

  /// The verdict when no scored position lies past the original window: nothing was checked
  /// there, so SKIP (FAIL with `--require-long-context`), naming the length probed and the
  /// one to give (the default, `min(2 × window, context)`, when that reaches past the window).
  func neverPastWindow(
    tokens length: Int, window: Int, context: Int, requested: Int, scored: Int, lastScored: Int
  ) -> Check {
    var data = JSONObject()
    data["tokens"] = .integer(length)
    data["requested_tokens"] = .integer(requested)
    data["original_window"] = .integer(window)
    data["scored_positions"] = .integer(scored)
    data["positions_past_window"] = .integer(0)
    let figure = "probed \(length) tokens, window \(window)"
    var details: [String] = []
    let message: String
    if length - 2 >= window {
      // The probe reaches past the window, but the evenly spaced samples stop before it.
      message =
        "none of the \(scored) scored positions lies past the original window (the last is"
        + " \(lastScored)): nothing past the window was checked; give more"
        + " --samples-per-bucket or --buckets"
    } else {
      let reaching = min(2 * window, context)
      message =
        "the probe never goes past the original window: nothing past it was checked; give"
        + " --long-context \(reaching >= window + 2 ? reaching : 2 * window)"
        + (options.probe.isEmbedded ? "" : " and a probe that long")
      details.append(
        "position p predicts token p + 1, so a \(length)-token probe scores positions up to"
          + " \(max(0, length - 2)); the check needs positions at or past \(window)")
    }
    if length < requested {
      details.append("the probe holds \(length) tokens, fewer than the \(requested) asked for")
    }
    if options.requireLongContext {
      details.append("--require-long-context makes a probe that stays inside the window a failure")
    }
    return Check(
      name: "long-context", status: options.requireLongContext ? .fail : .skip, figure: figure,
      message: message, details: details, data: data)
  }

  /// The verdict when the budget cannot reach past the original window: SKIP (FAIL with
  /// `--require-long-context`), with what it affords and what the length asked for would take.
  func unaffordable(_ plan: VerificationPlan, window: Int) -> Check {
    let wantedSeconds = plan.longContextWantedSeconds
    let suggestion = "\(plan.longContextWantedBudgetMinutes)m"
    var data = JSONObject()
    data["tokens"] = .integer(0)
    data["requested_tokens"] = .integer(plan.longContextWanted)
    data["budget_tokens"] = .integer(plan.longContextTokens)
    data["original_window"] = .integer(window)
    data["estimated_seconds"] = VerificationReport.number(wantedSeconds)
    let budget = plan.budget.map { VerificationPlan.duration($0) } ?? "the budget"
    var details = [
      "at \(VerificationPlan.rate(plan.operationsPerSecond)) the \(plan.longContextWanted)-token"
        + " probe would take about \(VerificationPlan.duration(wantedSeconds))"
        + (plan.models == 2 ? " (patched and original)" : "")
    ]
    if options.requireLongContext {
      details.append("--require-long-context makes a probe that stays inside the window a failure")
    }
    return Check(
      name: "long-context", status: options.requireLongContext ? .fail : .skip,
      figure: "budget affords \(plan.longContextTokens) tokens, window \(window)",
      message:
        "the budget of \(budget) affords \(plan.longContextTokens) tokens, which does not reach"
        + " past the original window of \(window): nothing past it was checked; give --budget"
        + " \(suggestion) (or --long-context N)",
      details: details, data: data)
  }

  /// NLL of `tokens[p + 1]` at every position `p` of `outputs`; logits 256 rows at a time.
  /// `layersDone` hears the pass's progress.
  func nll(
    _ model: LlamaModel, _ tokens: [Int32], _ outputs: [Int],
    layersDone: (Int) -> Void = { _ in }
  ) throws -> [Double] {
    var values: [Double] = []
    values.reserveCapacity(outputs.count)
    try model.logits(
      tokens: tokens, startPosition: 0, outputs: outputs, chunk: 256, progress: layersDone
    ) {
      rows, range in
      for (row, position) in zip(rows, outputs[range]) {
        values.append(LogitStatistics.negativeLogLikelihood(row, target: Int(tokens[position + 1])))
      }
    }
    return values
  }

  func longContextVerdict(
    tokens length: Int, window: Int, bounds: [Range<Int>], outputs: [Int], patched: [Double],
    original: [Double]?, requested: Int
  ) -> Check {
    let name = "long-context"
    func mean(_ values: [Double], _ where: (Int) -> Bool) -> Double? {
      let picked = zip(values, outputs).filter { `where`($0.1) }.map(\.0)
      return picked.isEmpty ? nil : picked.reduce(0, +) / Double(picked.count)
    }
    var rows: [JSONValue] = []
    var details: [String] = []
    details.append(
      "NLL (nats) per position bucket over \(length) tokens (original window \(window));"
        + " \(outputs.count) positions scored")
    for range in bounds {
      let p = mean(patched) { range.contains($0) }
      let o = original.flatMap { mean($0) { range.contains($0) } }
      var row = JSONObject()
      row["start"] = .integer(range.lowerBound)
      row["end"] = .integer(range.upperBound)
      row["past_original_window"] = .bool(range.lowerBound >= window)
      row["patched_nll"] = VerificationReport.number(p)
      row["original_nll"] = VerificationReport.number(o)
      rows.append(.object(row))
      details.append(
        "[\(range.lowerBound), \(range.upperBound))\(range.lowerBound >= window ? " past" : "")"
          + ": patched \(p.map { Self.figure($0) } ?? "-")"
          + (original == nil ? "" : ", original \(o.map { Self.figure($0) } ?? "-")"))
    }
    var data = JSONObject()
    data["tokens"] = .integer(length)
    data["original_window"] = .integer(window)
    data["buckets"] = .array(rows)
    if length < requested {
      details.append("the probe holds \(length) tokens, fewer than the \(requested) asked for")
    }
    if let bad = zip(patched, outputs).first(where: { !$0.0.isFinite }) {
      return Check(
        name: name, status: .fail, figure: "NLL not finite",
        message: "the patched model's prediction at position \(bad.1) is not finite (NaN/Inf)",
        details: details, data: data)
    }
    // The caller runs the verdict only when some scored position lies past the window.
    let past: (Int) -> Bool = { $0 >= window }
    let region = "past the original window of \(window) (\(length) tokens probed)"
    let patchedMean = mean(patched, past) ?? .nan
    data["patched_nll"] = VerificationReport.number(patchedMean)
    guard let original else {
      return Check(
        name: name, status: .pass, figure: "patched NLL \(Self.figure(patchedMean))",
        value: patchedMean,
        message: "predictions \(region) are finite; give --against ORIGINAL to compare",
        details: details, data: data)
    }
    let originalMean = mean(original, past) ?? .nan
    let increase = patchedMean - originalMean
    data["original_nll"] = VerificationReport.number(originalMean)
    let figure =
      "NLL past \(window) of \(length) tokens: patched"
      + " \(Self.figure(patchedMean)), original \(Self.figure(originalMean))"
    let threshold = options.maximumNLLIncrease
    guard increase <= threshold else {
      return Check(
        name: name, status: .fail, figure: figure, value: increase, threshold: threshold,
        message:
          "the patched model predicts worse than the unpatched one \(region): NLL"
          + " \(Self.figure(patchedMean)) vs \(Self.figure(originalMean)) (+\(Self.figure(increase)) nats, above"
          + " \(Self.figure(threshold)))",
        details: details, data: data)
    }
    return Check(
      name: name, status: .pass, figure: figure, value: increase, threshold: threshold,
      message: increase < -0.05
        ? "the patched model predicts better than the unpatched one \(region)"
        : "the patched model stays within \(Self.figure(threshold)) nats of the unpatched one"
          + " \(region)",
      details: details, data: data)
  }

  static func describe(_ error: any Error) -> String {
    if let error = error as? VerificationError { return error.message }
    if let error = error as? InferenceError { return error.message }
    if let error = error as? PatchError { return error.message }
    if let error = error as? RoPEError { return "\(error)" }
    if let error = error as? SystemError { return "\(error)" }
    return "\(error)"
  }
}
