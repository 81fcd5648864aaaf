import ArgumentParser
import Conversion
import Formats
import Inference
import Models
import Patching
import RoPE
import Tensors
import Tokenization
import Verification

extension ProblemDocument {
  /// Any error a command ends with, read through its `cause` chain: the message is the
  /// outermost error's (what stderr says, without location and kind), the kind and path the
  /// innermost library error's (a ``FormatError`` wrapped by a model or patch error still
  /// says `notFound`), the offset and name the first the chain knows.
  init(failure: any Error, status: ExitCode) {
    let chain = Self.chain(failure).map(Located.init)
    let outer = chain[0]
    let usage = status == .validationFailure && outer.kind == nil
    let source = chain.last { $0.kind != nil && !$0.isSystem } ?? chain.last { $0.kind != nil }
    self.init(
      kind: usage ? "usage" : source?.kind ?? "failure",
      path: source?.path ?? chain.lazy.compactMap(\.path).first,
      offset: chain.lazy.compactMap(\.offset).first,
      name: chain.reversed().lazy.compactMap(\.name).first,
      message: outer.message ?? Spindle.message(for: failure))
  }

  /// `error`, then the error it wraps, and so on.
  private static func chain(_ error: any Error) -> [any Error] {
    var chain = [error]
    while chain.count < 16, let next = cause(of: chain[chain.count - 1]) { chain.append(next) }
    return chain
  }

  private static func cause(of error: any Error) -> (any Error)? {
    switch error {
    case let error as CommandFailure: error.cause
    case let error as FormatError: error.cause
    case let error as PatchError: error.cause
    case let error as ModelError: error.cause
    case let error as VerificationError: error.cause
    case let error as ConversionError: error.cause
    default: nil
    }
  }

  /// What one error of the chain says about itself.
  private struct Located {
    var kind: String?
    var path: String?
    var offset: Int?
    var name: String?
    var message: String?
    var isSystem = false

    init(_ error: any Error) {
      switch error {
      case let error as CommandFailure:
        (path, name, message) = (error.path, error.name, error.description)
      case let error as FormatError:
        (kind, path, offset, name) = (error.kind.rawValue, error.path, error.offset, error.name)
        message = error.message
      case let error as PatchError:
        (kind, path, name, message) = (error.kind.rawValue, error.path, error.key, error.message)
      case let error as ModelError:
        (kind, path, name, message) = (error.kind.rawValue, error.path, error.name, error.message)
      case let error as VerificationError:
        (kind, path, name, message) = (error.kind.rawValue, error.path, error.name, error.message)
      case let error as ConversionError:
        (kind, path, name, message) = (error.kind.rawValue, error.path, error.name, error.message)
      case let error as TokenizerError:
        (kind, name, message) = (error.kind.rawValue, error.name, error.message)
        path = error.path.isEmpty ? nil : error.path
      case let error as InferenceError:
        (kind, name, message) = (error.kind.rawValue, error.name, error.message)
      case let error as SystemError:
        let wrapped = FormatError(error)
        (kind, path, message) = (wrapped.kind.rawValue, wrapped.path, wrapped.message)
        isSystem = true
      case let error as RoPEError:
        kind = "invalidValue"
        message = error.description
      default:
        break
      }
    }
  }
}
