#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import SubjectRuntime
import Testing

/// What the memory checks rely on: a heavy value's pages are resident while it lives and gone
/// once it is released, and nothing reachable from the value says where they are.
@Suite struct LifetimeTrackerTests {
    static let bytes = 8 << 20

    /// Read page by page (`mincore`) rather than from the resident total, which the other tests
    /// running alongside change at will.
    @Test func aHeavyValuesPagesAreResidentWhileItLivesAndGoneAfter() throws {
        let tracker = LifetimeTracker()
        var value: TrackedValue? = tracker.heavy(7, bytes: Self.bytes)
        let mapping = try #require((value as? HeavyValue).flatMap(HeavyValue.mapping(of:)))
        #expect(mapping.length == Self.bytes)
        #expect(residentPages(mapping) == Self.bytes / pageSize, "every page is resident from the start")
        #expect(value?.payload == 7)
        value = nil
        // Not read back with `mincore`: another test's mapping may take the freed range at once.
        #expect(!HeavyValue.isMapped(serial: mapping.serial), "the pages outlived the value")
        #expect(tracker.createdCount == 1 && tracker.releasedCount == 1)
    }

    /// A cache holding the value could otherwise read the mapping's address with `Mirror` and
    /// unmap the pages while keeping the value: a leak resident memory would not show.
    @Test func reflectionFindsNoAddressInAHeavyValue() {
        let value = LifetimeTracker().heavy(1, bytes: 4096)
        var mirror: Mirror? = Mirror(reflecting: value)
        var seen: [String] = []
        while let current = mirror {
            for child in current.children {
                seen.append("\(child.label ?? "?"): \(type(of: child.value))")
            }
            mirror = current.superclassMirror
        }
        #expect(!seen.isEmpty, "the mirror shows the tracked value's own fields")
        #expect(seen.allSatisfy { !$0.contains("Pointer") && !$0.contains("UInt") }, "\(seen)")
        #expect(seen.allSatisfy { $0.hasPrefix("payload") || $0.hasPrefix("tracker") }, "\(seen)")
    }

    var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    /// How many pages of the range are resident; nil when any of it is not mapped.
    func residentPages(_ mapping: HeavyValue.Mapping) -> Int? {
        var vector = [UInt8](repeating: 0, count: mapping.length / pageSize)
        guard mincore(UnsafeMutableRawPointer(bitPattern: mapping.address), mapping.length, &vector) == 0 else { return nil }
        return vector.count { $0 & 1 == 1 }
    }
}
