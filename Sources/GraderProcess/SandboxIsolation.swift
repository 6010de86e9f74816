/// The protections the sandbox launcher applied to one process, as its verdict states them.
public struct SandboxIsolation: Sendable, Codable, Equatable {
    /// Namespaces entered: any of `pid`, `mount`, `network`, `ipc`, `uts`.
    public var namespaces: [String]
    /// The process saw only the system, the toolchain, the granted paths and its work directory.
    public var privateRoot: Bool
    /// The process ran as a fresh unprivileged uid with no supplementary groups.
    public var uidSwitched: Bool
    public var seccomp: Bool
    /// `cgroup-v2`, `cgroup-v1` or `poll`.
    public var memory: String
    /// Why something was not applied; empty when everything was.
    public var notes: String

    public init(namespaces: [String], privateRoot: Bool, uidSwitched: Bool, seccomp: Bool, memory: String, notes: String) {
        self.namespaces = namespaces
        self.privateRoot = privateRoot
        self.uidSwitched = uidSwitched
        self.seccomp = seccomp
        self.memory = memory
        self.notes = notes
    }

    /// Every protection SPEC §6 asks for was applied.
    public var complete: Bool {
        Set(["pid", "mount", "network"]).isSubset(of: namespaces) && privateRoot && uidSwitched && seccomp
    }
}
