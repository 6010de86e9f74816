/// The `Challenge` support module for `lru-cache`.
///
/// This challenge needs no support types: the cache is entirely yours. The module exists so that
/// every challenge is built the same way (`import Challenge` works, and is harmless here).
public enum ChallengeInfo {
    public static let id = "lru-cache"
}
