#!/usr/bin/env bash
# Runs a main class of one of the Java projects under clients/java, building it first if it
# was never built (needs JDK 17 and Maven):
#   scripts/java-run.sh PROJECT MAIN_CLASS [ARGS...]
# e.g. scripts/java-run.sh dubbo com.example.dubbo.Consumer --version 2.0.0 127.0.0.1:20881 add 2 40
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: scripts/java-run.sh PROJECT MAIN_CLASS [ARGS...]   (PROJECT: a folder of clients/java)" >&2
  exit 2
fi
dir="$(cd "$(dirname "$0")/../clients/java/$1" && pwd)"
main="$2"
shift 2
if [ ! -f "$dir/target/classpath.txt" ] || [ ! -d "$dir/target/classes" ]; then
  echo "building clients/java/$(basename "$dir") (first run only)..." >&2
  (cd "$dir" && mvn -q -B package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt >&2)
fi
# JDK 17 keeps java.base closed to reflection; the Hessian serializers need it opened.
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.math=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
  -cp "$dir/target/classes:$(cat "$dir/target/classpath.txt")" "$main" "$@"
