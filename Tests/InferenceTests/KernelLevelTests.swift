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
    _ mode: NumericMode, flashAttention: Bool, level: KernelLevel
  ) throws -> [UInt32] {
    try KernelLevel.withLevel(level) {
      let checkpoint = try LlamaCheckpoint(path: Repository.fixture("gguf/tiny-llama.gguf"))
      var model = try checkpoint.model(rotary: .llamaCpp, numericMode: mode)
      model.flashAttention = flashAttention
      let vocabulary = model.configuration.vocabularySize
      let tokens: [Int32] = (0..<23).map { Int32(($0 * 7919 + 5) % vocabulary) }
      return try model.logits(tokens: tokens, startPosition: 0, outputs: Array(tokens.indices))
        .joined().map(\.bitPattern)
    }
  }

  @Test(
    "Every level gives the highest level's logits bit for bit",
    arguments: [(NumericMode.exact, false), (.llamaCpp, false), (.llamaCpp, true)])
  func levelsAgree(mode: NumericMode, flashAttention: Bool) throws {
    let reference = try Self.tinyLogits(
      mode, flashAttention: flashAttention, level: KernelLevel.supported)
    #expect(!reference.isEmpty)
    for level in KernelLevel.runnable where level != KernelLevel.supported {
      let logits = try Self.tinyLogits(mode, flashAttention: flashAttention, level: level)
      #expect(logits == reference, "\(level.rawValue) vs \(KernelLevel.supported.rawValue)")
    }
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
