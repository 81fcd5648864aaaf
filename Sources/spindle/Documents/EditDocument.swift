import Patching

/// `spindle stamp|tables|meta|rewrite|restore --json`: what the command did to which file.
///
/// `action` is `copied` (nothing to change; `-o` got an identical copy), `header-only` (the
/// header rewritten in place, with an undo), `rewritten` (the whole output written: a new file,
/// or the input replaced), `restored`, `dry-run` (nothing written) or `unchanged` (nothing to
/// change and nowhere to copy it).
struct EditDocument: Encodable {
  enum Action: String, Encodable {
    case copied
    case headerOnly = "header-only"
    case rewritten
    case restored
    case dryRun = "dry-run"
    case unchanged
  }

  var command: String
  /// The input as given.
  var path: String
  /// The file or folder written; `null` when nothing was written.
  var output: String?
  var action: Action
  var inPlace: Bool
  /// One line per change (key, tensor or restored header), as the text output prints them.
  var changes: [String]
  /// Why an in-place edit rewrote the whole file.
  var reason: String?
  var bytesBefore: Int?
  var bytesAfter: Int?
  /// Header room left or reserved for later in-place edits.
  var headerRoom: Int?
  /// The file `spindle restore` undoes the edit from; `null` when there is no undo.
  var undo: String?
  var warnings: [String]

  init(command: String, path: String, action: Action, changes: [String], warnings: [String] = []) {
    self.command = command
    self.path = path
    self.action = action
    self.inPlace = false
    self.changes = changes
    self.warnings = warnings
  }

  /// The document after `result` was written.
  init(
    command: String, path: String, result: EditResult, changes: [String],
    warnings: [String] = []
  ) {
    self.init(
      command: command, path: path, action: Action(result.action), changes: changes,
      warnings: warnings)
    output = result.path
    inPlace = result.inPlace
    reason = result.reason
    bytesBefore = result.bytesBefore
    bytesAfter = result.bytesAfter
    headerRoom = result.headerRoom
    undo = result.undoPath
  }
}

extension EditDocument.Action {
  init(_ action: EditResult.Action) {
    switch action {
    case .copied: self = .copied
    case .headerOnly: self = .headerOnly
    case .rewritten: self = .rewritten
    }
  }
}
