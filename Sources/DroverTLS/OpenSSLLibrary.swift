import COpenSSL

/// Facts about the OpenSSL library this process is linked against.
public enum OpenSSLLibrary {
    /// The runtime version string, e.g. "OpenSSL 3.0.19 27 Jan 2026".
    public static var versionString: String {
        guard let cString = OpenSSL_version(OPENSSL_VERSION) else { return "OpenSSL (unknown)" }
        return String(cString: cString)
    }

    /// The runtime version number (0xMNN00PP0L).
    public static var versionNumber: UInt {
        UInt(OpenSSL_version_num())
    }
}
