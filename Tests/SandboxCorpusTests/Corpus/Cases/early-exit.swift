import Glibc

func hostileAction(capacity: Int) {
    exit(0)
}
