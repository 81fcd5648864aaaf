import Formats

/// What an edit wrote and how, the same way for `stamp`, `tables` and `meta`: an identical
/// copy, the header alone in place (with an undo), or the whole output written (no undo).
public struct EditResult: Equatable, Sendable {
  /// How the output was written.
  public enum Action: String, Sendable {
    /// Nothing changed; `-o OUT` got a byte-identical copy of the input.
    case copied
    /// Only the header was written, in place, after journaling the old one.
    case headerOnly = "header-only"
    /// The whole output was written (temporary file, fsync, rename): a new file or folder,
    /// or the input replaced with new header room.
    case rewritten
  }

  /// The file or folder written.
  public var path: String
  public var action: Action
  /// Whether the input itself was replaced or edited (`--in-place`).
  public var inPlace: Bool
  /// Why an in-place edit rewrote the whole file (`nil` when it did not, or for `-o`).
  public var reason: String?
  /// Sizes of the file before and after, when the output is one file.
  public var bytesBefore: Int?
  public var bytesAfter: Int?
  /// Header bytes written in place.
  public var headerBytesWritten: Int?
  /// Header room left (in place) or reserved (rewrite) for later in-place edits, when known.
  public var headerRoom: Int?
  /// The file `spindle restore` reverts this edit from; `nil` when there is no undo.
  public var undoPath: String?

  public init(
    path: String, action: Action, inPlace: Bool, reason: String? = nil, bytesBefore: Int? = nil,
    bytesAfter: Int? = nil, headerBytesWritten: Int? = nil, headerRoom: Int? = nil,
    undoPath: String? = nil
  ) {
    self.path = path
    self.action = action
    self.inPlace = inPlace
    self.reason = reason
    self.bytesBefore = bytesBefore
    self.bytesAfter = bytesAfter
    self.headerBytesWritten = headerBytesWritten
    self.headerRoom = headerRoom
    self.undoPath = undoPath
  }

  /// What ``PatchEngine`` did with `plan`.
  public init(_ plan: HeaderPlan, _ outcome: PatchEngine.Outcome) {
    let before = plan.oldHeader.count + plan.dataRange.count
    if outcome.inPlace {
      self.init(
        path: outcome.path, action: .headerOnly, inPlace: true, bytesBefore: before,
        bytesAfter: before, headerBytesWritten: outcome.bytesWritten, headerRoom: plan.roomAfter,
        undoPath: UndoJournal.undoPath(for: outcome.path))
    } else {
      var reason: String?
      if case .rewrite(let why) = plan.strategy { reason = why }
      self.init(
        path: outcome.path, action: .rewritten, inPlace: true, reason: reason,
        bytesBefore: before, bytesAfter: plan.newFileSize, headerRoom: plan.roomAfter)
    }
  }
}
