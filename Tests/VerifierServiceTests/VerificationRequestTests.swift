import DaemonSupport
import NIOCore
import Testing

/// The verify endpoint's one-pass reading of `{"token":"…"}` answers only
/// where Foundation's parser reads the same token, and steps aside for
/// everything else.
@Suite struct VerificationRequestTests {
    static let token = "AC1:6BFOXN*TS0BI$ZD8UHRTHIY6FLB$E9KKM0/ON4/%T4-VJ+W7G6"

    @Test(arguments: [
        #"{"token":"\#(token)"}"#,
        #"{ "token" : "\#(token)" }"#,
        "\n\t{\r\n  \"token\":\n \"\(token)\"\n}\n",
        #"{"token":""}"#,
        #"{"token":"  \#(token)  "}"#,
    ])
    func theCommonBodiesAreReadInOnePassAsTheParserReadsThem(_ body: String) throws {
        let buffer = ByteBuffer(string: body)
        let plain = try #require(VerificationRequest.plainJSONToken(buffer))
        #expect(plain == (try VerificationRequest.parsedJSONToken(buffer)))
    }

    @Test(arguments: [
        #"{"token":"AC1:\/escaped"}"#,           // an escape: the parser unescapes it
        #"{"token":"AC1:\u0041"}"#,
        #"{"token":"校友"}"#,                      // non-ASCII
        "{\"token\":\"AC1:\u{01}\"}",             // a control character: invalid JSON
        #"{"token":"AC1:X","token":"AC1:Y"}"#,    // a second member
        #"{"token":"AC1:X","extra":1}"#,
        #"{"token":5}"#,
        #"{"token":"AC1:X"} x"#,                  // trailing text
        #"{"token":"AC1:X"}}"#,
        #"{"token":"AC1:X""#,                     // unterminated
        #"{"token":"AC1:X"#,
        #"{"tok\u0065n":"AC1:X"}"#,               // the name escaped
        #"["token","AC1:X"]"#,
        "\u{FEFF}{\"token\":\"AC1:X\"}",          // a byte-order mark
        "",
        " ",
    ])
    func everyOtherBodyGoesToTheFullParser(_ body: String) {
        #expect(VerificationRequest.plainJSONToken(ByteBuffer(string: body)) == nil)
    }

    @Test func aByteBufferWithConsumedBytesIsReadFromItsReaderIndex() throws {
        var buffer = ByteBuffer(string: "garbage")
        buffer.writeString(#"{"token":"AC1:X"}"#)
        buffer.moveReaderIndex(forwardBy: 7)
        #expect(VerificationRequest.plainJSONToken(buffer) == "AC1:X")
    }
}
