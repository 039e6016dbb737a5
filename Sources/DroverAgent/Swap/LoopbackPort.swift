#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Free TCP ports on 127.0.0.1 for new instances.
public enum LoopbackPort {
    /// A port that was free a moment ago: the kernel's choice when binding port 0.
    ///
    /// - Throws: ``SwapError/notReady(_:)`` naming the system error when no socket can be bound.
    public static func free() throws(SwapError) -> Int {
        // Linux's SOCK_STREAM | SOCK_CLOEXEC, as numbers for the same reason as the address below.
        let descriptor = socket(AF_INET, 1 | 0o2_000_000, 0)
        guard descriptor >= 0 else { throw .notReady("socket(): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        // sockaddr_in spelled as bytes (family in host order, port and address in network
        // order): the C struct's Swift members resolve to NIO's C modules or to Glibc depending
        // on which clang module loads first, which MemberImportVisibility can turn into a build error.
        var address = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: sa_family_t(AF_INET)) { family in
            for (index, byte) in family.enumerated() { address[index] = byte }
        }
        address.replaceSubrange(4..<8, with: [127, 0, 0, 1])
        var length = socklen_t(address.count)
        let bound = address.withUnsafeMutableBytes { raw in
            raw.baseAddress!.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw .notReady("cannot bind a loopback port: \(String(cString: strerror(errno)))") }
        return Int(address[2]) << 8 | Int(address[3])
    }
}
