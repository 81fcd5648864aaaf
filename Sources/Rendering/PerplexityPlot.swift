public import Evaluation
import RoPE

#if canImport(Glibc)
import Glibc
#endif

/// The SVG plot of `spindle eval-context --plot`: perplexity against context length, one line
/// per method (and factor), the original window marked by a dashed vertical line.
///
/// Lengths are placed on a log₂ axis (they usually double); perplexity on a log₁₀ axis when
/// its largest value is more than 10 times its smallest (where a method explodes past the
/// window), else on a linear one. Non-finite perplexities leave a gap. A self-contained SVG
/// 1.1 document, the same bytes for the same results.
public struct PerplexityPlot {
  public var results: [PerplexityResult]
  public var originalContextLength: Int
  public var title: String

  public init(results: [PerplexityResult], originalContextLength: Int, title: String) {
    self.results = results
    self.originalContextLength = originalContextLength
    self.title = title
  }

  static let colors = [
    "#4d4d4d", "#c0392b", "#2471a3", "#229954", "#b9770e", "#7d3c98", "#17a589", "#a04000",
  ]

  /// The series in first-met order: label and (length, perplexity) points.
  var series: [(label: String, points: [(Int, Double)])] {
    var series: [(label: String, points: [(Int, Double)])] = []
    for result in results {
      let label = ContextMethod.label(result.method, factor: result.factor)
      if series.last?.label != label { series.append((label, [])) }
      series[series.count - 1].points.append((result.length, result.perplexity))
    }
    return series
  }

  /// Whether the perplexity axis is logarithmic.
  var logarithmic: Bool {
    let values = results.map(\.perplexity).filter { $0.isFinite && $0 > 0 }
    guard let low = values.min(), let high = values.max() else { return false }
    return high > 10 * low
  }

  public var svg: String {
    let n = RoPEFrequencyPlot.n
    let lengths = results.map(\.length) + [originalContextLength]
    let left = log2(Double(lengths.min() ?? 1))
    let right = log2(Double(lengths.max() ?? 2))
    let span = max(right - left, 1)
    let xLow = left - 0.06 * span
    let xHigh = right + 0.06 * span
    func x(_ length: Int) -> Double {
      PlotFrame.plotLeft + (log2(Double(length)) - xLow) / (xHigh - xLow) * PlotFrame.plotWidth
    }
    let logarithmic = self.logarithmic
    func scaled(_ value: Double) -> Double { logarithmic ? log10(value) : value }
    let values = results.map(\.perplexity).filter { $0.isFinite && $0 > 0 }.map(scaled)
    let low = values.min() ?? 0
    let high = values.max() ?? 1
    let pad = 0.08 * max(high - low, logarithmic ? 0.5 : 1)
    let yLow = logarithmic ? low - pad : max(0, low - pad)
    let yHigh = high + pad
    func y(_ value: Double) -> Double {
      PlotFrame.plotTop + (yHigh - scaled(value)) / (yHigh - yLow) * PlotFrame.plotHeight
    }
    let plotRight = PlotFrame.plotLeft + PlotFrame.plotWidth
    let plotBottom = PlotFrame.plotTop + PlotFrame.plotHeight

    var out: [String] = []
    out.append(##"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"##)
    out.append(
      ##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\##(n(PlotFrame.width))""##
        + ##" height="\##(n(PlotFrame.height))" viewBox="0 0 \##(n(PlotFrame.width)) \##(n(PlotFrame.height))""##
        + ##" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"##)
    out.append("  <title>\(RoPEFrequencyPlot.escaped(title))</title>")
    out.append(
      "  <desc>Perplexity against context length, one line per method; the original window"
        + " dashed.</desc>")
    out.append(
      ##"  <rect x="0" y="0" width="\##(n(PlotFrame.width))" height="\##(n(PlotFrame.height))""##
        + ##" fill="#ffffff"/>"##)
    out.append(
      ##"  <text x="\##(n(PlotFrame.width / 2))" y="34" font-size="17" text-anchor="middle""##
        + ##" font-weight="bold">\##(RoPEFrequencyPlot.escaped(title))</text>"##)

    // y axis: decades on a log scale, 5 even steps on a linear one.
    out.append(##"  <g id="y-axis" font-size="12" fill="#222222">"##)
    var ticks: [(Double, String)] = []
    if logarithmic {
      for k in Int(yLow.rounded(.up))...max(Int(yLow.rounded(.up)), Int(yHigh.rounded(.down))) {
        ticks.append((pow(10, Double(k)), RoPEFrequencyPlot.powerOfTen(k)))
      }
    } else {
      for step in 0...5 {
        let value = yLow + (yHigh - yLow) * Double(step) / 5
        ticks.append((value, NumberText.significant(value, digits: 3)))
      }
    }
    for (value, label) in ticks {
      let position = y(value)
      out.append(
        ##"    <line x1="\##(n(PlotFrame.plotLeft))" y1="\##(n(position))" x2="\##(n(plotRight))""##
          + ##" y2="\##(n(position))" stroke="#9a9a9a" stroke-width="0.6""##
          + ##" stroke-dasharray="2 3"/>"##)
      out.append(
        ##"    <text x="\##(n(PlotFrame.plotLeft - 8))" y="\##(n(position + 4))""##
          + ##" text-anchor="end">\##(label)</text>"##)
    }
    let middle = PlotFrame.plotTop + PlotFrame.plotHeight / 2
    out.append(
      ##"    <text x="22" y="\##(n(middle))" font-size="13" text-anchor="middle""##
        + ##" transform="rotate(-90 22 \##(n(middle)))">perplexity"##
        + (logarithmic ? " (log scale)" : "") + "</text>")
    out.append("  </g>")

    // x axis: one tick per length.
    out.append(##"  <g id="x-axis" font-size="12" fill="#222222">"##)
    for length in Set(results.map(\.length)).sorted() {
      let position = x(length)
      out.append(
        ##"    <line x1="\##(n(position))" y1="\##(n(plotBottom))" x2="\##(n(position))""##
          + ##" y2="\##(n(plotBottom + 5))" stroke="#222222" stroke-width="1"/>"##)
      out.append(
        ##"    <text x="\##(n(position))" y="\##(n(plotBottom + 19))""##
          + ##" text-anchor="middle">\##(length)</text>"##)
    }
    out.append(
      ##"    <text x="\##(n(PlotFrame.plotLeft + PlotFrame.plotWidth / 2))" y="\##(n(plotBottom + 42))""##
        + ##" font-size="13" text-anchor="middle">context length (tokens, log scale)</text>"##)
    out.append("  </g>")
    out.append(
      ##"  <rect x="\##(n(PlotFrame.plotLeft))" y="\##(n(PlotFrame.plotTop))" width="\##(n(PlotFrame.plotWidth))""##
        + ##" height="\##(n(PlotFrame.plotHeight))" fill="none" stroke="#222222" stroke-width="1"/>"##
    )

    // The original window.
    let window = x(originalContextLength)
    out.append(
      ##"  <g id="window"><line x1="\##(n(window))" y1="\##(n(PlotFrame.plotTop))" x2="\##(n(window))""##
        + ##" y2="\##(n(plotBottom))" stroke="#7f7f7f" stroke-width="1.4" stroke-dasharray="6 4"/>"##
        + ##"<text x="\##(n(window + 6))" y="\##(n(PlotFrame.plotTop + 16))" font-size="12""##
        + ##" fill="#555555">original window \##(originalContextLength)</text></g>"##)

    // One line per series, with its points; a gap at a non-finite value.
    var legend: [String] = [##"  <g id="legend" font-size="12" fill="#222222">"##]
    for (index, entry) in series.enumerated() {
      let color = Self.colors[index % Self.colors.count]
      var segments: [[String]] = [[]]
      var dots: [String] = []
      for (length, value) in entry.points {
        guard value.isFinite && value > 0 else {
          segments.append([])
          continue
        }
        segments[segments.count - 1].append("\(n(x(length))),\(n(y(value)))")
        dots.append(
          ##"    <circle cx="\##(n(x(length)))" cy="\##(n(y(value)))" r="3"/>"##)
      }
      out.append(##"  <g class="series" stroke="\##(color)" fill="\##(color)">"##)
      for segment in segments where segment.count > 1 {
        out.append(
          ##"    <polyline points="\##(segment.joined(separator: " "))" fill="none""##
            + ##" stroke-width="2"/>"##)
      }
      out.append(contentsOf: dots)
      out.append("  </g>")
      let top = PlotFrame.plotTop + 8 + 22 * Double(index)
      legend.append(
        ##"    <line x1="\##(n(PlotFrame.legendLeft))" y1="\##(n(top))" x2="\##(n(PlotFrame.legendLeft + 28))""##
          + ##" y2="\##(n(top))" stroke="\##(color)" stroke-width="2"/>"##)
      legend.append(
        ##"    <text x="\##(n(PlotFrame.legendLeft + 36))" y="\##(n(top + 4))">"##
          + "\(RoPEFrequencyPlot.escaped(entry.label))</text>")
    }
    legend.append("  </g>")
    out.append(contentsOf: legend)
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }
}
