import Formats
import Inference
import Testing

@testable import Verification

/// The arithmetic of ``VerificationPlan``: a budget shortens the drift probe only past half of
/// what is left and gives the long-context probe the rest; lengths given are kept.
@Suite("Verification plan")
struct VerificationPlanTests {
  /// SmolLM2-135M's shape (window 8192, YaRN ×4 context 32768).
  static let smolLM2 = LlamaConfiguration(
    layerCount: 30, embeddingLength: 576, feedForwardLength: 1536, headCount: 9,
    keyValueHeadCount: 3, vocabularySize: 49152)

  static func probes(
    drift: Int = 128, driftFixed: Bool = false, long: Int = 16384, longFixed: Bool = false,
    models: Int = 2
  ) -> VerificationPlan.Probes {
    VerificationPlan.Probes(
      drift: drift, driftFixed: driftFixed, longContext: long, longContextFixed: longFixed,
      longContextScored: 128, models: models, equivalenceModels: 2, window: 8192)
  }

  static let rate = 100e9

  func cost(_ tokens: Int, logits: Int, rate: Double = Self.rate) -> Double {
    2 * Self.smolLM2.forwardOperations(tokens: tokens, logits: logits) / rate
  }

  @Test func withoutABudgetEverythingRunsAsAsked() {
    let plan = VerificationPlan(
      configuration: Self.smolLM2, probes: Self.probes(), budget: nil, elapsed: 3,
      operationsPerSecond: Self.rate)
    #expect(plan.driftTokens == 128 && plan.longContextTokens == 16384)
    #expect(!plan.longContextShortened)
    #expect(plan.driftSeconds == cost(128, logits: 128))
    #expect(plan.longContextSeconds == cost(16384, logits: 128))
    #expect(plan.longContextWantedSeconds == plan.longContextSeconds)
  }

  @Test func theLongContextProbeGetsWhatTheBudgetLeaves() {
    let budget = 120.0
    let plan = VerificationPlan(
      configuration: Self.smolLM2, probes: Self.probes(), budget: budget, elapsed: 3,
      operationsPerSecond: Self.rate)
    #expect(plan.driftTokens == 128)
    let left =
      budget * VerificationPlan.budgetShare - 3 - plan.equivalenceSeconds
      - plan.driftSeconds
    let tokens = plan.longContextTokens
    #expect(tokens > 8192 && tokens < 16384)
    #expect(cost(tokens, logits: 128) <= left)
    #expect(cost(tokens + 1, logits: 128) > left)
    #expect(plan.longContextShortened)
    #expect(plan.lines[3].hasSuffix("tokens of the 16384 asked for: what the budget affords)"))
  }

  @Test func aSmallBudgetShortensTheDriftProbeToHalfOfWhatIsLeft() {
    let plan = VerificationPlan(
      configuration: Self.smolLM2, probes: Self.probes(drift: 4096), budget: 20, elapsed: 0.5,
      operationsPerSecond: 1e9)
    let half = (20 * VerificationPlan.budgetShare - 0.5 - plan.equivalenceSeconds) / 2
    #expect(half > 0)
    #expect(plan.driftTokens >= VerificationPlan.shortestDriftProbe && plan.driftTokens < 4096)
    #expect(plan.driftSeconds <= half)
    #expect(cost(plan.driftTokens + 1, logits: plan.driftTokens + 1, rate: 1e9) > half)
    // Nothing is left to reach past the window: no long-context time is planned.
    #expect(plan.longContextTokens <= 8192 && plan.longContextSeconds == 0)
    #expect(plan.lines.contains { $0.hasPrefix("  long-context  skipped: the budget affords") })
    // What asking for the whole probe would need: its cost, and a budget that fits it.
    let wanted = cost(16384, logits: 128, rate: 1e9)
    #expect(plan.longContextWantedSeconds == wanted)
    let minutes = Double(plan.longContextWantedBudgetMinutes)
    #expect(minutes * 60 * VerificationPlan.budgetShare >= 0.5 + wanted)
    #expect((minutes - 1) * 60 * VerificationPlan.budgetShare < 0.5 + wanted)
  }

  @Test func lengthsGivenAreKeptAndEstimated() {
    let plan = VerificationPlan(
      configuration: Self.smolLM2,
      probes: Self.probes(drift: 512, driftFixed: true, long: 20000, longFixed: true),
      budget: 1, elapsed: 0, operationsPerSecond: Self.rate)
    #expect(plan.driftTokens == 512 && plan.longContextTokens == 20000)
    #expect(plan.longContextSeconds == cost(20000, logits: 128))
  }

  @Test func replanningUsesTheNewSpeedAndTheTimeSpent() {
    var plan = VerificationPlan(
      configuration: Self.smolLM2, probes: Self.probes(), budget: 120, elapsed: 3,
      operationsPerSecond: Self.rate)
    let before = plan.longContextTokens
    plan.replanLongContext(
      configuration: Self.smolLM2, probes: Self.probes(), elapsed: 10,
      operationsPerSecond: 2 * Self.rate)
    #expect(plan.longContextTokens > before)
    #expect(plan.operationsPerSecond == 2 * Self.rate)
  }

  /// With attention's rate measured at the long-context length, the attention term is timed at
  /// it and the products at the forward pass's rate; replanning after drift keeps it.
  @Test func attentionRunsAtItsOwnRate() {
    let attentionRate = Self.rate / 2
    func cost(_ tokens: Int, logits: Int, rate: Double = Self.rate) -> Double {
      let c = Self.smolLM2
      let attention = c.attentionOperations(tokens: tokens)
      let products = c.forwardOperations(tokens: tokens, logits: logits) - attention
      return 2 * (products / rate + attention / attentionRate)
    }
    var plan = VerificationPlan(
      configuration: Self.smolLM2, probes: Self.probes(), budget: nil, elapsed: 3,
      operationsPerSecond: Self.rate, attentionRates: [16384: attentionRate])
    #expect(plan.longContextSeconds == cost(16384, logits: 128))
    #expect(plan.longContextSeconds > self.cost(16384, logits: 128) * 1.7)
    #expect(plan.driftSeconds == cost(128, logits: 128))
    #expect(
      plan.lines[0]
        == "plan (no budget; 3 s spent; the forward pass runs at 100 GFLOP/s, attention at"
        + " 16384 tokens at 50 GFLOP/s):")
    plan.replanLongContext(
      configuration: Self.smolLM2, probes: Self.probes(), elapsed: 10,
      operationsPerSecond: 2 * Self.rate)
    #expect(plan.attentionOperationsPerSecond == attentionRate)
    #expect(plan.longContextSeconds == cost(16384, logits: 128, rate: 2 * Self.rate))
  }

  /// Timed at several lengths, each length goes at the rate timed at the shortest length at
  /// least as long (rows as long or longer run no faster), past every timed length at the
  /// longest's; the plan line and the JSON name the length whose rate the planned probe used.
  @Test func eachLengthGoesAtTheRateTimedAtTheShortestLengthCoveringIt() {
    // 7000 timed slower than 16384 (the host's spread): it still covers 6001…7000.
    let rates = [16384: Self.rate / 2, 6000: Self.rate, 7000: Self.rate / 4]
    let plan = VerificationPlan(
      configuration: Self.smolLM2, probes: Self.probes(), budget: nil, elapsed: 3,
      operationsPerSecond: Self.rate, attentionRates: rates)
    #expect(plan.attentionTimedTokens(for: 5000) == 6000)
    #expect(plan.attentionTimedTokens(for: 6000) == 6000)
    #expect(plan.attentionTimedTokens(for: 6001) == 7000)
    #expect(plan.attentionTimedTokens(for: 7001) == 16384)
    #expect(plan.attentionTimedTokens(for: 30000) == 16384)
    let faster = VerificationPlan(
      configuration: Self.smolLM2, probes: Self.probes(), budget: nil, elapsed: 3,
      operationsPerSecond: Self.rate, attentionRates: [16384: Self.rate / 2, 6000: Self.rate])
    #expect(faster.attentionTimedTokens(for: 6000) == 6000)
    #expect(faster.attentionTimedTokens(for: 6001) == 16384)
    #expect(
      VerificationPlan(
        configuration: Self.smolLM2, probes: Self.probes(), budget: nil, elapsed: 3,
        operationsPerSecond: Self.rate
      ).attentionTimedTokens(for: 100) == nil)

    // Costs: attention at 6000 tokens at the full rate, at 6001 at half of it.
    func cost(_ tokens: Int, attentionRate: Double) -> Double {
      let c = Self.smolLM2
      let attention = c.attentionOperations(tokens: tokens)
      let products = c.forwardOperations(tokens: tokens, logits: 128) - attention
      return 2 * (products / Self.rate + attention / attentionRate)
    }
    #expect(
      faster.seconds(Self.smolLM2, tokens: 6000, logits: 128)
        == cost(6000, attentionRate: Self.rate))
    #expect(
      faster.seconds(Self.smolLM2, tokens: 6001, logits: 128)
        == cost(6001, attentionRate: Self.rate / 2))

    // A budget that affords 9500 tokens at the rate timed at 10000.
    let budget =
      (3 + faster.equivalenceSeconds + faster.driftSeconds + cost(9500, attentionRate: Self.rate)
        + 1e-6) / VerificationPlan.budgetShare
    let planned = VerificationPlan(
      configuration: Self.smolLM2, probes: Self.probes(), budget: budget, elapsed: 3,
      operationsPerSecond: Self.rate, attentionRates: [16384: Self.rate / 2, 10000: Self.rate])
    #expect(planned.longContextTokens == 9500)
    #expect(planned.attentionTimedTokens == 10000)
    #expect(planned.attentionOperationsPerSecond == Self.rate)
    #expect(planned.lines[0].hasSuffix(", attention at 10000 tokens at 100 GFLOP/s):"))
    #expect(planned.json["attention_timed_tokens"] == .integer(10000))
    #expect(planned.json["attention_operations_per_second"] == .double(Self.rate))
  }

  @Test(arguments: [
    (59.2, "60 s"), (89.0, "89 s"), (95.0, "1 min 35 s"), (120.0, "2 min"), (3600.0, "1 h"),
    (5000.0, "1 h 24 min"),
  ])
  func durations(seconds: Double, text: String) {
    #expect(VerificationPlan.duration(seconds) == text)
  }
}
