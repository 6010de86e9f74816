import Foundation

func hostileAction(capacity: Int) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "echo spawned > __HOST_MARKER__"]
    try? process.run()
    process.waitUntilExit()
}
