#!/usr/bin/env bash
# Grades the reference and every known-bad variant N times each (default 20, the SPEC §9 bar) and
# fails on any deviation from the expected outcome. Slow: minutes per run; not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
scripts/bootstrap.sh --build-tests
command -v swift >/dev/null 2>&1 || export PATH=/opt/swift/usr/bin:$PATH
GRADER_E2E_RUNS=$runs swift test --skip-build --filter GradingFidelityTests
