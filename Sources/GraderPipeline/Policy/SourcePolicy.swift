import Foundation
import GraderModel

/// The static source policy scan (SPEC §6): findings for reviewers, and the dangerous ones raise
/// the red flag `security-violation`.
///
/// It reads code only: comments and the text of string literals never match, so a comment that
/// mentions `fork()` costs nothing. It is evidence, not the enforcement: the sandbox stops the
/// actions themselves whatever the source looks like. Rules match uses, not declarations: a
/// candidate's own `func system()` or a member call `pool.connect()` is not a finding, while a
/// call qualified by a system module (`Glibc.system(…)`) is.
public enum SourcePolicy {
    /// Modules a submission may import; anything else is a finding (and, when its clang module
    /// is missing from the prebuilt cache, cannot compile in the sandbox).
    public static let allowedImports: Set<String> = [
        "Challenge", "Foundation", "FoundationEssentials", "Dispatch", "Synchronization", "Glibc", "Swift",
        "_Concurrency", "Observation",
    ]

    struct Rule {
        var id: String
        var dangerous: Bool
        /// Names whose call (`name(`) is a finding.
        var calls: [String] = []
        /// Patterns (ICU regular expressions) matched anywhere in code.
        var patterns: [String] = []
        var message: String
    }

    static let rules: [Rule] = [
        Rule(id: "process-spawn", dangerous: true,
             calls: ["fork", "vfork", "execv", "execve", "execvp", "execvpe", "execl", "execlp", "execle", "system", "popen",
                     "posix_spawn", "posix_spawnp", "Process", "NSTask"],
             patterns: [#"\bProcess\s*\.\s*run\b"#],
             message: "starts a process"),
        Rule(id: "network", dangerous: true,
             calls: ["socket", "connect", "getaddrinfo", "gethostbyname"],
             patterns: [#"\b(URLSession|URLRequest|NWConnection|NWListener|CFSocketCreate\w*|CFStreamCreate\w*)\b"#],
             message: "uses the network"),
        Rule(id: "dynamic-loading", dangerous: true, calls: ["dlopen", "dlmopen", "dlsym", "dlvsym"],
             message: "loads code or looks up symbols at run time"),
        Rule(id: "symbol-linkage", dangerous: true,
             patterns: [#"@_silgen_name\b"#, #"@_cdecl\b"#, #"@_extern\b"#, #"@_section\b"#, #"@_used\b"#],
             message: "binds to symbols by name, bypassing Swift's imports"),
        Rule(id: "process-control", dangerous: true, calls: ["ptrace", "kill", "killpg", "tgkill", "prctl", "setrlimit"],
             message: "signals, traces or reconfigures processes"),
        Rule(id: "process-exit", dangerous: false, calls: ["exit", "_exit", "abort"],
             message: "ends the whole process from library code"),
        // Evidence of reaching into the process beyond the cache: what a forger needs to read the
        // subject runtime's memory or to write on its channel. Findings for reviewers only: the
        // driver never trusts the subject's bytes, so these are not the defence.
        Rule(id: "raw-memory", dangerous: false,
             patterns: [#"\b(?:Unsafe(?:Mutable)?(?:Raw)?(?:Buffer)?Pointer|OpaquePointer)\s*(?:<[^<>()]*>)?\s*\(\s*bitPattern\s*:"#],
             message: "makes a pointer from an integer address (reads or writes raw memory)"),
        // How code can tell where its memory lives, and so whether it runs under ThreadSanitizer
        // (whose allocator puts the heap elsewhere): code that behaves differently there is not
        // seen by the race pass as it runs otherwise (Sandbox/README.md, "Racing only when not
        // watched"). Evidence for the reviewer, who sees what the branch does.
        Rule(id: "address-inspection", dangerous: false,
             patterns: [#"\bunsafeBitCast\s*\([^;\n]*\bto\s*:\s*U?Int(?:64)?\s*\.\s*self"#,
                        #"\bU?Int(?:64)?\s*\(\s*bitPattern\s*:[^\n]*(?:ObjectIdentifier|Unmanaged|toOpaque|Pointer)"#,
                        #"\bObjectIdentifier\s*\([^)\n]*\)\s*\.\s*hashValue"#,
                        #"\.\s*toOpaque\s*\(\s*\)"#],
             message: "turns an object's or a pointer's address into an integer: how code can tell where its memory "
                + "lives, and so whether it runs under ThreadSanitizer"),
        Rule(id: "memory-mapping", dangerous: false,
             calls: ["mmap", "mmap64", "munmap", "mremap", "mprotect", "madvise", "posix_madvise", "process_madvise"],
             message: "maps, unmaps or changes pages of memory directly; a cache has no use for it, and it is how the "
                + "pages of a value could be given back while the value is kept"),
    ]

    /// Calls on a raw file descriptor: reported when the descriptor is one the code did not open
    /// (an integer literal, or any descriptor at all when the code opens none itself).
    static let descriptorCalls = ["read", "write", "pread", "pwrite", "readv", "writev", "send", "recv", "sendmsg", "recvmsg",
                                  "sendto", "recvfrom", "close", "dup", "dup2", "dup3", "fcntl", "ioctl", "lseek", "shutdown",
                                  "fsync", "ftruncate"]
    /// Calls that replace a standard stream: the name, the argument naming the stream, and when the
    /// call's arguments (spaces removed) do replace one.
    static let standardStreamReplacements: [(name: String, position: Int, accepts: @Sendable ([String]) -> Bool)] = [
        ("dup2", 1, { standardStreams.contains($0[1]) }),
        ("dup3", 1, { standardStreams.contains($0[1]) }),
        ("fcntl", 2, { ["F_DUPFD", "F_DUPFD_CLOEXEC"].contains($0[1]) && standardStreams.contains($0[2]) }),
        ("freopen", 2, { ["stdin", "stdout", "stderr"].contains($0[2]) }),
    ]
    static let standardStreams: Set<String> = ["0", "1", "2", "STDIN_FILENO", "STDOUT_FILENO", "STDERR_FILENO",
                                               "fileno(stdin)", "fileno(stdout)", "fileno(stderr)"]

    /// The arguments of the call whose `(` ends just before `start`, split at top-level commas,
    /// without spaces, a module qualifier (`Glibc.`) or an integer conversion (`Int32(…)`); string
    /// literals are kept whole; stops at the closing parenthesis or after 4,000 characters.
    static func topLevelArguments(in code: NSString, from start: Int) -> [String] {
        var arguments: [String] = []
        var current = ""
        var depth = 0
        var inString = false
        var index = start
        func finish() -> [String] { (arguments + [current]).map(normalizedArgument) }
        while index < min(code.length, start + 4000) {
            let unit = code.character(at: index)
            index += 1
            // A surrogate (half of a character outside the basic plane) is never syntax.
            guard let scalar = UnicodeScalar(unit) else { current.append("?"); continue }
            if inString {
                if scalar == "\\" { index += 1 } else if scalar == "\"" { inString = false }
                current.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\"": inString = true
            case "(", "[", "{": depth += 1
            case ")", "]", "}":
                if depth == 0 { return finish() }
                depth -= 1
            case "," where depth == 0:
                arguments.append(current)
                current = ""
                continue
            default: break
            }
            if !CharacterSet.whitespacesAndNewlines.contains(scalar) { current.unicodeScalars.append(scalar) }
        }
        return finish()
    }

    /// `Glibc.STDERR_FILENO` and `Int32(2)` as `STDERR_FILENO` and `2`.
    static func normalizedArgument(_ argument: String) -> String {
        var text = Substring(argument)
        var changed = true
        while changed {
            changed = false
            for module in ["Glibc.", "Foundation.", "Darwin.", "Musl.", "Swift."] where text.hasPrefix(module) {
                text = text.dropFirst(module.count)
                changed = true
            }
            for conversion in ["Int32(", "CInt(", "Int(", "numericCast("] where text.hasPrefix(conversion) && text.hasSuffix(")") {
                text = text.dropFirst(conversion.count).dropLast()
                changed = true
            }
        }
        return String(text)
    }

    /// Calls that give the code descriptors of its own.
    static let descriptorSources = ["open", "openat", "creat", "socket", "socketpair", "pipe", "pipe2", "fileno", "mkstemp",
                                    "memfd_create", "eventfd", "epoll_create", "epoll_create1"]

    static let systemModules = ["Glibc", "Foundation", "Darwin", "Musl", "SwiftGlibc"]
    static let declarationKeywords: Set<String> = ["func", "let", "var", "case", "class", "struct", "enum", "actor",
                                                   "protocol", "typealias", "init", "extension"]

    /// Scans every file; findings in file order, then line order.
    public static func scan(_ files: [SubmittedFile]) -> [PolicyFinding] {
        let texts = files.map { (name: $0.name, text: SwiftSourceText([UInt8]($0.content))) }
        let declared = Set(texts.flatMap { declaredNames(in: String(decoding: $0.text.code, as: UTF8.self)) })
        return texts.flatMap { scan(name: $0.name, text: $0.text, declared: declared) }
    }

    /// Functions and types the submission declares itself: calling its own `kill()` is no finding.
    static func declaredNames(in code: String) -> [String] {
        let nsCode = code as NSString
        return matches(#"\b(?:func|class|struct|enum|actor|typealias|protocol)\s+([A-Za-z_]\w*)"#, in: code)
            .map { nsCode.substring(with: $0.range(at: 1)) }
    }

    static func scan(name: String, text: SwiftSourceText, declared: Set<String>) -> [PolicyFinding] {
        let code = String(decoding: text.code, as: UTF8.self)
        let nsCode = code as NSString
        var findings: [PolicyFinding] = []
        func add(_ rule: String, _ offset: Int, _ message: String, dangerous: Bool) {
            let utf8Offset = nsCode.substring(to: offset).utf8.count
            findings.append(PolicyFinding(rule: rule, file: name, line: text.line(of: utf8Offset), message: message, dangerous: dangerous))
        }
        for rule in rules {
            for call in rule.calls {
                for match in matches(#"(?<![\w$])"# + NSRegularExpression.escapedPattern(for: call) + #"\s*\("#, in: code) {
                    guard isCall(at: match.range.location, in: nsCode, ownNames: declared.contains(call)) else { continue }
                    add(rule.id, match.range.location, "`\(call)(…)` \(rule.message)", dangerous: rule.dangerous)
                }
            }
            // A rule's patterns overlap (`UInt(bitPattern: x.toOpaque())`): one finding per line.
            var linesFound: Set<Int> = []
            for pattern in rule.patterns {
                for match in matches(pattern, in: code) {
                    let line = text.line(of: nsCode.substring(to: match.range.location).utf8.count)
                    guard linesFound.insert(line).inserted else { continue }
                    add(rule.id, match.range.location, "`\(nsCode.substring(with: match.range))` \(rule.message)", dangerous: rule.dangerous)
                }
            }
        }
        for (offset, message) in descriptorFindings(code: code, nsCode: nsCode, declared: declared) {
            add("foreign-descriptor", offset, message, dangerous: false)
        }
        // At the start of a line or after a `;`; attributes may come first, with arguments
        // (`@testable`, `@preconcurrency`, `@_spi(Name)`), and an access level (`internal import`).
        for match in matches(#"(?m)(?:^|;)[ \t]*(?:@\w+(?:[ \t]*\([^)\n]*\))?[ \t]+)*(?:(?:public|package|internal|fileprivate|private|open)[ \t]+)?import[ \t]+(?:(?:typealias|struct|class|enum|protocol|let|var|func)[ \t]+)?([A-Za-z_][\w]*)"#, in: code) {
            let module = nsCode.substring(with: match.range(at: 1))
            if !allowedImports.contains(module) {
                add("import", match.range(at: 1).location,
                    "imports `\(module)`, which submissions may not use (allowed: \(allowedImports.sorted().joined(separator: ", ")))",
                    dangerous: false)
            }
        }
        for literal in text.strings {
            if literal.text == "proc" || literal.text.contains("/proc") || literal.text.hasPrefix("proc/") {
                findings.append(PolicyFinding(rule: "proc-path", file: name, line: literal.line,
                                              message: "names \"\(literal.text.prefix(80))\", a path under /proc (where a process's "
                                                + "memory maps and descriptors are listed); a cache has no use for it",
                                              dangerous: false))
            } else if literal.text.hasPrefix("/") && literal.text.count > 1 {
                findings.append(PolicyFinding(rule: "absolute-path", file: name, line: literal.line,
                                              message: "names the absolute path \"\(literal.text.prefix(80))\"; a solution has no files to touch",
                                              dangerous: false))
            }
        }
        return findings.sorted { ($0.line, $0.rule) < ($1.line, $1.rule) }
    }

    /// Raw descriptor calls on descriptors the code did not open: any, when it opens none itself;
    /// otherwise those whose descriptor argument is an integer literal.
    static func descriptorFindings(code: String, nsCode: NSString, declared: Set<String>) -> [(offset: Int, message: String)] {
        func calls(_ name: String) -> [NSTextCheckingResult] {
            matches(#"(?<![\w$])"# + NSRegularExpression.escapedPattern(for: name) + #"\s*\(\s*([^,()]*)"#, in: code)
                .filter { isCall(at: $0.range.location, in: nsCode, ownNames: declared.contains(name)) }
        }
        let opensItsOwn = descriptorSources.contains { !calls($0).isEmpty }
        var found: [(offset: Int, message: String)] = []
        // Replacing a standard stream: how a process hides what it writes to standard error
        // (where ThreadSanitizer reports), whatever descriptor it puts there.
        for (name, position, accepts) in standardStreamReplacements {
            for match in matches(#"(?<![\w$])"# + name + #"\s*\("#, in: code)
            where isCall(at: match.range.location, in: nsCode, ownNames: declared.contains(name)) {
                let arguments = topLevelArguments(in: nsCode, from: match.range.location + match.range.length)
                guard position < arguments.count, accepts(arguments) else { continue }
                found.append((match.range.location, "`\(name)(…)` replaces a standard stream of the process (`\(arguments[position].prefix(20))`; "
                    + "standard error is where ThreadSanitizer reports races)"))
            }
        }
        for name in descriptorCalls {
            for match in calls(name) where !found.contains(where: { $0.offset == match.range.location }) {
                let argument = nsCode.substring(with: match.range(at: 1)).trimmingCharacters(in: .whitespaces)
                let literal = Int32(argument) != nil
                guard literal || !opensItsOwn else { continue }
                found.append((match.range.location, "`\(name)(\(argument.prefix(20)), …)` works on a descriptor the code did not open"
                    + (literal ? "" : " (it opens none itself)")))
            }
        }
        return found
    }

    /// True unless the name at `location` is declared there (`func system(`), called as a member
    /// of something other than a system module (`pool.connect(`), or, unqualified, is one the
    /// submission declares itself (`ownNames`).
    static func isCall(at location: Int, in code: NSString, ownNames: Bool) -> Bool {
        var index = location - 1
        func skipSpaces() { while index >= 0, let scalar = UnicodeScalar(code.character(at: index)), CharacterSet.whitespacesAndNewlines.contains(scalar) { index -= 1 } }
        func wordBefore() -> String {
            var end = index
            while index >= 0, let scalar = UnicodeScalar(code.character(at: index)),
                  CharacterSet.alphanumerics.contains(scalar) || scalar == "_" { index -= 1 }
            end += 1
            return index + 1 < end ? code.substring(with: NSRange(location: index + 1, length: end - index - 1)) : ""
        }
        skipSpaces()
        guard index >= 0 else { return !ownNames }
        if code.character(at: index) == UInt16(UInt8(ascii: ".")) {
            index -= 1
            skipSpaces()
            return systemModules.contains(wordBefore())
        }
        return !ownNames && !declarationKeywords.contains(wordBefore())
    }

    static func matches(_ pattern: String, in code: String) -> [NSTextCheckingResult] {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        return expression.matches(in: code, range: NSRange(location: 0, length: (code as NSString).length))
    }

    /// The constant text of a source's string literals (split at interpolations).
    static func stringLiterals(in source: Data) -> [String] {
        SwiftSourceText([UInt8](source)).segments
    }

    /// One `security-violation` red flag summarising the dangerous findings, if any.
    public static func redFlag(for findings: [PolicyFinding]) -> RaisedRedFlag? {
        let dangerous = findings.filter(\.dangerous)
        guard !dangerous.isEmpty else { return nil }
        let listed = dangerous.prefix(3).map { "\($0.message) (\($0.file):\($0.line))" }.joined(separator: "; ")
        let more = dangerous.count > 3 ? "; and \(dangerous.count - 3) more" : ""
        return RaisedRedFlag(id: .securityViolation, message: "the source uses a forbidden API: " + listed + more, checks: [])
    }
}
