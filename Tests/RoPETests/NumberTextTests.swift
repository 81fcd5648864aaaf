import Testing

@testable import RoPE

@Suite("Report number text")
struct NumberTextTests {
  /// Table figures keep their trailing zeros, as C's `%#.4g` prints them, without a bare point.
  @Test(arguments: [
    (10.000_7, "10.00"), (13.8043, "13.80"), (455.843_3, "455.8"), (5.945_3, "5.945"),
    (1000, "1000"), (12_345.6, "1.235e+04"), (0.012_3, "0.01230"),
  ])
  func figuresKeepTrailingZeros(value: Double, text: String) {
    #expect(NumberText.figures(value, digits: 4) == text)
  }

  @Test func significantDropsThem() {
    #expect(NumberText.significant(10.000_7, digits: 4) == "10")
  }
}
