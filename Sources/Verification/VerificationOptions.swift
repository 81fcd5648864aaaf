import Formats
public import Inference

/// What `spindle verify` compares and how strictly; every threshold has a documented default.
public struct VerificationOptions: Sendable {
  /// The unpatched model to compare with (`--against`): needed for drift, for the original
  /// side of the long-context buckets, for portable-mode equivalence and for the change list.
  public var against: String?
  /// Where the probe tokens come from.
  public var probe: ProbeSource = .embedded(seed: ProbeSource.defaultSeed)
  /// Tokens of the drift probe; `nil` for ``defaultProbeLength``, which a ``budget`` may
  /// shorten (a length given is run as given).
  ///
  /// They sit at positions `0..<probeLength`, capped at the original context so drift stays
  /// inside the original window.
  public var probeLength: Int?
  /// The drift probe's length when none is given.
  public static let defaultProbeLength = 128
  /// Length of the long-context probe; `nil` for `min(2 × original, context)`, or as much of
  /// it as the ``budget`` affords (a length given is run as given).
  public var longContextLength: Int?
  /// Seconds the whole verification may take; `nil` for no limit.
  ///
  /// Default 120.
  ///
  /// The forward-pass checks are sized to fit (``VerificationPlan``): the equivalence check is
  /// layer-local and costs seconds at any size; the drift probe keeps its length unless it
  /// would take more than half of what is left; the long-context probe gets the rest, and is
  /// skipped with the time it would need when what is left does not reach past the window.
  public var budget: Double? = 120
  /// Position buckets the long-context NLL is reported in.
  ///
  /// Default 4.
  ///
  /// Equal widths; with the default length, the edges fall on the original window.
  public var bucketCount = 4
  /// Positions scored per bucket.
  ///
  /// Default 32.
  ///
  /// Evenly spaced; as many as the bucket holds scores every position (llama-perplexity's
  /// choice). Logits are scored 256 rows at a time, so memory does not grow with the count.
  public var samplesPerBucket = 32
  /// Equivalence: `max |Δscore|` allowed in any layer, relative to its largest `|score|`.
  ///
  /// Default 1e-2.
  ///
  /// Measured on SmolLM2-135M Q4_1 stamped YaRN ×4, positions up to 32767: keys only and baked
  /// tables 1.6e-5 (one Float rounding of `θ_i / f_i`, whose angle error grows with the
  /// position); portable 1.4e-3 (the folded factor rounds the Q4_1 block scales to F16, once
  /// in Q and once in K); the attention factor applied twice 0.30 (`mscale² − 1`), which the
  /// drift check alone let through (mean KL 0.32 < 0.4).
  public var equivalenceTolerance = 1e-2
  /// Drift: mean `KL(original ‖ patched)` over the short probe, in nats.
  ///
  /// Default 0.4.
  ///
  /// Measured on SmolLM2-135M (F32) with the embedded probe: a correct static YaRN ×4 gives
  /// 0.19 (YaRN moves the low-frequency pairs, so drift is small but not zero; random tokens
  /// leave the model uncertain, which makes KL larger than on text), YaRN ×16 0.64, the
  /// attention factor applied twice 0.75. On real text llama.cpp measures ×4 at +0.06 nats of
  /// NLL (perplexity 4.675 → 4.960).
  public var maximumMeanKL = 0.4
  /// Long context: how far the patched mean NLL may exceed the original's.
  ///
  /// Default 0.5 nats.
  ///
  /// Measured past the original window. A working scaling is below the unpatched
  /// model there (it degrades past its window); on a random probe both sit near `ln V` and
  /// differ by noise.
  public var maximumNLLIncrease = 0.5
  /// Where the forward pass rounds: `.exact` (Float activations) by default.
  public var numericMode: NumericMode = .exact
  /// With llama.cpp numerics, llama.cpp's flash-attention path (its CPU default; `spindle
  /// verify` turns it on unless `--flash-attn off`).
  public var flashAttention = false
  /// Skip the forward-pass checks (structure only).
  public var structureOnly = false
  /// Fail the long-context check, instead of skipping it, when the probe never goes past the
  /// original window (`--require-long-context`).
  public var requireLongContext = false
  /// Runtime ids (``Deployment/Runtime/id``) whose disagreement with the intended scaling
  /// fails the `runtimes` check; `nil` lists every runtime's without failing.
  public var runtimes: [String]?

  public init(against: String? = nil) {
    self.against = against
  }

  /// The options as the JSON report's `settings`.
  var json: JSONObject {
    var object = JSONObject()
    object["probe"] = .string(probe.description)
    object["probe_length"] = probeLength.map { .integer($0) } ?? .null
    object["budget_seconds"] = budget.map { .double($0) } ?? .null
    object["long_context"] = longContextLength.map { .integer($0) } ?? .null
    object["buckets"] = .integer(bucketCount)
    object["samples_per_bucket"] = .integer(samplesPerBucket)
    object["equivalence_tolerance"] = .double(equivalenceTolerance)
    object["max_mean_kl"] = .double(maximumMeanKL)
    object["max_nll_increase"] = .double(maximumNLLIncrease)
    object["numerics"] = .string(numericMode == .exact ? "exact" : "llama.cpp")
    object["flash_attention"] = .bool(numericMode == .llamaCpp && flashAttention)
    object["structure_only"] = .bool(structureOnly)
    object["require_long_context"] = .bool(requireLongContext)
    object["runtimes"] = runtimes.map { .array($0.map { .string($0) }) } ?? .null
    return object
  }
}

/// Where probe tokens come from.
///
/// Until Spindle has a tokenizer, probes are token ids: the embedded probe (deterministic
/// pseudo-random ids) or a file of whitespace-separated ids (`--tokens FILE`). ``text(_:tokenize:)``
/// is the hook for `--text FILE`, which the CLI wires up when the tokenizer lands.
public enum ProbeSource: Sendable, CustomStringConvertible {
  /// The default seed of the embedded probe.
  public static let defaultSeed: UInt64 = 0x5350_494E_444C_4531

  /// A random segment of ids, repeated to the probe length. Ids are drawn uniformly from
  /// `[min(256, V/4), V)`, skipping the low ids where vocabularies keep special tokens; the
  /// segment is `max(16, min(256, length/4))` long, so a model that can attend far enough
  /// predicts each repeat (induction), which makes the long-context NLL meaningful without a
  /// tokenizer: a model that still works past its window keeps copying, one that does not
  /// loses it.
  case embedded(seed: UInt64)
  /// Explicit token ids (`--tokens FILE`), used from the start; the long probe is as long as
  /// the list allows.
  case tokens([Int32])
  /// Text and the tokenizer that turns it into ids (`--text FILE`, once the tokenizer lands).
  case text(String, tokenize: @Sendable (String) throws -> [Int32])

  /// Whether this is the embedded probe, which is as long as asked.
  public var isEmbedded: Bool {
    if case .embedded = self { return true }
    return false
  }

  public var description: String {
    switch self {
    case .embedded(let seed): "embedded (repeated random segment, seed \(seed))"
    case .tokens(let ids): "token file (\(ids.count) ids)"
    case .text(let text, _): "text (\(text.utf8.count) bytes)"
    }
  }

  /// Up to `length` ids for a vocabulary of `vocabularySize`.
  ///
  /// - Throws: `invalidInput` for an id outside the vocabulary; the tokenizer's error.
  public func tokens(length: Int, vocabularySize: Int) throws -> [Int32] {
    let ids: [Int32]
    switch self {
    case .embedded(let seed):
      return Self.embedded(length: length, vocabularySize: vocabularySize, seed: seed)
    case .tokens(let list): ids = Array(list.prefix(length))
    case .text(let text, let tokenize): ids = Array(try tokenize(text).prefix(length))
    }
    if let bad = ids.firstIndex(where: { $0 < 0 || Int($0) >= vocabularySize }) {
      throw InferenceError(
        .invalidInput, name: "tokens",
        "probe token \(ids[bad]) at index \(bad) is outside the vocabulary 0..<\(vocabularySize)")
    }
    return ids
  }

  /// The embedded probe (see ``embedded(seed:)``).
  public static func embedded(length: Int, vocabularySize: Int, seed: UInt64) -> [Int32] {
    guard length > 0, vocabularySize > 0 else { return [] }
    let low = min(256, vocabularySize / 4)
    let span = UInt64(vocabularySize - low)
    let segmentLength = max(16, min(256, length / 4))
    var generator = SplitMix64(seed: seed)
    let segment = (0..<segmentLength).map { _ in Int32(low + Int(generator.next() % span)) }
    return (0..<length).map { segment[$0 % segmentLength] }
  }

  /// Parses whitespace-separated decimal ids (`--tokens FILE`).
  ///
  /// - Throws: `invalidInput` naming the first word that is not an id.
  public static func parseTokenList(_ text: String) throws(InferenceError) -> [Int32] {
    var ids: [Int32] = []
    let words = text.split { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "," }
    for (index, word) in words.enumerated() {
      guard let id = Int32(word), id >= 0 else {
        throw InferenceError(
          .invalidInput, name: "tokens",
          "word \(index + 1) of the token file, \"\(word.prefix(20))\", is not a token id")
      }
      ids.append(id)
    }
    return ids
  }
}
