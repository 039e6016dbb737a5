/// Every failure the store reports, each with a message fit for an operator.
///
/// No case carries a secret: token errors name at most the public token id.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The directory that should hold the database file does not exist.
    case directoryMissing(String)
    /// The database was migrated by a newer Drover; these migrations are unknown here.
    case newerSchema(unknownMigrations: [String])
    /// An argument was out of range (the text says which).
    case invalidArgument(String)
    /// No service has this name.
    case serviceNotFound(String)
    /// This version of the service was deployed before with a different spec.
    case serviceVersionConflict(service: String, version: String)
    /// The service already has an unfinished rollout (its id).
    case activeRolloutExists(service: String, rolloutID: String)
    /// No rollout has this id.
    case rolloutNotFound(String)
    /// A stored row could not be decoded (the text says which column).
    case corruptRecord(String)
    /// SQLite or GRDB failed; `code` is SQLite's extended result code.
    case database(code: Int32, message: String)

    /// Another host that is not removed already has this name.
    case duplicateHostName(String)
    /// No host has this id (or, for look-ups by name, this name).
    case hostNotFound(String)
    /// The host was removed; a removed host cannot change state again.
    case hostRemoved(String)

    /// A token string does not have the expected shape; `reason` never quotes the secret.
    case malformedToken(reason: String)
    /// No join token matches (unknown id, or the secret does not match).
    case unknownToken
    /// The join token was revoked.
    case tokenRevoked
    /// The join token expired at this time (Unix milliseconds).
    case tokenExpired(at: Int64)
    /// The join token was already used its maximum number of times.
    case tokenUsedUp(uses: Int)
    /// No join token has this id (for management operations such as revoke).
    case joinTokenNotFound(String)
    /// A join token with this id already exists.
    case duplicateJoinToken(String)

    /// A certificate with this serial or fingerprint was already recorded.
    case duplicateCertificate(serial: String)

    /// No API token matches (unknown id, or the secret does not match).
    case unknownAPIToken
    /// The API token was revoked.
    case apiTokenRevoked
    /// No API token has this id (for management operations such as revoke).
    case apiTokenNotFound(String)
    /// The API token expired at this time (Unix milliseconds).
    case apiTokenExpired(at: Int64)
    /// An active API token already has this name.
    case duplicateAPITokenName(String)
    /// Revoking this token (its id) would leave no active admin token.
    case lastAdminToken(String)

    /// A one-line human message.
    public var description: String {
        switch self {
        case .directoryMissing(let path):
            return "database directory \(path) does not exist (create it with mode 0700 first)"
        case .newerSchema(let unknown):
            return "database schema is newer than this drover understands "
                + "(unknown migrations: \(unknown.joined(separator: ", "))); upgrade drover, the database was left untouched"
        case .invalidArgument(let text):
            return "invalid argument: \(text)"
        case .serviceNotFound(let name):
            return "no service \"\(name)\""
        case .serviceVersionConflict(let service, let version):
            return "version \(version) of \(service) was deployed before with a different spec; give the new spec a new version"
        case .activeRolloutExists(let service, let id):
            return "\(service) already has a rollout in progress (\(id)); wait for it, or pause, abort or roll it back"
        case .rolloutNotFound(let id):
            return "no rollout \(id)"
        case .corruptRecord(let text):
            return "corrupt record in database: \(text)"
        case .database(let code, let message):
            return "database error \(code): \(message)"
        case .duplicateHostName(let name):
            return "a host named \"\(name)\" already exists"
        case .hostNotFound(let key):
            return "no host \"\(key)\""
        case .hostRemoved(let id):
            return "host \(id) was removed and cannot change state"
        case .malformedToken(let reason):
            return "malformed token: \(reason)"
        case .unknownToken:
            return "join token refused: unknown token"
        case .tokenRevoked:
            return "join token refused: revoked"
        case .tokenExpired(let at):
            return "join token refused: expired at \(at) ms since the epoch"
        case .tokenUsedUp(let uses):
            return "join token refused: already used \(uses) time\(uses == 1 ? "" : "s"), no uses left"
        case .joinTokenNotFound(let id):
            return "no join token with id \(id)"
        case .duplicateJoinToken(let id):
            return "a join token with id \(id) already exists"
        case .duplicateCertificate(let serial):
            return "certificate serial \(serial) (or its fingerprint) is already recorded"
        case .unknownAPIToken:
            return "API token refused: unknown token"
        case .apiTokenRevoked:
            return "API token refused: revoked"
        case .apiTokenNotFound(let id):
            return "no API token with id \(id)"
        case .apiTokenExpired(let at):
            return "API token refused: expired at \(at) ms since the epoch"
        case .duplicateAPITokenName(let name):
            return "an active API token is already named \"\(name)\""
        case .lastAdminToken(let id):
            return "API token \(id) is the last active admin token; create another admin token first "
                + "(or revoke it offline with `drover controller api-token revoke`)"
        }
    }
}
