/// Random, URL-safe identifiers with a readable prefix: `sub_…` (submission), `grd_…` (grading).
public enum Identifier {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    /// `prefix_` followed by 20 base-32 characters (100 random bits).
    public static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<20).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        return prefix + "_" + String(body)
    }

    /// Whether `text` could be an identifier (used to reject hostile ids before any lookup).
    public static func isWellFormed(_ text: String) -> Bool {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        return parts.count == 2 && (1...8).contains(parts[0].count) && parts[0].allSatisfy { $0.isASCII && $0.isLowercase }
            && parts[1].count == 20 && parts[1].allSatisfy { alphabet.contains($0) }
    }
}
