import Formats
import Models
import Patching

/// One problem in a `--json` document (`validate`'s `problems` and `rope_table_problems`):
/// what kind, where (file, byte offset, key or tensor name) and the message.
struct ProblemDocument: Encodable {
  var kind: String
  var path: String
  var offset: Int?
  var name: String?
  var message: String

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
