import DroverAgent
import Testing

/// The pure parts of the HAProxy router: weight mapping, server names, answer parsing.
struct HAProxyMappingTests {
    @Test func weightsInWholePercentKeepExactRatios() {
        #expect(HAProxyWeights.map([9_000, 1_000]) == [9, 1])
        #expect(HAProxyWeights.map([10_000]) == [1])
        #expect(HAProxyWeights.map([3_000, 7_000, 0]) == [3, 7, 0])
        #expect(HAProxyWeights.map([0, 0]) == [0, 0])
        #expect(HAProxyWeights.map([]) == [])
        // Every whole-percent split of two backends is exact.
        for percent in 1..<100 {
            let mapped = HAProxyWeights.map([percent * 100, (100 - percent) * 100])
            #expect(mapped[0] * (100 - percent) == mapped[1] * percent, "\(percent) %: \(mapped)")
        }
    }

    @Test func finerWeightsAreScaledWithinHalfAPoint() {
        for weights in [[3_333, 6_667], [1_234, 8_766], [2_501, 2_499, 5_000], [17, 4_983, 5_000], [1_001, 8_999]] {
            let mapped = HAProxyWeights.map(weights)
            #expect(mapped.allSatisfy { (1...256).contains($0) }, "\(weights) → \(mapped)")
            #expect(mapped.max() == 256)
            let total = Double(mapped.reduce(0, +))
            for (weight, haproxy) in zip(weights, mapped) {
                let error = abs(Double(haproxy) / total * 100 - Double(weight) / 100)
                #expect(error < 0.5, "\(weights) → \(mapped): \(error) points off")
            }
        }
        // A tiny weight is raised to 1 rather than dropped out of rotation.
        #expect(HAProxyWeights.map([1, 9_999]) == [1, 256])
        #expect(HAProxyWeights.map([9_999, 1, 0]) == [256, 1, 0])
    }

    @Test func serverNamesRoundTripInHAProxysCharset() {
        for (version, id) in [
            ("v1", "web-v1-3fa2-0"), ("1.2.3+build", "sha256:abc/def"), ("ünï", "a b;c"), ("", "x"),
            ("v.1", "drover.v1.x"),
        ] {
            let name = HAProxyServerName(version: version, backendID: id)
            let text = name.description
            #expect(text.hasPrefix("drover."))
            #expect(
                text.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                        || "-_.:".unicodeScalars.contains($0)
                }, "\(text)")
            #expect(HAProxyServerName(text) == name, "\(text)")
        }
        #expect(HAProxyServerName("web1") == nil)
        #expect(HAProxyServerName("drover.v1") == nil)
        #expect(HAProxyServerName("drover.v1.a:zz") == nil)
    }

    @Test func showStatRowsAreReadByColumnName() throws {
        let answer = """
            # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,hrsp_5xx,req_tot,ctime,ttime,mode,check_desc
            web,FRONTEND,,,0,0,9986,0,0,0,0,0,0,,,0,0,,,http,
            web,drover.v1.a,0,0,2,5,,40,1000,2000,,0,,1,2,3,38,1,7,http,"a, quoted"
            web,static1,0,0,0,0,,3,0,0,,0,,0,0,0,3,0,0,http,
            other,drover.v1.b,0,0,0,0,,9,0,0,,0,,0,0,0,9,0,0,http,
            web,BACKEND,0,0,2,5,,43,1000,2000,0,0,,1,2,3,41,1,7,http,

            """
        let rows = try HAProxyStats.servers(inShowStat: answer, backend: "web")
        #expect(rows.map(\.server) == ["drover.v1.a", "static1"])
        let row = rows[0]
        #expect(row.currentSessions == 2 && row.requests == 38 && row.errors == 6 && row.connectionErrors == 1)
        #expect(row.bytesIn == 1000 && row.bytesOut == 2000 && row.averageLatencyMicroseconds == 7_000)
        var tcp = row
        tcp.mode = "tcp"
        #expect(tcp.requests == 40 && tcp.averageLatencyMicroseconds == 1_000)
        #expect(throws: HAProxyError.self) { try HAProxyStats.servers(inShowStat: "Unknown", backend: "web") }
    }
}
