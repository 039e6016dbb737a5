import Testing

@testable import DroverStore

@Suite("SHA-256 (FIPS 180-4 vectors)")
struct SHA256Tests {
    @Test("\"abc\"")
    func abc() {
        #expect(
            Hex.encode(SHA256.hash("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
    }

    @Test("empty message")
    func empty() {
        #expect(
            Hex.encode(SHA256.hash([UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    }

    @Test("448-bit message")
    func twoBlocks() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(
            Hex.encode(SHA256.hash(message.utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    @Test("896-bit message")
    func longerTwoBlocks() {
        let message =
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(
            Hex.encode(SHA256.hash(message.utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        )
    }

    @Test("one million 'a', fed in uneven chunks")
    func millionA() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var remaining = 1_000_000
        while remaining > 0 {
            let count = min(chunk.count, remaining)
            hasher.update(chunk[0..<count])
            remaining -= count
        }
        #expect(
            Hex.encode(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        )
    }

    @Test("55, 56 and 64 byte messages straddle the padding boundary")
    func paddingBoundaries() {
        // Digests cross-checked with `openssl sha256`.
        #expect(
            Hex.encode(SHA256.hash([UInt8](repeating: 0x61, count: 55)))
                == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"
        )
        #expect(
            Hex.encode(SHA256.hash([UInt8](repeating: 0x61, count: 56)))
                == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"
        )
        #expect(
            Hex.encode(SHA256.hash([UInt8](repeating: 0x61, count: 64)))
                == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"
        )
    }

    @Test("SHA256Hasher hashes the UTF-8 bytes to lowercase hex")
    func hasher() {
        #expect(SHA256Hasher().hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("constant-time comparison")
    func constantTimeEquals() {
        #expect(Hex.constantTimeEquals("abcd", "abcd"))
        #expect(!Hex.constantTimeEquals("abcd", "abce"))
        #expect(!Hex.constantTimeEquals("abcd", "abc"))
        #expect(!Hex.constantTimeEquals("", "a"))
        #expect(Hex.constantTimeEquals("", ""))
    }
}
