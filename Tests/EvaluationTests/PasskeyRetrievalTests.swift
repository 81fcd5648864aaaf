import Inference
import Models
import TestSupport
import Testing
import Tokenization

@testable import Evaluation

/// The passkey prompt: the source's wording, the longest that fits, the key at its depth; and
/// the answer read as the source reads it.
@Suite("Passkey retrieval")
struct PasskeyRetrievalTests {
  static let model = Repository.fixture("architectures/gguf/llama.gguf")

  @Test func theTextIsTheSourcesWordForWord() {
    #expect(
      PasskeyRetrieval.text(key: 12345, before: 1, after: 2)
        == "There is an important info hidden inside a lot of irrelevant text. Find it and"
        + " memorize them. I will quiz you about the important information there.\n"
        + "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back"
        + " again.\nThe pass key is 12345. Remember it. 12345 is the pass key.\n"
        + "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back"
        + " again. The grass is green. The sky is blue. The sun is yellow. Here we go. There and"
        + " back again.\nWhat is the pass key? The pass key is")
  }

  /// The longest prompt that fits: one more filler would not.
  @Test(arguments: [(0.0, 300), (0.5, 300), (1.0, 300), (0.25, 1000)])
  func thePromptIsTheLongestThatFits(depth: Double, length: Int) throws {
    let retrieval = PasskeyRetrieval(tokenizer: try Tokenizer(path: Self.model))
    let prompt = try #require(retrieval.prompt(key: 54321, depth: depth, length: length))
    #expect(prompt.tokens.count <= length)
    let before = Int((Double(prompt.fillers) * depth).rounded())
    #expect(
      prompt.tokens
        == retrieval.tokenizer.encode(
          PasskeyRetrieval.text(key: 54321, before: before, after: prompt.fillers - before),
          parseSpecialTokens: false))
    let more = Int((Double(prompt.fillers + 1) * depth).rounded())
    let longer = retrieval.tokenizer.encode(
      PasskeyRetrieval.text(key: 54321, before: more, after: prompt.fillers + 1 - more),
      parseSpecialTokens: false)
    #expect(longer.count > length)
  }

  @Test func aLengthBelowTheBarePromptDoesNotFit() throws {
    let retrieval = PasskeyRetrieval(tokenizer: try Tokenizer(path: Self.model))
    #expect(retrieval.prompt(key: 10000, depth: 0.5, length: 20) == nil)
  }

  @Test(
    arguments: [
      (" 48213. Remember", 48213), ("48213", 48213), (" is 4821 3", 4821), ("no digits", nil),
      ("٣٤ then 7", 7),
    ] as [(String, Int?)])
  func theAnswerIsItsFirstNumber(answer: String, number: Int?) {
    #expect(PasskeyRetrieval.firstNumber(in: answer) == number)
  }

  /// Keys and depths come from the seed: the same seed, the same trials.
  @Test func trialsRepeatFromTheSeed() throws {
    let evaluator = ContextEvaluator(
      checkpoint: try ModelCheckpoint(path: Self.model), numericMode: .exact)
    let retrieval = PasskeyRetrieval(tokenizer: try Tokenizer(path: Self.model))
    let first = try evaluator.passkey(
      .none, factor: 4, length: 300, depth: nil, trials: 2, seed: 7, retrieval: retrieval)
    let again = try evaluator.passkey(
      .none, factor: 4, length: 300, depth: nil, trials: 2, seed: 7, retrieval: retrieval)
    #expect(first.trials == 2 && first.correct == again.correct)
    // Progress after each layer of each prompt: two trials on the 2-layer model.
    var shares: [Double] = []
    _ = try evaluator.passkey(
      .none, factor: 4, length: 300, depth: nil, trials: 2, seed: 7, retrieval: retrieval,
      progress: { shares.append($0) })
    #expect(shares == [0.25, 0.5, 0.75, 1])
    #expect(first.accuracy == Double(first.correct) / 2)
    // SplitMix64's published first output for seed 0 (Vigna's splitmix64.c).
    var generator = SplitMix64(seed: 0)
    #expect(generator.next() == 0xe220_a839_7b1d_cdaf)
  }
}
