/// A response body the server streams from a file in chunks (``FileChunkReader``) instead of
/// holding it in memory.
public struct APIFileBody: Sendable, Equatable {
    /// The file.
    public var path: String
    /// Bytes to send (`Content-Length`), as the file had when the answer was made.
    public var size: Int64

    /// A body of the first `size` bytes of `path`.
    public init(path: String, size: Int64) {
        self.path = path
        self.size = size
    }
}
