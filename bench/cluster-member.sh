#!/usr/bin/env bash
# bench/cluster-member.sh - what one embedded Hazelcast member (membership only) costs a node:
# start time (class loading included), threads added and heap held after a full GC, each from a
# fresh JVM (RUNS times). Prints one "start_ms threads heap_kib" line per run.
#
# Env: RUNS=3
set -u
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-3}
need java openjdk-17-jre-headless
(cd "$ROOT_DIR" && ./mvnw -q -B -DskipTests install -pl cluster-membership -am \
    && ./mvnw -q -B dependency:build-classpath -pl cluster-membership \
        -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp") >&2 || die "build failed"
CP="$ROOT_DIR/cluster-membership/target/test-classes:$ROOT_DIR/cluster-membership/target/classes:$(cat "$WORK/cp")"
machine_info
echo "# cluster-member.sh: one member, fresh JVM per run (java defaults)"
printf '%-5s %9s %8s %9s\n' run start_ms threads heap_kib
for r in $(seq "$RUNS"); do
    read -r ms threads heap <<<"$(java -cp "$CP" io.sidecache.cluster.MemberFootprint 2>/dev/null | tail -1)"
    printf '%-5s %9s %8s %9s\n' "$r" "$ms" "$threads" "$heap"
done
