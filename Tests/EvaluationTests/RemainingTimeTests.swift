import Testing

@testable import Evaluation

@Suite("Remaining time of a run")
struct RemainingTimeTests {
  /// The measured steps' seconds per operation times the operations left; saved steps leave
  /// the rate alone.
  @Test func rateOfMeasuredStepsTimesOperationsLeft() {
    var time = RemainingTime(operations: [1, 2, 3, 4])
    #expect(time.estimate == nil)
    time.finishStep(seconds: 2)
    #expect(time.estimate == 18)
    time.finishStep(seconds: nil)
    #expect(time.estimate == 14)
    time.finishStep(seconds: 6)
    #expect(time.estimate == 8)
    time.finishStep(seconds: 1)
    #expect(time.estimate == nil)
  }

  /// Only saved steps so far: no rate, no estimate.
  @Test func noEstimateBeforeAMeasuredStep() {
    var time = RemainingTime(operations: [5, 5])
    time.finishStep(seconds: nil)
    #expect(time.estimate == nil)
  }

  @Test(arguments: [
    (0.4, "0 s"), (40, "40 s"), (59.4, "59 s"), (60, "1 min"), (725, "12 min"),
    (3569, "59 min"), (3570, "1 h 00 min"), (11_100, "3 h 05 min"),
  ])
  func readableText(seconds: Double, text: String) {
    #expect(RemainingTime.text(seconds) == text)
  }
}
