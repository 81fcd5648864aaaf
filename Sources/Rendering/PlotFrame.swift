/// The page and plot area every Spindle SVG plot shares (`rope --plot`, `eval-context --plot`):
/// an 880 × 520 page, the plot at (84, 70) sized 560 × 380, the legend to its right.
enum PlotFrame {
  static let width = 880.0
  static let height = 520.0
  static let plotLeft = 84.0
  static let plotTop = 70.0
  static let plotWidth = 560.0
  static let plotHeight = 380.0
  static let legendLeft = 672.0
}
