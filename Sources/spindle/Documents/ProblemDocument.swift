import Formats
import Models
import Patching

/// One problem in a `--json` document (`validate`'s `problems`, `warnings` and
/// `rope_table_problems`, `rope`'s `rope_table_problems`, the `error` of an ``ErrorDocument``):
/// what kind, where (file, byte offset, key or tensor name) and the message.
struct ProblemDocument: Encodable {
  var kind: String
  /// `null` when no file is concerned (a usage error).
  var path: String?
  var offset: Int?
  var name: String?
  var message: String

  init(kind: String, path: String?, offset: Int?, name: String?, message: String) {
    self.kind = kind
    self.path = path
    self.offset = offset
    self.name = name
    self.message = message
  }

  init(_ error: FormatError) {
    kind = error.kind.rawValue
    path = error.path
    offset = error.offset
    name = error.name
    message = error.message
  }

  init(_ problem: PatchError) {
    kind = problem.kind.rawValue
    path = problem.path
    offset = problem.format?.offset
    name = problem.key
    message = problem.message
  }
}
