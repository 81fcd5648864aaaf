import Models
import Tensors
import TestSupport
import Testing
import Verification

@testable import Inference

/// The kernels compiled per instruction-set level (`KernelLevel`): every level this machine
/// runs gives the same bits, and `SPINDLE_KERNELS` names are checked.
@Suite("Kernel levels")
struct KernelLevelTests {
  /// Logits of the tiny llama fixture (23 tokens, every position) at `level`.
  static func tinyLogits(
    _ mode: NumericMode, flashAttention: Bool, level: KernelLevel,
    build: LlamaCppBuild = .avx512
  ) throws -> [UInt32] {
    try KernelLevel.withLevel(level) {
      try LlamaCppBuild.withBuild(build) { try tinyLogits(mode, flashAttention: flashAttention) }
    }
  }

  private static func tinyLogits(_ mode: NumericMode, flashAttention: Bool) throws -> [UInt32] {
    let checkpoint = try LlamaCheckpoint(path: Repository.fixture("gguf/tiny-llama.gguf"))
    var model = try checkpoint.model(rotary: .llamaCpp, numericMode: mode)
    model.flashAttention = flashAttention
    let vocabulary = model.configuration.vocabularySize
    let tokens: [Int32] = (0..<23).map { Int32(($0 * 7919 + 5) % vocabulary) }
    return try model.logits(tokens: tokens, startPosition: 0, outputs: Array(tokens.indices))
      .joined().map(\.bitPattern)
  }

  @Test(
    "Every level gives the highest level's logits bit for bit, in either llama.cpp build's sums",
    arguments: [(NumericMode.exact, false), (.llamaCpp, false), (.llamaCpp, true)],
    LlamaCppBuild.allCases)
  func levelsAgree(_ setting: (mode: NumericMode, flashAttention: Bool), build: LlamaCppBuild)
    throws
  {
    let (mode, flashAttention) = setting
    let reference = try Self.tinyLogits(
      mode, flashAttention: flashAttention, level: KernelLevel.supported, build: build)
    #expect(!reference.isEmpty)
    for level in KernelLevel.runnable where level != KernelLevel.supported {
      let logits = try Self.tinyLogits(
        mode, flashAttention: flashAttention, level: level, build: build)
      #expect(logits == reference, "\(level.rawValue) vs \(KernelLevel.supported.rawValue)")
    }
  }

  /// The build changes llama.cpp numerics (8- and 16-lane sums round differently) and nothing
  /// in exact numerics: the F32 llama of `fixtures/architectures` (the tiny llama's products
  /// are integer blocks, the same in both builds).
  @Test(arguments: [(NumericMode.exact, false), (.llamaCpp, false), (.llamaCpp, true)])
  func theBuildMattersOnlyToLlamaCppNumerics(mode: NumericMode, flashAttention: Bool) throws {
    let checkpoint = try ModelCheckpoint(path: Repository.fixture("architectures/gguf/llama.gguf"))
    var model = try checkpoint.model(rotary: .llamaCpp, longRoPE: .context(256), numericMode: mode)
    model.flashAttention = flashAttention
    let tokens: [Int32] = (0..<16).map { Int32(($0 * 37 + 5) % 80) }
    func logits(_ build: LlamaCppBuild) throws -> [UInt32] {
      try LlamaCppBuild.withBuild(build) {
        try model.logits(tokens: tokens, startPosition: 0, outputs: Array(tokens.indices))
          .joined().map(\.bitPattern)
      }
    }
    let avx2 = try logits(.avx2)
    let avx512 = try logits(.avx512)
    if mode == .exact {
      #expect(avx2 == avx512)
    } else {
      let differing = zip(avx2, avx512).filter { $0 != $1 }.count
      #expect(differing > avx2.count / 2, "\(differing) of \(avx2.count) logits differ")
    }
  }

  /// The build llama.cpp runs here: AVX-512 exactly where the CPU runs x86-64-v4.
  @Test func theNativeBuildFollowsTheCPU() {
    #expect(LlamaCppBuild.native == (KernelLevel.supported == .avx512 ? .avx512 : .avx2))
    #expect(LlamaCppBuild.selected == LlamaCppBuild.native)
    #expect(LlamaCppBuild.withBuild(.avx2) { LlamaCppBuild.selected } == .avx2)
    #expect(LlamaCppBuild.avx2.lanes == 8 && LlamaCppBuild.avx512.lanes == 16)
  }

  @Test func theLevelsAreCompiledOnX86() {
    #if arch(x86_64)
    #expect(KernelLevel.allCases.filter(\.isCompiled) == KernelLevel.allCases)
    #else
    #expect(KernelLevel.runnable == [.baseline])
    #endif
    #expect(KernelLevel.runnable.first == .baseline)
    for level in KernelLevel.allCases where level.isCompiled {
      #expect(Int32(level.kernels.level) == level.cpuLevel, "\(level.rawValue)")
    }
    #expect(KernelLevel.runnable.last == KernelLevel.supported)
  }

  @Test func aLevelIsSetOnlyForItsTask() {
    let outside = KernelLevel.selected
    let inside = KernelLevel.withLevel(.baseline) { KernelLevel.selected }
    #expect(inside == .baseline)
    #expect(KernelLevel.selected == outside)
  }

  @Test func anUnknownNameIsRefusedWithTheValidOnes() throws {
    let result = KernelLevel.level(named: "avx3")
    guard case .failure(let error) = result else {
      Issue.record("avx3 was accepted")
      return
    }
    #expect(error.kind == .invalidConfiguration)
    #expect(error.name == "SPINDLE_KERNELS")
    #expect(
      error.message
        == "SPINDLE_KERNELS=avx3 is not a kernel level; expected one of baseline, avx2, avx512")
  }

  @Test(arguments: KernelLevel.allCases)
  func aLevelAboveTheMachineIsRefused(_ level: KernelLevel) throws {
    switch KernelLevel.level(named: level.rawValue) {
    case .success(let named):
      #expect(named == level && level <= KernelLevel.supported)
    case .failure(let error):
      #expect(level > KernelLevel.supported)
      #expect(
        error.message.hasSuffix("the highest level here is \(KernelLevel.supported.rawValue)"))
    }
  }
}
