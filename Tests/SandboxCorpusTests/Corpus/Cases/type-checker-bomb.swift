/// One expression the type checker gives up on ("unable to type-check this expression in reasonable time").
func hostileAction(capacity: Int) {
    let x = -(1 + 1) + -(1 + 1) + -(1 + 1) + -(1 + 1) + -(1 + 1) + -(1 + 1) + -(1 + 1) + -(1 + 1) + -(1.0 + 1) * 2 - 3 + 4 * 5 - 6
    _ = x
}
