@_silgen_name("unshare") func c_unshare(_ flags: Int32) -> Int32

func hostileAction(capacity: Int) {
    _ = c_unshare(0x10000000 /* CLONE_NEWUSER */)
}
