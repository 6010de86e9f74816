import Foundation
import GraderProcess

/// Turns ThreadSanitizer's raw `module+offset` frames into function names and source lines, with
/// the toolchain's `llvm-symbolizer` and `swift-demangle`.
///
/// Both read the candidate's binary (its symbol names are the candidate's type names), so both run
/// in the sandbox like every other process that touches candidate bytes. Only modules the grader
/// knows are symbolized: the check binary and the toolchain's runtime libraries, matched by file
/// name; any other module name in the log is left as it was printed.
struct StackSymbolizer: Sendable {
    /// One source-level frame (an address can expand to several when calls were inlined).
    struct Symbol: Sendable, Equatable {
        /// Mangled, as in the binary's symbol table (`$s19CandidateSubmission…`), or `??`.
        var mangledName: String
        /// Demangled and simplified: `LRUCache.put(_:_:)`.
        var function: String
        /// The source file's name (no directory), when line tables have it.
        var file: String?
        var line: Int?
    }

    let toolchain: Toolchain
    let runner: any ProcessRunner
    /// The check binary, known to the log by its file name.
    let binary: URL
    /// Where the tools run (a fresh folder inside it for each).
    let workDirectory: URL

    static let limits = ProcessLimits(wallSeconds: 60, outputBytes: 8 << 20)

    /// Symbols for each frame it could resolve (innermost inlined call first).
    func symbolize(_ frames: Set<ThreadSanitizerLog.Frame>) async throws -> [ThreadSanitizerLog.Frame: [Symbol]] {
        var paths: [String: String] = [:]
        for module in Set(frames.map(\.module)) {
            if let path = knownPath(of: module) { paths[module] = path }
        }
        let ordered = frames.filter { paths[$0.module] != nil }.sorted { ($0.module, $0.offset) < ($1.module, $1.offset) }
        guard !ordered.isEmpty else { return [:] }
        let input = ordered.map { "CODE \"\(paths[$0.module]!)\" 0x\(String($0.offset, radix: 16))\n" }.joined()
        let symbolized = try await run(toolchain.symbolizer, ["--output-style=JSON", "--inlines", "--no-demangle"],
                                       input: input, readable: Array(Set(paths.values)))
        var raw: [[(name: String, file: String?, line: Int?)]] = []
        for line in symbolized.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let symbols = object["Symbol"] as? [[String: Any]] else { continue }
            raw.append(symbols.map { symbol in
                let file = (symbol["FileName"] as? String).flatMap { $0.isEmpty ? nil : ($0 as NSString).lastPathComponent }
                let line = (symbol["Line"] as? Int).flatMap { $0 > 0 ? $0 : nil }
                return (String((symbol["FunctionName"] as? String ?? "??").prefix(2000)), file, line)
            })
        }
        // One output line per input address; anything else means the output cannot be trusted.
        guard raw.count == ordered.count else {
            throw GraderFault.io("llvm-symbolizer answered \(raw.count) of \(ordered.count) addresses")
        }
        let names = Array(Set(raw.flatMap { $0.map(\.name) })).sorted()
        let demangled = try await run(toolchain.demangler, ["--simplified", "--compact"],
                                      input: names.map { $0 + "\n" }.joined(), readable: [])
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var readable: [String: String] = [:]
        for (index, name) in names.enumerated() {
            readable[name] = index < demangled.count && !demangled[index].isEmpty ? String(demangled[index].prefix(300)) : name
        }
        var result: [ThreadSanitizerLog.Frame: [Symbol]] = [:]
        for (frame, symbols) in zip(ordered, raw) {
            result[frame] = symbols.map {
                Symbol(mangledName: $0.name, function: readable[$0.name] ?? $0.name,
                       file: $0.file.map { String($0.prefix(200)) }, line: $0.line)
            }
        }
        return result
    }

    /// The file a module name stands for, if it is one the grader knows.
    func knownPath(of module: String) -> String? {
        if module == binary.lastPathComponent { return binary.path }
        let allowed = module.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._+-".contains($0)) }
        guard allowed, module.hasPrefix("lib"), !module.hasPrefix(".") else { return nil }
        let path = toolchain.runtimeLibraryDirectory + "/" + module
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    private func run(_ tool: String, _ arguments: [String], input: String, readable: [String]) async throws -> String {
        let directory = workDirectory.appendingPathComponent("\((tool as NSString).lastPathComponent)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result: ProcessResult
        do {
            result = try await runner.run(ProcessRequest(
                executable: tool, arguments: arguments,
                environment: ["PATH": "/usr/bin:/bin", "HOME": directory.path, "LANG": "C.UTF-8"],
                workingDirectory: directory.path, standardInput: Array(input.utf8), profile: .compile,
                limits: Self.limits, readablePaths: readable + [toolchain.usrDirectory],
                writableDirectory: directory.path))
        } catch {
            throw GraderFault.launch("\(error)")
        }
        guard result.succeeded else {
            throw GraderFault.io("\((tool as NSString).lastPathComponent) failed: "
                + String(decoding: result.standardError.prefix(600), as: UTF8.self))
        }
        return String(decoding: result.standardOutput, as: UTF8.self)
    }
}
