/// Collects what a reader finds: problems that stop reading unless forced, and warnings.
///
/// Type errors and missing keys always throw (there is no value to go on with); semantic
/// problems (a factor below 1, betas out of order, lengths that disagree) throw unless `force`,
/// in which case they become warnings.
struct ValidationLog {
  var force: Bool
  var warnings: [String] = []

  init(force: Bool) {
    self.force = force
  }

  /// Throws `error`, or records it as a warning under `force`.
  mutating func reject(_ error: PatchError) throws(PatchError) {
    guard force else { throw error }
    warnings.append("\(error.message) (proceeding: --force)")
  }

  mutating func warn(_ message: String) {
    warnings.append(message)
  }
}
