import Testing

@testable import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// `SPINDLE_FAULT`'s grammar: the rules it reads and the messages for what it cannot.
@Suite("SPINDLE_FAULT parsing")
struct FaultInjectionParsingTests {
  @Test func rulesAndPause() throws {
    let parsed = try FaultInjection.parse("write:ENOSPC@4096,open:EACCES,fsync:EIO@1,slow:250")
      .get()
    #expect(parsed.rules.map(\.call) == [.write, .open, .fsync])
    #expect(parsed.rules.map(\.code) == [ENOSPC, EACCES, EIO])
    #expect(parsed.rules.map(\.allowance) == [4096, 0, 1])
    #expect(parsed.pause == 250)
  }

  @Test(arguments: [
    (
      "read:EIO",
      "rule 'read:EIO' should be CALL:ERRNO[@N] or slow:MICROS, CALL one of write, open, fsync, rename"
    ),
    (
      "write:ENOPE",
      "unknown error 'ENOPE', expected one of EACCES, EDQUOT, EIO, ENOSPC, EPERM, EROFS, EXDEV"
    ),
    ("write:ENOSPC@-1", "'@-1' should be a count ≥ 0"),
    ("slow:fast", "'slow:fast' should be slow:MICROSECONDS"),
  ])
  func mistakesAreNamed(text: String, message: String) {
    switch FaultInjection.parse(text) {
    case .success: Issue.record("\(text) parsed")
    case .failure(let problem): #expect(problem.message == message)
    }
  }
}
