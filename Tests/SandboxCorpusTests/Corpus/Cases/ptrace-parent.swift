import Glibc

@_silgen_name("ptrace") func c_ptrace(_ request: Int32, _ pid: Int32, _ address: UnsafeMutableRawPointer?, _ data: UnsafeMutableRawPointer?) -> Int

func hostileAction(capacity: Int) {
    _ = c_ptrace(16 /* PTRACE_ATTACH */, getppid(), nil, nil)
}
