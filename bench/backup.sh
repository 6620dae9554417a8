#!/usr/bin/env bash
# Builds and runs the backup benchmark (issue 16): a hub of a million records backed up while it publishes, then restored; prints Markdown.
# Usage: bench/backup.sh [--records 1000000] [--changes 10] [--baseline 100]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
exec java -Xmx6g -Dlogback.configurationFile=bench/logback-bench.xml -cp "$cp" dk.spejl.bench.BackupBench "$@"
