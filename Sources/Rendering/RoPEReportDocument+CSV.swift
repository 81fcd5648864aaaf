import RoPE

extension RoPEReportDocument {
  /// The CSV column names, in order.
  public static let csvHeader = [
    "i", "wavelength", "context_ratio", "ramp", "class", "original_inv_freq", "inv_freq",
    "frequency_factor",
  ]

  /// A header row and one row per pair, `\n`-terminated, every number the shortest text that
  /// reads back as the exact Double (so a spreadsheet or a test can recompute it).
  public var csv: String {
    var lines = [Self.csvHeader.joined(separator: ",")]
    for pair in report.dimensions {
      lines.append(
        [
          String(pair.pairIndex), NumberText.exact(pair.wavelength),
          NumberText.exact(pair.contextRatio), NumberText.exact(pair.ramp),
          pair.dimensionClass.rawValue, NumberText.exact(pair.originalInverseFrequency),
          NumberText.exact(pair.inverseFrequency), NumberText.exact(Self.frequencyFactor(pair)),
        ].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
