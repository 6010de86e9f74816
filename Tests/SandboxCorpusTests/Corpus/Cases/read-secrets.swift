import Foundation

/// Tries to read the grader's database and the hidden reference; anything read would surface in
/// the report through the crash message.
func hostileAction(capacity: Int) {
    for path in ["__DATABASE__", "__GRADERS_FILE__", "/proc/1/environ"] {
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty, path != "/proc/1/environ" {
            fatalError("read \(path): " + String(decoding: data.prefix(4000), as: UTF8.self))
        }
    }
}
