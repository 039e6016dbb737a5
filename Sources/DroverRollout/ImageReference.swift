/// Syntax checks for container image references and DNS labels, after the rules of
/// the distribution reference grammar (`[host[:port]/]path[:tag][@digest]`) and RFC 1123.
enum ImageReference {
    /// Why `name` is not a DNS label, or `nil` when it is one.
    static func dnsLabelProblem(_ name: String) -> String? {
        if name.isEmpty || name.count > 63 {
            return "must be 1 to 63 characters, got \(name.count)"
        }
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
        guard allowed, name.first?.isLowercase == true, name.last != "-" else {
            return "must be a DNS label: lowercase letters, digits and -, starting with a letter and not ending with -, got \"\(name)\""
        }
        return nil
    }

    /// Why `reference` is not a valid image reference, or `nil` when it is one.
    static func problem(_ reference: String) -> String? {
        let invalid = "is not a valid image reference like registry.example:5000/team/web:v1, got \"\(reference)\""
        guard !reference.isEmpty, reference.count <= 255 else { return invalid }
        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") {
            guard isDigest(rest[rest.index(after: at)...]) else {
                return "has a malformed digest; expected @sha256: and 64 hex digits, got \"\(reference)\""
            }
            rest = rest[..<at]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard var last = components.popLast() else { return invalid }
        if let colon = last.firstIndex(of: ":") {
            let tag = last[last.index(after: colon)...]
            guard isTag(tag) else {
                return "has an invalid tag \"\(tag)\": letters, digits, _, . and -, at most 128, not starting with . or -"
            }
            last = last[..<colon]
        }
        components.append(last)
        // The first component is a registry host when it looks like one (Docker's own rule).
        if components.count > 1, let first = components.first,
            first.contains(".") || first.contains(":") || first == "localhost"
        {
            guard isHost(first) else { return invalid }
            components.removeFirst()
        }
        guard components.allSatisfy(isPathComponent) else {
            return "has an invalid repository path: lowercase letters and digits separated by ., _, __ or -, got \"\(reference)\""
        }
        return nil
    }

    /// The tag of a valid `reference` (`web:v2` → `v2`), `nil` when it has none.
    static func tag(of reference: String) -> String? {
        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") { rest = rest[..<at] }
        let last = rest.split(separator: "/", omittingEmptySubsequences: false).last ?? rest
        guard let colon = last.firstIndex(of: ":") else { return nil }
        let tag = last[last.index(after: colon)...]
        return isTag(tag) ? String(tag) : nil
    }

    private static func isDigest(_ text: Substring) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.dropFirst("sha256:".count)
        return hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func isTag(_ tag: Substring) -> Bool {
        guard let first = tag.first, tag.count <= 128, first != ".", first != "-" else { return false }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    private static func isHost(_ host: Substring) -> Bool {
        let parts = host.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.first, !name.isEmpty else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65_535).contains(port) else { return false }
        }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// `[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*`
    private static func isPathComponent(_ component: Substring) -> Bool {
        guard let first = component.first, let last = component.last,
            isLowerAlnum(first), isLowerAlnum(last)
        else { return false }
        var separatorRun = ""
        for character in component.dropFirst() {
            if isLowerAlnum(character) {
                let allowedRun = ["", ".", "_", "__"].contains(separatorRun) || separatorRun.allSatisfy { $0 == "-" }
                guard allowedRun else { return false }
                separatorRun = ""
            } else if "._-".contains(character) {
                separatorRun.append(character)
            } else {
                return false
            }
        }
        return true
    }

    private static func isLowerAlnum(_ character: Character) -> Bool {
        character.isASCII && (character.isLowercase || character.isNumber)
    }
}
