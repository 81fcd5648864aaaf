import ArgumentParser

/// `--budget 2m`: a duration as people write it (`90s`, `2m`, `1h30m`, a bare number of
/// seconds), or `none` for no limit.
struct TimeBudget: ExpressibleByArgument, Equatable {
  /// Seconds; `nil` for no limit.
  var seconds: Double?

  init(seconds: Double?) {
    self.seconds = seconds
  }

  init?(argument: String) {
    let text = argument.lowercased()
    if text == "none" || text == "off" {
      seconds = nil
      return
    }
    if let plain = Double(text) {
      guard plain.isFinite, plain > 0 else { return nil }
      seconds = plain
      return
    }
    let units: [Character: Double] = ["h": 3600, "m": 60, "s": 1]
    var total = 0.0
    var number = ""
    for character in text {
      if character.isNumber || character == "." {
        number.append(character)
      } else if let unit = units[character], let value = Double(number) {
        total += value * unit
        number = ""
      } else {
        return nil
      }
    }
    guard number.isEmpty, total.isFinite, total > 0 else { return nil }
    seconds = total
  }

  var defaultValueDescription: String {
    guard let seconds else { return "none" }
    return seconds.truncatingRemainder(dividingBy: 60) == 0
      ? "\(Int(seconds) / 60)m" : "\(seconds)s"
  }
}
