#!/usr/bin/env bash
# Builds and runs the login benchmark (issue 14): Argon2id at the spoke's parameters, alone and in bursts; prints Markdown.
# Usage: bench/login.sh [--logins N] [--seconds N] [--permits N] [--clients 1,2,8,32]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
exec java -Xmx1g -Dlogback.configurationFile=bench/logback-bench.xml -cp "$cp" dk.spejl.bench.LoginBench "$@"
