import Patching

extension EditResult {
  /// How the edit was written, as every edit command says it after its changes:
  /// `PATH: header only, in place (…); undo: spindle restore PATH (PATH.spindle-undo)` or
  /// `PATH: full rewrite with new header room (why): A → B bytes, …; no undo (…)`.
  var text: String {
    switch action {
    case .copied:
      return "nothing to change: wrote an identical copy to \(path)"
    case .headerOnly:
      return "\(path): header only, in place ("
        + (headerBytesWritten.map { "\(grouped($0)) header bytes written, " } ?? "")
        + "data untouched"
        + (headerRoom.map { ", \(grouped($0)) bytes of header room left" } ?? "")
        + ")"
        + (undoPath.map { "; undo: spindle restore \(path) (\($0))" } ?? "; no undo")
    case .rewritten where inPlace:
      var sizes: [String] = []
      if let bytesBefore, let bytesAfter {
        sizes.append("\(grouped(bytesBefore)) → \(grouped(bytesAfter)) bytes")
      }
      if let headerRoom {
        sizes.append("\(grouped(headerRoom)) bytes of header room reserved")
      }
      return "\(path): full rewrite"
        + (headerRoom == nil ? "" : " with new header room")
        + (reason.map { " (\($0))" } ?? "")
        + (sizes.isEmpty ? "" : ": " + sizes.joined(separator: ", "))
        + "; no undo (a rewrite replaces the file whole; `spindle restore` cannot revert it)"
    case .rewritten:
      return "\(path): written whole"
        + (bytesAfter.map { ", \(grouped($0)) bytes" } ?? "") + "; no undo needed"
        + " (the input is untouched)"
    }
  }
}
