import Testing
import Tokenization

@Suite("Streaming decoder")
struct TokenStreamDecoderTests {
  @Test("Holds a code point split across pieces until it is complete")
  func splitCodePoint() {
    var stream = TokenStreamDecoder()
    let bytes = Array("a😀b✨".utf8)
    var text = ""
    for byte in bytes { text += stream.append([byte]) }
    text += stream.finish()
    #expect(text == "a😀b✨")
  }

  @Test("Emits nothing for an incomplete sequence, then the whole character")
  func pending() {
    var stream = TokenStreamDecoder()
    #expect(stream.append([0x61, 0xE2, 0x9C]) == "a")
    #expect(stream.append([0xA8]) == "✨")
    #expect(stream.finish() == "")
  }

  @Test("Invalid bytes are replaced at once, an unfinished tail at the end")
  func invalid() {
    var stream = TokenStreamDecoder()
    #expect(stream.append([0xFF, 0x41]) == "\u{FFFD}A")
    #expect(stream.append([0xF0, 0x9F]) == "")
    #expect(stream.finish() == "\u{FFFD}")
  }
}
