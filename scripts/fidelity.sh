#!/usr/bin/env bash
# Grades every challenge's reference, correct alternatives and known-bad variants N times each
# (default 20, the SPEC §9 bar) and fails on any deviation from the expected outcome. Slow: an
# hour or more for all three challenges; not part of scripts/test.sh.
#   scripts/fidelity.sh [runs] [challenge…]     e.g. scripts/fidelity.sh 20 reserve-seat webhook-idempotency
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
shift || true
challenges=$(IFS=,; echo "$*")
scripts/bootstrap.sh --build-tests
command -v swift >/dev/null 2>&1 || export PATH=/opt/swift/usr/bin:$PATH
GRADER_E2E_RUNS=$runs GRADER_E2E_CHALLENGES=$challenges swift test --skip-build --filter GradingFidelityTests
