import Foundation

/// Writes outside its work directory: the host's /tmp, the repository, the data directory, the root.
func hostileAction(capacity: Int) {
    for path in ["__HOST_MARKER__", "__REPO__/pwned-__TOKEN__", "__DATA_DIR__/pwned-__TOKEN__", "/pwned-__TOKEN__"] {
        FileManager.default.createFile(atPath: path, contents: Data("pwned".utf8))
    }
}
