import DroverRollout
import Foundation
import Testing

@Suite("Spec durations")
struct SpecDurationTests {
    @Test(
        "parses Go-style durations",
        arguments: [
            ("10s", 10_000), ("2m", 120_000), ("1h30m", 5_400_000), ("250ms", 250), ("1.5s", 1_500),
            ("0", 0), ("0s", 0), ("1m30s", 90_000), (" 5s ", 5_000), ("1h0m5s", 3_605_000),
        ] as [(String, Int64)])
    func parses(text: String, milliseconds: Int64) {
        #expect(SpecDuration(parsing: text)?.milliseconds == milliseconds)
    }

    @Test("refuses what is not a duration", arguments: ["", "10", "s", "5x", "1.2.3s", "30m1h", "-5s", "1.5ms", ".5s", "5s5s"])
    func refuses(text: String) {
        #expect(SpecDuration(parsing: text) == nil)
    }

    @Test("prints canonically and round-trips through JSON")
    func canonical() throws {
        #expect(SpecDuration.zero.description == "0s")
        #expect(SpecDuration(milliseconds: 5_400_000).description == "1h30m")
        #expect(SpecDuration(milliseconds: 90_500).description == "1m30s500ms")
        let data = try JSONEncoder().encode(SpecDuration.seconds(10))
        #expect(String(decoding: data, as: UTF8.self) == "\"10s\"")
        #expect(try JSONDecoder().decode(SpecDuration.self, from: data) == .seconds(10))
        #expect(try JSONDecoder().decode(SpecDuration.self, from: Data("2500".utf8)).milliseconds == 2_500)
    }
}
