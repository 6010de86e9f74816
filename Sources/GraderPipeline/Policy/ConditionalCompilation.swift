/// The `#if` branches of a Swift source that are certainly not compiled here: the grader builds
/// submissions on Linux, with no `-D` flags. The source policy scans only what is compiled, so
/// `import UIKit` under `#if canImport(UIKit)` is no finding (the compiler never sees it), nor is a
/// `Process` call under `#if os(macOS)`.
///
/// Only branches the compiler would certainly skip are left out; a condition this cannot decide
/// (`swift(>=5.9)`, `arch(x86_64)`, `hasFeature(…)`) counts as possibly true, so its code is
/// scanned: code hidden from the scan is code the compiler also skips.
enum ConditionalCompilation {
    /// Modules only Apple's platforms have: `canImport` of one is false here.
    static let appleOnlyModules: Set<String> = [
        "UIKit", "AppKit", "Cocoa", "SwiftUI", "Combine", "Darwin", "ObjectiveC", "os", "OSLog", "CoreGraphics", "CoreData",
        "CoreImage", "CoreLocation", "QuartzCore", "Metal", "MetalKit", "WatchKit", "TVUIKit", "MapKit", "AVFoundation",
        "CoreML", "Accelerate", "CryptoKit", "UserNotifications", "CloudKit", "StoreKit", "WebKit", "GameKit", "SpriteKit",
        "SceneKit", "ARKit", "RealityKit", "Network", "AppIntents", "WidgetKit", "Charts", "SwiftData", "Security",
        "SystemConfiguration", "CoreServices", "IOKit",
    ]
    /// Modules a submission's compile has here: `canImport` of one is true.
    static let presentModules: Set<String> = ["Swift", "Foundation", "Dispatch", "Synchronization", "Glibc", "Challenge"]
    static let otherSystems: Set<String> = [
        "macOS", "OSX", "iOS", "tvOS", "watchOS", "visionOS", "xrOS", "Windows", "Android", "FreeBSD", "OpenBSD", "WASI",
        "Cygwin", "PS4", "Haiku",
    ]

    /// Blanks (spaces, line breaks kept) the lines of every certainly inactive branch of `code`,
    /// whose comments and string literals are already blanked.
    static func blankInactiveBranches(_ code: inout [UInt8]) {
        struct Block {
            /// The enclosing code is compiled (as far as is known).
            var parentActive: Bool
            /// A branch before this one was certainly taken.
            var taken = false
            /// This branch is certainly not compiled.
            var inactive = false
        }
        var stack: [Block] = []
        var start = 0
        while start < code.count {
            var end = start
            while end < code.count && code[end] != UInt8(ascii: "\n") { end += 1 }
            let line = String(decoding: code[start..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            let enclosingActive = stack.last.map { $0.parentActive && !$0.inactive } ?? true
            var blankThis = !enclosingActive
            if let condition = directive("#if", in: line) {
                let value = evaluate(condition)
                stack.append(Block(parentActive: enclosingActive, taken: value == true, inactive: value == false))
                blankThis = true
            } else if let condition = directive("#elseif", in: line), !stack.isEmpty {
                let value = evaluate(condition)
                let wasTaken = stack[stack.count - 1].taken
                stack[stack.count - 1].inactive = wasTaken || value == false
                stack[stack.count - 1].taken = wasTaken || value == true
                blankThis = true
            } else if line == "#else" || line.hasPrefix("#else ") || line.hasPrefix("#else\t"), !stack.isEmpty {
                stack[stack.count - 1].inactive = stack[stack.count - 1].taken
                stack[stack.count - 1].taken = true
                blankThis = true
            } else if line.hasPrefix("#endif"), !stack.isEmpty {
                stack.removeLast()
                blankThis = true
            }
            if blankThis {
                for offset in start..<end { code[offset] = UInt8(ascii: " ") }
            }
            start = end + 1
        }
    }

    /// The condition after `keyword` when `line` is that directive.
    static func directive(_ keyword: String, in line: String) -> String? {
        guard line.hasPrefix(keyword) else { return nil }
        let rest = line.dropFirst(keyword.count)
        guard let first = rest.first, first == " " || first == "\t" || first == "(" || first == "!" else { return nil }
        return String(rest)
    }

    /// True or false when the compiler's answer here is certain, nil when it is not.
    static func evaluate(_ condition: String) -> Bool? {
        var parser = Parser(tokens: tokens(of: condition))
        let value = parser.disjunction()
        return parser.atEnd ? value : nil
    }

    enum Token: Equatable {
        case name(String), call(String, String), open, close, not, and, or
    }

    static func tokens(of text: String) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == " " || character == "\t" { index += 1; continue }
            if character == "(" { tokens.append(.open); index += 1; continue }
            if character == ")" { tokens.append(.close); index += 1; continue }
            if character == "!" { tokens.append(.not); index += 1; continue }
            if character == "&", index + 1 < characters.count, characters[index + 1] == "&" { tokens.append(.and); index += 2; continue }
            if character == "|", index + 1 < characters.count, characters[index + 1] == "|" { tokens.append(.or); index += 2; continue }
            guard character.isLetter || character == "_" else { return [] }
            var end = index
            while end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" { end += 1 }
            let name = String(characters[index..<end])
            var after = end
            while after < characters.count, characters[after] == " " { after += 1 }
            if after < characters.count, characters[after] == "(" {
                guard let close = characters[after...].firstIndex(of: ")") else { return [] }
                tokens.append(.call(name, String(characters[(after + 1)..<close]).trimmingCharacters(in: .whitespaces)))
                index = close + 1
            } else {
                tokens.append(.name(name))
                index = end
            }
        }
        return tokens
    }

    struct Parser {
        var tokens: [Token]
        var position = 0
        var atEnd: Bool { position == tokens.count }

        mutating func disjunction() -> Bool? {
            var value = conjunction()
            while position < tokens.count, tokens[position] == .or {
                position += 1
                let right = conjunction()
                value = value == true || right == true ? true : (value == false && right == false ? false : nil)
            }
            return value
        }

        mutating func conjunction() -> Bool? {
            var value = unary()
            while position < tokens.count, tokens[position] == .and {
                position += 1
                let right = unary()
                value = value == false || right == false ? false : (value == true && right == true ? true : nil)
            }
            return value
        }

        mutating func unary() -> Bool? {
            guard position < tokens.count else { return nil }
            switch tokens[position] {
            case .not:
                position += 1
                return unary().map { !$0 }
            case .open:
                position += 1
                let value = disjunction()
                guard position < tokens.count, tokens[position] == .close else { position = tokens.count + 1; return nil }
                position += 1
                return value
            case .name(let name):
                position += 1
                switch name {
                case "true": return true
                case "false": return false
                // A compilation flag: the grader passes none.
                default: return false
                }
            case .call(let name, let argument):
                position += 1
                return ConditionalCompilation.value(of: name, argument)
            case .close, .and, .or:
                position = tokens.count + 1
                return nil
            }
        }
    }

    static func value(of function: String, _ argument: String) -> Bool? {
        switch function {
        case "canImport":
            // `canImport(M, _version: …)` asks for a version this does not know: undecided.
            guard !argument.contains(",") else { return nil }
            let module = argument.trimmingCharacters(in: .whitespaces)
            if appleOnlyModules.contains(module) { return false }
            if presentModules.contains(module) { return true }
            return nil
        case "os":
            if argument == "Linux" { return true }
            return otherSystems.contains(argument) ? false : nil
        case "targetEnvironment":
            return argument == "simulator" || argument == "macCatalyst" ? false : nil
        case "_runtime":
            return argument == "_ObjC" ? false : (argument == "_Native" ? true : nil)
        default:
            return nil
        }
    }
}
