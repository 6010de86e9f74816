@_silgen_name("system") func c_system(_ command: UnsafePointer<CChar>) -> Int32

func hostileAction(capacity: Int) {
    _ = c_system("echo pwned > __HOST_MARKER__")
}
