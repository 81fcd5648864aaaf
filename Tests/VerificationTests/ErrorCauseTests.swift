import Formats
import Models
import Patching
import Tensors
import TestSupport
import Testing
import Verification

#if canImport(Glibc)
import Glibc
#endif

/// An error that wraps another keeps it whole (`cause`): the file error behind a patch or
/// verification error, the system call and `errno` behind a file error.
@Suite("Errors keep their cause")
struct ErrorCauseTests {
  /// The kind comes from the named `errno` values, and the system error stays reachable.
  @Test(arguments: [
    (ENOENT, FormatError.Kind.notFound), (ENOSPC, .noSpace), (EDQUOT, .noSpace),
    (EACCES, .readOnly), (EROFS, .readOnly), (EIO, .io), (EISDIR, .io),
  ])
  func systemErrorKinds(code: Int32, kind: FormatError.Kind) throws {
    let system = SystemError(operation: "open", path: "/x/y.gguf", code: code)
    let error = FormatError(system)
    #expect(error.kind == kind)
    #expect(error.path == "/x/y.gguf")
    #expect(error.message == "open failed: \(system.reason)")
    let cause = try #require(error.cause as? SystemError)
    #expect(cause == system)
  }

  @Test func equalityIgnoresTheCause() {
    let system = SystemError(operation: "pwrite", path: "a", code: EIO)
    #expect(FormatError(system) == FormatError(.io, path: "a", "pwrite failed: \(system.reason)"))
    #expect(FormatError(system) != FormatError(.io, path: "a", "something else"))
  }

  /// A reader that fails in a system call: the chain ends in the `open` that failed.
  @Test func readerErrorKeepsTheSystemCall() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/missing.gguf"
    #expect {
      _ = try GGUFFile(path: path)
    } throws: { error in
      guard let error = error as? FormatError, let cause = error.cause as? SystemError else {
        return false
      }
      return error.kind == .notFound && cause.isNotFound && cause.path == path
        && cause.operation == "open"
    }
  }

  /// `PatchError` keeps the file error, which keeps its own cause.
  @Test func patchErrorKeepsTheFileError() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/missing.gguf"
    #expect {
      _ = try HeaderPlan(path: path, edits: [.delete(key: "general.name")])
    } throws: { error in
      guard let error = error as? PatchError, let cause = error.cause as? FormatError else {
        return false
      }
      return error.kind == .format && cause.kind == .notFound && cause.path == path
        && error.format == cause
    }
  }

  /// The loader's `ModelError` keeps the file error behind a model that cannot be loaded, and
  /// `VerificationError` keeps the `ModelError`.
  @Test func verificationErrorKeepsTheFileError() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/missing.gguf"
    #expect {
      _ = try LlamaCheckpoint(path: path)
    } throws: { error in
      guard let error = error as? ModelError, let cause = error.cause as? FormatError
      else { return false }
      let wrapped = VerificationError(error)
      return error.kind == .format && cause.kind == .notFound && error.message == cause.message
        && (wrapped.cause as? ModelError) == error
    }
  }

  /// The wrapping initializers keep what they wrap.
  @Test func wrappersKeepTheirInput() throws {
    let format = FormatError(.truncated, path: "m.gguf", offset: 24, name: "general.name", "cut")
    let patch = PatchError(format)
    #expect(patch.cause as? FormatError == format)
    let verification = VerificationError(patch)
    let kept = try #require(verification.cause as? PatchError)
    #expect(kept == patch)
    #expect((kept.cause as? FormatError)?.offset == 24)
    #expect((VerificationError(format).cause as? FormatError) == format)
  }
}
