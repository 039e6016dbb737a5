import GRDB

extension StoreError {
    /// Converts any error thrown inside a database access into a ``StoreError``.
    ///
    /// GRDB's messages never include statement arguments (public arguments are off), so no
    /// hash or label value leaks into the text.
    init(mapping error: any Error) {
        switch error {
        case let error as StoreError:
            self = error
        case let error as DatabaseError:
            self = .database(
                code: error.extendedResultCode.rawValue,
                message: error.message ?? "\(error.resultCode)"
            )
        case let error as RowDecodingError:
            self = .corruptRecord("\(error)")
        default:
            self = .corruptRecord("\(error)")
        }
    }
}
