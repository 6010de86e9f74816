import Foundation
import GraderProcess

/// The Swift compiler the grader compiles with.
public struct Toolchain: Sendable, Equatable {
    public var swiftc: String
    /// First line of `swiftc --version`; part of every cache key.
    public var version: String

    public var binDirectory: String { (swiftc as NSString).deletingLastPathComponent }
    /// The toolchain's C compiler (the race pass's annotations are C).
    public var clang: String { binDirectory + "/clang" }
    /// Symbolizes ThreadSanitizer's raw stack frames after the fact (the run profile cannot spawn it).
    public var symbolizer: String { binDirectory + "/llvm-symbolizer" }
    /// Lists an object file's symbols (the race pass's ``SanitizerInterfaceScan``).
    public var nm: String { binDirectory + "/llvm-nm" }
    /// Demangles the Swift symbols the symbolizer prints.
    public var demangler: String { binDirectory + "/swift-demangle" }
    /// The toolchain's `usr` directory (compiler, runtime libraries, SDK modules).
    public var usrDirectory: String { (binDirectory as NSString).deletingLastPathComponent }
    /// Where the Swift runtime libraries that check binaries load at run time live.
    public var runtimeLibraryDirectory: String { usrDirectory + "/lib/swift/linux" }

    /// `GRADER_SWIFTC`, else `swiftc` on `PATH`, else `/opt/swift/usr/bin/swiftc`.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              runner: any ProcessRunner) async throws -> Toolchain {
        let manager = FileManager.default
        var candidates: [String] = []
        if let explicit = environment["GRADER_SWIFTC"], !explicit.isEmpty { candidates.append(explicit) }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(directory)/swiftc")
        }
        candidates.append("/opt/swift/usr/bin/swiftc")
        guard let swiftc = candidates.first(where: { manager.isExecutableFile(atPath: $0) }) else {
            throw ToolchainError.notFound
        }
        // Not resolving symlinks: swiftc is a link to swift-driver, which picks its mode from its name.
        let resolved = URL(fileURLWithPath: swiftc).standardizedFileURL.path
        let result = try await runner.run(ProcessRequest(
            executable: resolved, arguments: ["--version"], environment: ["PATH": "/usr/bin:/bin"],
            workingDirectory: NSTemporaryDirectory(), profile: .compile,
            limits: ProcessLimits(wallSeconds: 60)))
        let text = String(decoding: result.standardOutput + result.standardError, as: UTF8.self)
        guard result.succeeded, let first = text.split(separator: "\n").first else {
            throw ToolchainError.unusable(resolved, text)
        }
        return Toolchain(swiftc: resolved, version: String(first))
    }
}

public enum ToolchainError: Error, CustomStringConvertible {
    case notFound
    case unusable(String, String)

    public var description: String {
        switch self {
        case .notFound: "no swiftc found: set GRADER_SWIFTC, put swiftc on PATH, or install Swift at /opt/swift"
        case .unusable(let path, let output): "\(path) --version failed: \(output)"
        }
    }
}
