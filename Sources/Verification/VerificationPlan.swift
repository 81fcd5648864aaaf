import Formats
import Inference
import RoPE

/// What the forward-pass checks of a verification cost on this model and machine, and the
/// probe lengths a time budget affords.
///
/// Costs are floating-point operations from the model's shape
/// (``LlamaConfiguration/forwardOperations(tokens:logits:)``, the attention term quadratic in
/// the length) divided by the speed measured on the model itself (a 16-token pass before the
/// checks, the drift pass before the long-context one), the attention term at attention's own
/// rate where that was measured (``LlamaModel/attentionOperationsPerSecond(tokens:)``, at the
/// long-context length and at what a budget affords): short passes barely time it, and at long
/// lengths it is most of the pass and runs slower than the products. Within a budget the
/// drift probe keeps its length unless it would take more than half of what is left; the
/// long-context probe then gets what remains, up to the length asked for. An explicit
/// `--probe-length` or `--long-context` is run as given; the plan only estimates it.
public struct VerificationPlan: Sendable, Equatable {
  /// Seconds the whole verification may take; `nil` for no limit.
  public var budget: Double?
  /// Seconds already spent when the plan was made (structure checks, opening the models, the
  /// calibration pass).
  public var elapsed: Double
  /// Floating-point operations per second of the patched model's forward pass, measured.
  public var operationsPerSecond: Double
  /// Floating-point operations per second of attention's long rows, by the sequence length they
  /// were timed at; empty: attention at ``operationsPerSecond``.
  public var attentionRates: [Int: Double]
  /// Forward passes per probe: 2 with an original to compare with, else 1.
  public var models: Int
  public var equivalenceSeconds: Double
  /// Tokens of the drift probe, per model (0: no drift check).
  public var driftTokens: Int
  public var driftSeconds: Double
  /// Tokens of the long-context probe the plan affords, per model (0: no long-context check).
  public var longContextTokens: Int
  /// The long-context length asked for (`--long-context`, else `min(2 × window, context)`).
  public var longContextWanted: Int
  public var longContextSeconds: Double
  /// Seconds the long-context length asked for would take on every model.
  public var longContextWantedSeconds: Double
  /// The original window: the long-context probe must go past it to check anything.
  public var window: Int

  /// Share of the budget the plan fills, leaving the rest for the estimate's error.
  public static let budgetShare = 0.9

  /// The shortest drift probe a budget shrinks it to.
  public static let shortestDriftProbe = 8

  /// What the checks would run without a budget.
  public struct Probes: Sendable, Equatable {
    /// Drift tokens per model (`--probe-length` capped at the window; 0 without an original).
    public var drift: Int
    /// Whether `--probe-length` was given (run as given).
    public var driftFixed: Bool
    /// Long-context tokens asked for (0 without a declared scaling).
    public var longContext: Int
    /// Whether `--long-context` was given (run as given).
    public var longContextFixed: Bool
    /// Positions the long-context check scores (buckets × samples per bucket).
    public var longContextScored: Int
    /// Models each forward-pass probe runs on (2 with an original).
    public var models: Int
    /// Models the equivalence check computes scores with (2, 3 with llama.cpp's kernel).
    public var equivalenceModels: Int
    /// The original window.
    public var window: Int

    public init(
      drift: Int, driftFixed: Bool, longContext: Int, longContextFixed: Bool,
      longContextScored: Int, models: Int, equivalenceModels: Int, window: Int
    ) {
      self.drift = drift
      self.driftFixed = driftFixed
      self.longContext = longContext
      self.longContextFixed = longContextFixed
      self.longContextScored = longContextScored
      self.models = models
      self.equivalenceModels = equivalenceModels
      self.window = window
    }
  }

  /// Plans `probes` on a model of `configuration` whose forward pass runs at
  /// `operationsPerSecond` (its long attention rows at `attentionRates`, by length timed),
  /// `elapsed` seconds into a verification that may take `budget`.
  public init(
    configuration c: LlamaConfiguration, probes: Probes, budget: Double?, elapsed: Double,
    operationsPerSecond: Double, attentionRates: [Int: Double] = [:]
  ) {
    self.budget = budget
    self.elapsed = elapsed
    self.operationsPerSecond = operationsPerSecond
    self.attentionRates = attentionRates
    models = probes.models
    window = probes.window
    // The equivalence check: Q and K of every layer for 64 rows, then heads · 64² scores.
    let rows = 64.0
    let e = Double(c.embeddingLength)
    let perLayer =
      2 * rows * e * Double(c.queryLength + c.keyValueLength)
      + 2 * Double(c.headCount) * rows * rows * Double(c.headDimension)
    equivalenceSeconds =
      Double(probes.equivalenceModels) * Double(c.layerCount) * perLayer / operationsPerSecond
    driftTokens = probes.drift
    driftSeconds = 0
    longContextWanted = probes.longContext
    longContextTokens = probes.longContext
    longContextSeconds = 0
    longContextWantedSeconds = 0
    let available = budget.map { $0 * Self.budgetShare - elapsed - equivalenceSeconds }
    if let available, probes.drift > 0, !probes.driftFixed {
      // Half of what is left when a long-context probe follows, all of it otherwise.
      let share = probes.longContext > 0 ? available / 2 : available
      driftTokens = Self.longest(
        min(Self.shortestDriftProbe, probes.drift), probes.drift, fitting: share
      ) { seconds(c, tokens: $0, logits: $0) }
    }
    driftSeconds = seconds(c, tokens: driftTokens, logits: driftTokens)
    planLongContext(c, probes: probes, available: available.map { $0 - driftSeconds })
  }

  /// Plans the long-context probe again after the drift check, from the speed measured there
  /// (which replaces ``operationsPerSecond``; attention's rate stays) and the `elapsed`
  /// seconds spent so far.
  public mutating func replanLongContext(
    configuration c: LlamaConfiguration, probes: Probes, elapsed: Double,
    operationsPerSecond: Double
  ) {
    self.operationsPerSecond = operationsPerSecond
    planLongContext(c, probes: probes, available: budget.map { $0 * Self.budgetShare - elapsed })
  }

  private mutating func planLongContext(
    _ c: LlamaConfiguration, probes: Probes, available: Double?
  ) {
    longContextTokens = probes.longContext
    longContextWantedSeconds = seconds(
      c, tokens: probes.longContext, logits: min(probes.longContextScored, probes.longContext - 1))
    if let available, probes.longContext > 0, !probes.longContextFixed {
      longContextTokens = Self.longest(2, probes.longContext, fitting: available) {
        seconds(c, tokens: $0, logits: min(probes.longContextScored, $0 - 1))
      }
    }
    let runs = longContextTokens > window || probes.longContextFixed
    longContextSeconds =
      runs
      ? seconds(
        c, tokens: longContextTokens, logits: min(probes.longContextScored, longContextTokens - 1))
      : 0
  }

  /// The budget, in whole minutes, that would afford the long-context length asked for.
  public var longContextWantedBudgetMinutes: Int {
    Int(((elapsed + longContextWantedSeconds) / Self.budgetShare / 60).rounded(.up))
  }

  /// Seconds from now to the end of the planned checks.
  public var remainingSeconds: Double { equivalenceSeconds + driftSeconds + longContextSeconds }

  /// The length whose timed rate attention's rows of a `tokens`-token pass go at: the shortest
  /// timed at `tokens` or more (its rows are as long or longer, which run no faster per
  /// operation, so the estimate errs slow), else the longest timed; `nil` when none was.
  public func attentionTimedTokens(for tokens: Int) -> Int? {
    attentionRates.keys.filter { $0 >= tokens }.min() ?? attentionRates.keys.max()
  }

  /// The length whose timed rate the long-context length planned went at (the length a budget
  /// affords, also when that skips the check); `nil` when attention was not timed.
  public var attentionTimedTokens: Int? { attentionTimedTokens(for: longContextTokens) }

  /// Attention's rate for the long-context probe planned, timed at ``attentionTimedTokens``.
  public var attentionOperationsPerSecond: Double? {
    attentionTimedTokens.flatMap { attentionRates[$0] }
  }

  /// Whether the budget cut the long-context probe short of the length asked for.
  public var longContextShortened: Bool { longContextTokens < longContextWanted }

  /// The plan as a person reads it: each check's estimate, then the total.
  public var lines: [String] {
    var lines: [String] = []
    let budgetText = budget.map { "budget \(Self.duration($0))" } ?? "no budget"
    lines.append(
      "plan (\(budgetText); \(Self.duration(elapsed)) spent; the forward pass runs at"
        + " \(Self.rate(operationsPerSecond))"
        + (attentionTimedTokens.map {
          ", attention at \($0) tokens at \(Self.rate(attentionRates[$0] ?? 0))"
        } ?? "") + "):")
    lines.append(
      "  equivalence   ~\(Self.duration(equivalenceSeconds)) (every layer, no forward pass)")
    if driftTokens > 0 {
      lines.append(
        "  drift         ~\(Self.duration(driftSeconds)) (\(models) × \(driftTokens) tokens)")
    }
    if longContextTokens > window {
      lines.append(
        "  long-context  ~\(Self.duration(longContextSeconds)) (\(models) × \(longContextTokens)"
          + " tokens"
          + (longContextShortened
            ? " of the \(longContextWanted) asked for: what the budget affords" : "")
          + ")")
    } else if longContextWanted > window {
      lines.append(
        "  long-context  skipped: the budget affords \(longContextTokens) tokens, not past the"
          + " window of \(window)")
    }
    lines.append("  total         ~\(Self.duration(elapsed + remainingSeconds))")
    return lines
  }

  /// Seconds for the forward-pass probes of `tokens` tokens with `logits` positions scored,
  /// on every model: `models·(products/operationsPerSecond + attention/attentionRate)`.
  func seconds(
    _ configuration: LlamaConfiguration, tokens: Int, logits: Int
  ) -> Double {
    guard tokens > 0 else { return 0 }
    let all = configuration.forwardOperations(tokens: tokens, logits: logits)
    guard let attentionRate = attentionTimedTokens(for: tokens).flatMap({ attentionRates[$0] })
    else {
      return Double(models) * all / operationsPerSecond
    }
    let attention = configuration.attentionOperations(tokens: tokens)
    return Double(models) * ((all - attention) / operationsPerSecond + attention / attentionRate)
  }

  /// The longest length in `shortest...longest` whose cost fits `seconds` (`shortest` when none
  /// does); `cost` grows with the length.
  static func longest(
    _ shortest: Int, _ longest: Int, fitting seconds: Double, cost: (Int) -> Double
  ) -> Int {
    guard longest > shortest, cost(longest) > seconds else { return max(shortest, longest) }
    var low = shortest
    var high = longest
    while high - low > 1 {
      let middle = (low + high) / 2
      if cost(middle) <= seconds { low = middle } else { high = middle }
    }
    return low
  }

  /// The plan for the JSON report.
  var json: JSONObject {
    var object = JSONObject()
    object["budget_seconds"] = budget.map { .double($0) } ?? .null
    object["elapsed_seconds"] = .double(elapsed)
    object["operations_per_second"] = .double(operationsPerSecond)
    object["attention_operations_per_second"] =
      attentionOperationsPerSecond.map { .double($0) } ?? .null
    object["attention_timed_tokens"] = attentionTimedTokens.map { .integer($0) } ?? .null
    object["attention_rates"] = .array(
      attentionRates.sorted { $0.key < $1.key }.map { tokens, rate in
        var timing = JSONObject()
        timing["tokens"] = .integer(tokens)
        timing["operations_per_second"] = .double(rate)
        return .object(timing)
      })
    object["equivalence_seconds"] = .double(equivalenceSeconds)
    object["drift_tokens"] = .integer(driftTokens)
    object["drift_seconds"] = .double(driftSeconds)
    object["long_context_tokens"] = .integer(longContextTokens)
    object["long_context_requested_tokens"] = .integer(longContextWanted)
    object["long_context_seconds"] = .double(longContextSeconds)
    return object
  }

  /// `90 s`, `2 min 05 s`, `1 h 12 min`.
  public static func duration(_ seconds: Double) -> String {
    let whole = Int(seconds.rounded(.up))
    if whole < 90 { return "\(max(0, whole)) s" }
    if whole < 3600 {
      let rest = whole % 60
      return "\(whole / 60) min" + (rest == 0 ? "" : " \(rest < 10 ? "0" : "")\(rest) s")
    }
    let minutes = (whole + 59) / 60
    let rest = minutes % 60
    return "\(minutes / 60) h" + (rest == 0 ? "" : " \(rest < 10 ? "0" : "")\(rest) min")
  }

  static func rate(_ operationsPerSecond: Double) -> String {
    let giga = operationsPerSecond / 1e9
    return giga >= 10
      ? "\(Int(giga.rounded())) GFLOP/s" : "\(NumberText.significant(giga, digits: 2)) GFLOP/s"
  }
}
