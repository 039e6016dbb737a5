import DroverTLS
import DroverTestSupport
import Foundation
import Testing

@Suite struct PKITests {
    let pki = TestPKI.shared

    @Test func privateKeyPEMRoundTrip() throws {
        let key = try PrivateKey.generateP256()
        let pem = try key.pemString()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let reloaded = try PrivateKey(pem: pem)
        #expect(reloaded.publicKeyDER == key.publicKeyDER)
        #expect(!key.publicKeyDER.isEmpty)
        #expect(throws: PKIError.invalidPEM("no private key found")) { try PrivateKey(pem: "garbage") }
    }

    @Test func certificatePEMAndDERRoundTrip() throws {
        let certificate = pki.serverCertificate
        let fromPEM = try Certificate(pem: try certificate.pemString())
        let fromDER = try Certificate(der: certificate.derBytes)
        #expect(fromPEM == certificate)
        #expect(fromDER.derBytes == certificate.derBytes)
        #expect(fromDER.pin == certificate.pin)
        #expect(throws: PKIError.self) { try Certificate(der: certificate.derBytes + [0]) }
        #expect(throws: PKIError.self) { try Certificate(der: [0x30, 0x03, 0x02, 0x01]) }
    }

    @Test func pemBundleLoadsEveryCertificate() throws {
        let bundle = try Certificate.pemBundle([pki.serverCertificate, pki.ca.certificate])
        let loaded = try Certificate.loadBundle(pem: bundle)
        #expect(loaded == [pki.serverCertificate, pki.ca.certificate])
        #expect(throws: PKIError.self) { try Certificate.loadBundle(pem: "") }
    }

    @Test func caCertificateShape() throws {
        let ca = pki.ca.certificate
        #expect(ca.isCA)
        #expect(ca.subjectCommonName == "Drover Test CA")
        #expect(!pki.serverCertificate.isCA)
        #expect(ca.notAfter > ca.notBefore)
        #expect(pki.serverCertificate.notBefore == pki.now - 86_400)
    }

    @Test func caChoosesSubjectAndNamesNotTheCSR() throws {
        let key = try PrivateKey.generateP256()
        let csr = try CertificateSigningRequest(key: key, commonName: "i-want-to-be-the-controller")
        #expect(csr.requestedCommonName == "i-want-to-be-the-controller")
        let certificate = try pki.ca.sign(
            csr: csr, subjectCommonName: "agent-42", dnsNames: ["agent-42.drover.test"],
            ipAddresses: ["10.1.2.3", "fd00::1"], notBefore: pki.now, notAfter: pki.now + 3_600, usage: .client)
        #expect(certificate.subjectCommonName == "agent-42")
        #expect(certificate.subjectCommonName != csr.requestedCommonName)
        #expect(certificate.dnsNames == ["agent-42.drover.test"])
        #expect(certificate.ipAddresses == ["10.1.2.3", "fd00::1"])
        #expect(certificate.notBefore == pki.now)
        #expect(certificate.notAfter == pki.now + 3_600)
        #expect(!certificate.isCA)
        #expect(certificate.serialHex.count >= 30)  // 128 random bits
        #expect(csr.publicKeyDER == key.publicKeyDER)
    }

    @Test func serialsAreRandom() throws {
        let (_, a) = try pki.issueClient(commonName: "a")
        let (_, b) = try pki.issueClient(commonName: "b")
        #expect(a.serialHex != b.serialHex)
    }

    @Test func csrPEMAndDERRoundTrip() throws {
        let csr = try CertificateSigningRequest(key: try PrivateKey.generateP256(), commonName: "agent-7")
        let fromPEM = try CertificateSigningRequest(pem: try csr.pemString())
        let fromDER = try CertificateSigningRequest(der: csr.derBytes)
        #expect(fromPEM.derBytes == csr.derBytes)
        #expect(fromDER.requestedCommonName == "agent-7")
        try fromDER.verifySignature()
    }

    @Test func tamperedCSRIsRejected() throws {
        let csr = try CertificateSigningRequest(key: try PrivateKey.generateP256(), commonName: "agent-7")
        var der = csr.derBytes
        // Change the requested CN ("agent-7" → "agent-8"): the self-signature no longer matches.
        let marker = Array("agent-7".utf8)
        let index = try #require(der.indices.first { Array(der[$0..<min($0 + marker.count, der.count)]) == marker })
        der[index + marker.count - 1] = UInt8(ascii: "8")
        let tampered = try CertificateSigningRequest(der: der)
        #expect(tampered.requestedCommonName == "agent-8")
        #expect(throws: PKIError.csrSignatureInvalid) { try tampered.verifySignature() }
        #expect(throws: PKIError.csrSignatureInvalid) {
            try pki.ca.sign(csr: tampered, subjectCommonName: "x", notBefore: pki.now, notAfter: pki.now + 60, usage: .client)
        }
    }

    @Test func invalidSigningInputs() throws {
        let csr = try CertificateSigningRequest(key: try PrivateKey.generateP256())
        #expect(throws: PKIError.invalidIPAddress("300.1.1.1")) {
            try pki.ca.sign(csr: csr, subjectCommonName: "x", ipAddresses: ["300.1.1.1"], notBefore: 0, notAfter: 60, usage: .client)
        }
        #expect(throws: PKIError.invalidName("bad name,DNS:evil")) {
            try pki.ca.sign(csr: csr, subjectCommonName: "x", dnsNames: ["bad name,DNS:evil"], notBefore: 0, notAfter: 60, usage: .client)
        }
        #expect(throws: PKIError.invalidValidity(notBefore: 60, notAfter: 60)) {
            try pki.ca.sign(csr: csr, subjectCommonName: "x", notBefore: 60, notAfter: 60, usage: .client)
        }
    }

    @Test func caRoundTripsThroughPEM() throws {
        let ca = try CertificateAuthority(
            certificate: try Certificate(pem: try pki.ca.certificate.pemString()),
            key: try PrivateKey(pem: try pki.ca.key.pemString()))
        #expect(throws: PKIError.self) { try CertificateAuthority(certificate: pki.ca.certificate, key: pki.serverKey) }
        let (_, leaf) = try TestPKI.issue(by: ca, commonName: "agent-9", notBefore: pki.now, notAfter: pki.now + 60)
        #expect(leaf.subjectCommonName == "agent-9")
    }

    @Test func pinFormatAndParsing() throws {
        let pin = pki.ca.certificate.pin
        #expect(pin.hasPrefix("sha256:"))
        #expect(pin.count == 7 + 64)
        let parsed = try CAPin(parsing: "  " + pin.uppercased().replacingOccurrences(of: "SHA256:", with: "sha256:") + "\n")
        #expect(parsed.description == pin)
        #expect(parsed.matches(pki.ca.certificate))
        #expect(!parsed.matches(pki.otherCA.certificate))
        #expect(CAPin(certificate: pki.ca.certificate) == parsed)
    }

    @Test(arguments: [
        "", "sha1:abcd", "sha256:", "sha256:" + String(repeating: "a", count: 63),
        "sha256:" + String(repeating: "a", count: 65), "sha256:" + String(repeating: "g", count: 64),
        String(repeating: "a", count: 64),
    ])
    func pinParseErrors(text: String) {
        #expect(throws: PKIError.self) { try CAPin(parsing: text) }
        do {
            _ = try CAPin(parsing: text)
        } catch {
            guard case .invalidPin(let why) = error else {
                Issue.record("expected invalidPin, got \(error)")
                return
            }
            #expect(!why.isEmpty)
        }
    }

    @Test func fingerprintMatchesOpenSSLCommandLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drover-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cert.pem")
        try pki.serverCertificate.pemString().write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["x509", "-noout", "-fingerprint", "-sha256", "-serial", "-in", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // "sha256 Fingerprint=AB:CD:…" (the label's case varies between OpenSSL versions)
        let fingerprintLine = try #require(output.split(separator: "\n").first { $0.lowercased().contains("fingerprint=") })
        let hex = fingerprintLine.split(separator: "=")[1].replacingOccurrences(of: ":", with: "").lowercased()
        #expect(hex == pki.serverCertificate.sha256Fingerprint)
        let serialLine = try #require(output.split(separator: "\n").first { $0.hasPrefix("serial=") })
        let serial = String(serialLine.dropFirst("serial=".count)).lowercased()
        // Either side may print a leading zero nibble (a random serial starts with 0 one time in 16).
        #expect(serial.drop { $0 == "0" } == pki.serverCertificate.serialHex.drop { $0 == "0" })
    }

    @Test func serverCertificateNames() {
        let certificate = pki.serverCertificate
        #expect(certificate.subjectCommonName == TestPKI.serverName)
        #expect(certificate.dnsNames == [TestPKI.serverName])
        #expect(certificate.ipAddresses == [TestPKI.serverIP])
    }
}
