import RoPE

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The SVG plot of `spindle rope --plot`: inverse frequency per pair on a log scale, original
/// `θ_i` dashed and scaled `inv_i` solid, over three shaded bands for the kept, blended and
/// interpolated pairs.
///
/// A self-contained SVG 1.1 document (no scripts, fonts, styles or links from elsewhere).
/// Coordinates are printed with two decimals by the C library, so the same document gives the
/// same bytes on every run. Each band is a `<g class="band band-…">` group, present even when
/// its class is empty; a class that is not contiguous (LongRoPE) gets one rectangle per run.
struct RoPEFrequencyPlot {
  var document: RoPEReportDocument

  static let bandColors: [RoPEDimensionReport.DimensionClass: String] = [
    .kept: "#d8eed2", .blended: "#fbe3bf", .interpolated: "#d5e4f5",
  ]
  static let originalColor = "#4d4d4d"
  static let scaledColor = "#c0392b"

  var svg: String {
    let pairs = document.report.dimensions
    let logs = pairs.flatMap { [log10($0.originalInverseFrequency), log10($0.inverseFrequency)] }
    let smallest = logs.min() ?? -1
    let largest = logs.max() ?? 0
    let padding = 0.06 * max(largest - smallest, 1)
    let bottom = smallest - padding
    let top = largest + padding
    let count = max(pairs.count, 1)
    func x(_ position: Double) -> Double {
      PlotFrame.plotLeft + (position + 0.5) / Double(count) * PlotFrame.plotWidth
    }
    func y(_ value: Double) -> Double {
      PlotFrame.plotTop + (top - log10(value)) / (top - bottom) * PlotFrame.plotHeight
    }
    func yDecade(_ decade: Double) -> Double {
      PlotFrame.plotTop + (top - decade) / (top - bottom) * PlotFrame.plotHeight
    }
    let plotRight = PlotFrame.plotLeft + PlotFrame.plotWidth
    let plotBottom = PlotFrame.plotTop + PlotFrame.plotHeight

    var out: [String] = []
    out.append(##"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"##)
    out.append(
      ##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\##(Self.n(PlotFrame.width))""##
        + ##" height="\##(Self.n(PlotFrame.height))" viewBox="0 0 \##(Self.n(PlotFrame.width))"##
        + ##" \##(Self.n(PlotFrame.height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"##
    )
    out.append("  <title>\(Self.escaped(document.title))</title>")
    out.append(
      "  <desc>Inverse frequency per rotary pair (log scale), original dashed and scaled solid,"
        + " with the kept, blended and interpolated pairs shaded.</desc>")
    out.append(
      ##"  <rect x="0" y="0" width="\##(Self.n(PlotFrame.width))" height="\##(Self.n(PlotFrame.height))""##
        + ##" fill="#ffffff"/>"##)
    out.append(
      ##"  <text x="\##(Self.n(PlotFrame.width / 2))" y="30" font-size="17" text-anchor="middle""##
        + ##" font-weight="bold">\##(Self.escaped(document.title))</text>"##)
    out.append(
      ##"  <text x="\##(Self.n(PlotFrame.width / 2))" y="52" font-size="12" text-anchor="middle""##
        + ##" fill="#444444">\##(Self.escaped(subtitle))</text>"##)

    // Bands: one group per class, one rectangle per run of consecutive pairs.
    out.append(##"  <g id="bands">"##)
    for dimensionClass in RoPEDimensionReport.DimensionClass.allCases {
      let color = Self.bandColors[dimensionClass] ?? "#eeeeee"
      out.append(
        ##"    <g class="band band-\##(dimensionClass.rawValue)" fill="\##(color)">"##)
      for run in runs(of: dimensionClass) {
        let left = x(Double(run.lowerBound) - 0.5)
        let right = x(Double(run.upperBound) + 0.5)
        out.append(
          ##"      <rect x="\##(Self.n(left))" y="\##(Self.n(PlotFrame.plotTop))""##
            + ##" width="\##(Self.n(right - left))" height="\##(Self.n(PlotFrame.plotHeight))"/>"##)
      }
      out.append("    </g>")
    }
    out.append("  </g>")

    // Grid and y ticks at decades.
    let firstDecade = Int(bottom.rounded(.up))
    let lastDecade = Int(top.rounded(.down))
    let decadeStep = max(1, (lastDecade - firstDecade + 10) / 10)
    out.append(##"  <g id="y-axis" font-size="12" fill="#222222">"##)
    for k in stride(from: firstDecade, through: lastDecade, by: decadeStep) {
      let position = yDecade(Double(k))
      out.append(
        ##"    <line x1="\##(Self.n(PlotFrame.plotLeft))" y1="\##(Self.n(position))""##
          + ##" x2="\##(Self.n(plotRight))" y2="\##(Self.n(position))" stroke="#9a9a9a""##
          + ##" stroke-width="0.6" stroke-dasharray="2 3"/>"##)
      out.append(
        ##"    <text x="\##(Self.n(PlotFrame.plotLeft - 8))" y="\##(Self.n(position + 4))""##
          + ##" text-anchor="end">\##(Self.powerOfTen(k))</text>"##)
    }
    out.append(
      ##"    <text x="22" y="\##(Self.n(PlotFrame.plotTop + PlotFrame.plotHeight / 2))" font-size="13""##
        + ##" text-anchor="middle" transform="rotate(-90 22 \##(Self.n(PlotFrame.plotTop + PlotFrame.plotHeight / 2)))">"##
        + "inverse frequency (radians per token, log scale)</text>")
    out.append("  </g>")

    // x ticks at pair indices.
    let step = Self.tickStep(count)
    out.append(##"  <g id="x-axis" font-size="12" fill="#222222">"##)
    for index in stride(from: 0, to: count, by: step) {
      let position = x(Double(index))
      out.append(
        ##"    <line x1="\##(Self.n(position))" y1="\##(Self.n(plotBottom))" x2="\##(Self.n(position))""##
          + ##" y2="\##(Self.n(plotBottom + 5))" stroke="#222222" stroke-width="1"/>"##)
      out.append(
        ##"    <text x="\##(Self.n(position))" y="\##(Self.n(plotBottom + 19))""##
          + ##" text-anchor="middle">\##(index)</text>"##)
    }
    out.append(
      ##"    <text x="\##(Self.n(PlotFrame.plotLeft + PlotFrame.plotWidth / 2))" y="\##(Self.n(plotBottom + 42))""##
        + ##" font-size="13" text-anchor="middle">pair index i (0 … d/2 − 1)</text>"##)
    out.append("  </g>")
    out.append(
      ##"  <rect x="\##(Self.n(PlotFrame.plotLeft))" y="\##(Self.n(PlotFrame.plotTop))""##
        + ##" width="\##(Self.n(PlotFrame.plotWidth))" height="\##(Self.n(PlotFrame.plotHeight))" fill="none""##
        + ##" stroke="#222222" stroke-width="1"/>"##)

    // The two curves.
    let original = pairs.map {
      "\(Self.n(x(Double($0.pairIndex)))),\(Self.n(y($0.originalInverseFrequency)))"
    }
    let scaled = pairs.map {
      "\(Self.n(x(Double($0.pairIndex)))),\(Self.n(y($0.inverseFrequency)))"
    }
    out.append(
      ##"  <polyline class="scaled" points="\##(scaled.joined(separator: " "))" fill="none""##
        + ##" stroke="\##(Self.scaledColor)" stroke-width="2.2"/>"##)
    out.append(
      ##"  <polyline class="original" points="\##(original.joined(separator: " "))" fill="none""##
        + ##" stroke="\##(Self.originalColor)" stroke-width="1.6" stroke-dasharray="6 4"/>"##)
    if pairs.count <= 128 {
      out.append(##"  <g class="scaled-points" fill="\##(Self.scaledColor)">"##)
      for pair in pairs {
        out.append(
          ##"    <circle cx="\##(Self.n(x(Double(pair.pairIndex))))""##
            + ##" cy="\##(Self.n(y(pair.inverseFrequency)))" r="2.6"/>"##)
      }
      out.append("  </g>")
    }

    out.append(contentsOf: legend)
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  private var subtitle: String {
    let configuration = document.configuration
    var parts = [
      "d = \(configuration.rotaryDimension)", "θ = \(NumberText.compact(configuration.base))",
      "L = \(configuration.originalContextLength)",
      "s = \(NumberText.compact(document.report.factor))",
      "attention factor \(NumberText.compact(document.report.attentionFactor))",
    ]
    if let range = document.report.correctionRange {
      parts.append(
        "ramp from pair \(NumberText.compact(range.low)) to \(NumberText.compact(range.high))")
    }
    return parts.joined(separator: ", ")
  }

  private var legend: [String] {
    let left = PlotFrame.legendLeft
    var out = [##"  <g id="legend" font-size="12" fill="#222222">"##]
    var top = PlotFrame.plotTop + 8
    out.append(
      ##"    <line x1="\##(Self.n(left))" y1="\##(Self.n(top))" x2="\##(Self.n(left + 28))""##
        + ##" y2="\##(Self.n(top))" stroke="\##(Self.originalColor)" stroke-width="1.6""##
        + ##" stroke-dasharray="6 4"/>"##)
    out.append(
      ##"    <text x="\##(Self.n(left + 36))" y="\##(Self.n(top + 4))">original θ_i</text>"##)
    top += 22
    out.append(
      ##"    <line x1="\##(Self.n(left))" y1="\##(Self.n(top))" x2="\##(Self.n(left + 28))""##
        + ##" y2="\##(Self.n(top))" stroke="\##(Self.scaledColor)" stroke-width="2.2"/>"##)
    out.append(
      ##"    <text x="\##(Self.n(left + 36))" y="\##(Self.n(top + 4))">scaled inv_freq</text>"##)
    for (dimensionClass, count) in document.classCounts {
      top += 26
      let color = Self.bandColors[dimensionClass] ?? "#eeeeee"
      out.append(
        ##"    <rect x="\##(Self.n(left))" y="\##(Self.n(top - 8))" width="28" height="16""##
          + ##" fill="\##(color)" stroke="#9a9a9a" stroke-width="0.6"/>"##)
      out.append(
        ##"    <text x="\##(Self.n(left + 36))" y="\##(Self.n(top + 4))">"##
          + "\(dimensionClass.rawValue) (\(count) pair\(count == 1 ? "" : "s"))</text>")
    }
    out.append("  </g>")
    return out
  }

  /// The runs of consecutive pair indices of one class.
  private func runs(of dimensionClass: RoPEDimensionReport.DimensionClass) -> [ClosedRange<Int>] {
    var result: [ClosedRange<Int>] = []
    for pair in document.report.dimensions where pair.dimensionClass == dimensionClass {
      if let last = result.last, last.upperBound == pair.pairIndex - 1 {
        result[result.count - 1] = last.lowerBound...pair.pairIndex
      } else {
        result.append(pair.pairIndex...pair.pairIndex)
      }
    }
    return result
  }

  /// A tick step from 1, 2, 5, 10, 20, 50, … giving at most 16 ticks.
  private static func tickStep(_ count: Int) -> Int {
    var magnitude = 1
    while true {
      for multiple in [1, 2, 5] where count <= 16 * multiple * magnitude {
        return multiple * magnitude
      }
      magnitude *= 10
    }
  }

  /// `10⁻³` with Unicode superscripts.
  static func powerOfTen(_ exponent: Int) -> String {
    let superscripts: [Character: Character] = [
      "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
      "9": "⁹", "-": "⁻",
    ]
    return "10" + String(String(exponent).compactMap { superscripts[$0] })
  }

  /// A coordinate with two decimals.
  static func n(_ value: Double) -> String { NumberText.fixed(value, decimals: 2) }

  /// Text with the XML special characters escaped.
  static func escaped(_ text: String) -> String {
    var result = ""
    for character in text {
      switch character {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      default: result.append(character)
      }
    }
    return result
  }
}

extension RoPEReportDocument {
  /// The plot of ``RoPEFrequencyPlot`` as SVG 1.1 text: inverse frequency per pair on a log
  /// scale, original vs scaled, over the kept / blended / interpolated bands.
  public var svg: String { RoPEFrequencyPlot(document: self).svg }
}
