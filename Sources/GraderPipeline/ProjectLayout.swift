import Foundation

/// Where the grader finds its challenge material: `Challenges/`, `Graders/`, and the sources of
/// the modules it compiles into every driver and subject (`Wire`, `DriverKit`, `SubjectRuntime`).
///
/// Found from `GRADER_ROOT`, else by walking up from the executable, else from the working
/// directory, to the first folder holding `Challenges/` and `Sources/DriverKit/`.
public struct ProjectLayout: Sendable, Equatable {
    public var root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public var challengesDirectory: URL { root.appendingPathComponent("Challenges") }
    public var gradersDirectory: URL { root.appendingPathComponent("Graders") }
    /// The channel's format, compiled into both sides.
    public var wireDirectory: URL { root.appendingPathComponent("Sources/Wire") }
    /// The subject's runtime (inside the sandbox).
    public var subjectRuntimeDirectory: URL { root.appendingPathComponent("Sources/SubjectRuntime") }
    /// What checks are written with, and the driver's entry point (outside the sandbox).
    public var driverKitDirectory: URL { root.appendingPathComponent("Sources/DriverKit") }
    /// C sources linked into the race pass's subject binaries (ThreadSanitizer annotations).
    public var sanitizerSupportDirectory: URL { root.appendingPathComponent("Sources/HarnessSanitizerSupport") }

    public func challengeDirectory(_ id: String) -> URL { challengesDirectory.appendingPathComponent(id) }
    public func graderDirectory(_ id: String) -> URL { gradersDirectory.appendingPathComponent(id) }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: URL? = Bundle.main.executableURL,
                              workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws -> ProjectLayout {
        if let explicit = environment["GRADER_ROOT"], !explicit.isEmpty {
            let layout = ProjectLayout(root: URL(fileURLWithPath: explicit))
            guard layout.looksValid else { throw LayoutError.invalidRoot(explicit) }
            return layout
        }
        for start in [executable?.deletingLastPathComponent(), workingDirectory].compactMap({ $0 }) {
            var candidate = start.standardizedFileURL
            while true {
                let layout = ProjectLayout(root: candidate)
                if layout.looksValid { return layout }
                let parent = candidate.deletingLastPathComponent()
                if parent.path == candidate.path { break }
                candidate = parent
            }
        }
        throw LayoutError.notFound
    }

    var looksValid: Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: challengesDirectory.path) && manager.fileExists(atPath: driverKitDirectory.path)
    }
}

public enum LayoutError: Error, CustomStringConvertible {
    case invalidRoot(String)
    case notFound

    public var description: String {
        switch self {
        case .invalidRoot(let path): "GRADER_ROOT=\(path) does not hold Challenges/ and Sources/DriverKit/"
        case .notFound: "cannot find the grader's Challenges/ folder; set GRADER_ROOT to the project checkout"
        }
    }
}
