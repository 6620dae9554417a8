#!/usr/bin/env bash
# Builds and runs the fan-out benchmark (issue 16): one hub process, N spokes simulated in this one; prints Markdown.
# Usage: bench/fanout.sh [--spokes 200] [--records 5000] [--publishes 20] [--changes 100]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
exec java -Xmx6g -Dlogback.configurationFile=bench/logback-bench.xml -cp "$cp" dk.spejl.bench.FanoutBench "$@"
