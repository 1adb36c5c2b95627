import NIOCore
import Testing

@testable import WebApp

@Suite struct FormFieldsTests {
    @Test func parsingStopsAfterTheFieldLimit() {
        let ok = FormFields(parsing: (1...FormFields.maxFields).map { "f\($0)=v" }.joined(separator: "&"))
        #expect(!ok.tooManyFields)
        #expect(ok["f1"] == "v" && ok["f\(FormFields.maxFields)"] == "v")
        let many = FormFields(parsing: String(repeating: "a&", count: 200_000))
        #expect(many.tooManyFields)
        // Empty pieces ("&&&") are not fields and do not count.
        #expect(FormFields(parsing: String(repeating: "&", count: 10_000) + "x=1")["x"] == "1")
    }

    @Test func clientFaultsAreFourHundreds() {
        #expect(ErrorPageMiddleware.describe(ChannelErrorProbe.closed).0 == .badRequest)
        #expect(ErrorPageMiddleware.describe(CancellationError()).0 == .badRequest)
        struct Unknown: Error {}
        #expect(ErrorPageMiddleware.describe(Unknown()).0 == .internalServerError)
    }
}

enum ChannelErrorProbe { static let closed: any Error = ChannelError.ioOnClosedChannel }
