import Evaluation
import Rendering
import Testing

/// The eval-context plot: one line per method on a log₂ length axis, the window where its
/// length falls, a log perplexity axis only where a method explodes, gaps at non-finite values.
@Suite("Perplexity plot")
struct PerplexityPlotTests {
  static func result(_ method: String, _ factor: Double?, _ length: Int, _ perplexity: Double)
    -> PerplexityResult
  {
    PerplexityResult(
      method: method, factor: factor, length: length, perplexity: perplexity,
      meanNegativeLogLikelihood: 0, scoredTokens: 0, texts: 1, passes: 1, tokensRun: length,
      seconds: 0)
  }

  static func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
  }

  @Test func oneLinePerMethodAndTheWindowBetweenItsLengths() {
    let svg = PerplexityPlot(
      results: [
        Self.result("none", nil, 1024, 12), Self.result("none", nil, 4096, 14),
        Self.result("yarn", 4, 1024, 13), Self.result("yarn", 4, 4096, 13.5),
      ], originalContextLength: 2048, title: "t"
    ).svg
    #expect(Self.occurrences(of: "<polyline ", in: svg) == 2)
    #expect(Self.occurrences(of: "<circle ", in: svg) == 4)
    #expect(svg.contains(">none</text>") && svg.contains(">yarn ×4</text>"))
    // log₂ 1024 = 10 and log₂ 4096 = 12 padded by 6 %: 2048 sits in the middle, at 84 + 280.
    #expect(svg.contains(##"<g id="window"><line x1="364.00" y1="70.00" x2="364.00""##))
    #expect(svg.contains("original window 2048"))
    #expect(svg.contains(">perplexity</text>"))
  }

  @Test func aMethodThatExplodesGetsALogAxis() {
    let svg = PerplexityPlot(
      results: [Self.result("none", nil, 512, 15), Self.result("none", nil, 8192, 900)],
      originalContextLength: 4096, title: "t"
    ).svg
    #expect(svg.contains(">perplexity (log scale)</text>"))
    #expect(svg.contains(">10²</text>"))
  }

  @Test func aNonFinitePerplexityLeavesAGap() {
    let svg = PerplexityPlot(
      results: [
        Self.result("none", nil, 512, 15), Self.result("none", nil, 1024, .infinity),
        Self.result("none", nil, 2048, 16),
      ], originalContextLength: 1024, title: "a < b & c"
    ).svg
    #expect(Self.occurrences(of: "<polyline ", in: svg) == 0)
    #expect(Self.occurrences(of: "<circle ", in: svg) == 2)
    #expect(svg.contains("<title>a &lt; b &amp; c</title>"))
  }
}
