import Deployment
import Formats
import TestSupport
import Testing

/// Each runtime bug the report exists for, as a config: the runtime's wrong value next to the
/// intended one, with the versions that get it right agreeing.
struct RuntimeReportTests {
  static func report(_ name: String) throws -> RuntimeReport {
    let config = try #require(
      TransformersRecordingTests.configs.first { $0.name == name }?.config)
    return RuntimeReport(config: config, path: name)
  }

  /// `(runtime, aspect, found)` of every finding.
  static func findings(_ report: RuntimeReport) -> [String] {
    report.findings.map { "\($0.runtime.id) \($0.aspect.rawValue) \($0.found)" }
  }

  /// transformers #38224: 4.51–4.55 take 40960 / 32768 = 1.25 for Qwen3's ×4.
  @Test func factorOverride() throws {
    let report = try Self.report("qwen3-yarn4-40960")
    #expect(report.intended?.factor == 4)
    #expect(report.intended?.maxContext == 131072)
    #expect(
      Self.findings(report) == [
        "transformers-4.45 original_context 40960",
        "transformers-4.51 factor 1.25", "transformers-4.55 factor 1.25",
        "vllm-0.30 max_context 40960", "llama.cpp max_context 40960",
      ])
    #expect(report.findings[1].cause.contains("#38224"))
  }

  /// vLLM PRs #46280/#48351: attention_factor 1.0 dropped for 0.1·ln 64 + 1; llama.cpp too.
  @Test func attentionFactorDropped() throws {
    let report = try Self.report("yarn-attention-factor-1")
    let logarithm = 0.1 * 4.1588830833596715 + 1  // 0.1 · ln 64 + 1
    for id in ["vllm-0.11", "vllm-0.12"] {
      let reading = try #require(report.readings.first { $0.runtime.id == id })
      #expect(reading.scaling.attentionFactor == logarithm)
    }
    let llama = try #require(report.readings.first { $0.runtime.id == "llama.cpp" })
    #expect(Float(llama.scaling.attentionFactor) == Float(logarithm))
    #expect(report.readings.first { $0.runtime.id == "vllm-0.30" }?.scaling.attentionFactor == 1)
    #expect(
      Self.findings(report) == [
        "transformers-4.45 original_context 262144", "vllm-0.11 attention_factor 1.41589",
        "vllm-0.12 attention_factor 1.41589", "llama.cpp attention_factor 1.41589",
      ])
  }

  /// vLLM #48621: mscale = mscale_all_dim = 1 means attention factor 1; vLLM <= 0.29 applies
  /// g(40) = 1.3688879454113936.
  @Test func mscaleIgnored() throws {
    let report = try Self.report("deepseek-mscale")
    #expect(report.intended?.attentionFactor == 1)
    let vllm = try #require(report.readings.first { $0.runtime.id == "vllm-0.12" })
    #expect(vllm.scaling.attentionFactor == 1.3688879454113936)
    #expect(vllm.keysIgnored == ["mscale", "mscale_all_dim"])
  }

  /// vLLM #27722 (fixed in 0.12 by #28244): gpt-oss's truncate: false, whose range PR #28244
  /// states as low 8.092779115512402, high 17.39802450158856.
  @Test func truncateIgnored() throws {
    let report = try Self.report("gpt-oss-truncate-false")
    #expect(report.intended?.correctionRange?.low == 8.092779115512402)
    #expect(report.intended?.correctionRange?.high == 17.39802450158856)
    #expect(
      Self.findings(report) == [
        "transformers-4.45 original_context 131072",
        "transformers-4.51 correction_range rounded [8, 18]",
        "vllm-0.11 correction_range rounded [8, 18]",
        "llama.cpp correction_range rounded [8, 18]",
      ])
    #expect(report.findings.last?.cause.contains("cannot be expressed in GGUF") == true)
  }

  /// A transformers-5 `rope_parameters` dict is invisible to transformers 4 and vLLM <= 0.11
  /// (vLLM #28542), which also lose the rope_theta inside it.
  @Test func parametersDictDropped() throws {
    let report = try Self.report("rope-parameters-only")
    #expect(
      Self.findings(report) == [
        "transformers-4.45 scaling default", "transformers-4.51 scaling default",
        "transformers-4.55 scaling default", "transformers-4.56 scaling default",
        "vllm-0.11 scaling default",
      ])
    let old = try #require(report.readings.first { $0.runtime.id == "vllm-0.11" })
    #expect(old.assumptions == ["rope_theta 10000 (the config class default)"])
    #expect(old.unreadScaling == .dictionary("rope_parameters"))
  }

  /// A YaRN dict without original_max_position_embeddings: transformers >= 4.51 and vLLM on
  /// transformers 5 take max_position_embeddings, the readers that require it stop, and
  /// nothing intended can be compared.
  @Test func missingOriginal() throws {
    let report = try Self.report("yarn-missing-original")
    #expect(report.intended == nil)
    #expect(report.problem?.contains("original_max_position_embeddings") == true)
    #expect(!report.agrees)
    let failing = report.readings.filter { $0.failure != nil }.map(\.runtime.id)
    #expect(failing == ["vllm-0.11", "vllm-0.12", "llama.cpp"])
    let assuming = report.readings.filter { !$0.assumptions.isEmpty }.map(\.runtime.id)
    #expect(
      assuming == [
        "transformers-4.51", "transformers-4.55", "transformers-4.56", "transformers-5",
        "vllm-0.30",
      ])
  }

  /// vLLM #56446: a YaRN variant's max_position_embeddings multiplied by the factor again
  /// (Sarvam-105b: 131072 × 40 = 5,242,880 where 131,072 is meant).
  @Test func yarnVariantMultipliedTwice() throws {
    let config = JSONObject([
      ("model_type", .string("deepseek_v3")), ("head_dim", .integer(64)),
      ("max_position_embeddings", .integer(131072)), ("rope_theta", .integer(10000)),
      (
        "rope_scaling",
        .object(
          JSONObject([
            ("rope_type", .string("deepseek_yarn")), ("factor", .integer(40)),
            ("original_max_position_embeddings", .integer(4096)), ("mscale", .double(1)),
            ("mscale_all_dim", .double(1)),
          ]))
      ),
    ])
    let report = RuntimeReport(config: config, path: "sarvam")
    #expect(report.intended?.maxContext == 163840)
    let contexts = report.readings.filter { $0.runtime.family == .vllm }.map(\.scaling.maxContext)
    #expect(contexts == [5_242_880, 5_242_880, 131072])
  }

  /// The recipes the seed stamps agree everywhere but where a runtime is known to differ.
  @Test(arguments: [
    (
      "qwen2.5-yarn4",
      [
        "transformers-4.51 factor 1", "transformers-4.55 factor 1",
        "vllm-0.30 max_context 32768", "llama.cpp max_context 32768",
      ]
    ),
    ("mistral-7b-yarn4", ["transformers-4.45 scaling default"]),
    ("llama2-yarn32", ["transformers-4.45 original_context 131072"]),
    ("linear-4", []), ("llama3.1", []), ("llama3-default", []),
  ])
  func recipes(name: String, expected: [String]) throws {
    #expect(Self.findings(try Self.report(name)) == expected)
  }
}

/// Hostile configs get a located failure per runtime, never a trap or an unbounded table.
struct RuntimeReportHostileConfigTests {
  static func config(head: Int, maxPositions: Int, factor: Double) -> JSONObject {
    JSONObject([
      ("model_type", .string("llama")), ("head_dim", .integer(head)),
      ("max_position_embeddings", .integer(maxPositions)),
      (
        "rope_scaling",
        .object(
          JSONObject([
            ("rope_type", .string("yarn")), ("factor", .double(factor)),
            ("original_max_position_embeddings", .integer(4096)),
          ]))
      ),
    ])
  }

  @Test func hugeHeadDimensionFailsEachReading() {
    let report = RuntimeReport(
      config: Self.config(head: 1 << 40, maxPositions: 8192, factor: 2), path: "huge.json")
    #expect(report.intended == nil)
    #expect(
      report.readings.allSatisfy {
        $0.failure == "head_dim 1099511627776 is outside 1…16384"
      })
  }

  @Test func absurdFactorLeavesTheContextUnstated() {
    let report = RuntimeReport(
      config: Self.config(head: 64, maxPositions: 8192, factor: 1e300), path: "factor.json")
    let old = report.readings.first { $0.runtime.id == "vllm-0.11" }
    #expect(old?.failure == nil)
    #expect(old?.scaling.maxContext == nil)
  }
}
