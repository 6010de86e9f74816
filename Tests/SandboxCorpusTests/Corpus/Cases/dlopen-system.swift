import Glibc

func hostileAction(capacity: Int) {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "system") else { return }
    let system = unsafeBitCast(symbol, to: (@convention(c) (UnsafePointer<CChar>) -> Int32).self)
    _ = system("echo pwned > __HOST_MARKER__")
}
