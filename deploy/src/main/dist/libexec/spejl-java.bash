# Sourced by bin/spejl-hub and bin/spejl-spoke: runs a Spejl main class on this distribution's jars.
#
# Heap: when JAVA_OPTS sets no heap size, the caller's SPEJL_DEFAULT_HEAP applies (the spoke's is
# -Xms32m -Xmx256m: its replica lives in RocksDB, off the heap). Without it a JVM takes a quarter of
# the machine's memory as its limit and a sixty-fourth as its start, and G1 touches all of the start.
#
# Collector: when JAVA_OPTS names none (-XX:+Use...GC), the caller's SPEJL_DEFAULT_GC applies (the spoke's is
# -XX:+UseParallelGC: on its small heap, G1's write barriers and concurrent work cost more than its short
# pauses save; docs/decisions.md). Two collectors at once would stop the JVM, so one named in JAVA_OPTS wins.
#
# Class archive (CDS): a JVM that starts from an archive of the classes an earlier run loaded skips
# most of its class loading, about two seconds of a spoke's start on a 2-core machine. The first run
# writes the archive as it exits; later runs use it. An archive is named by the JVM, the jars and
# JAVA_OPTS, so an upgrade of any of them makes a new one. One is adopted only once the JVM has mapped
# it, and dropped if its size changes afterwards; a JVM that cannot use an archive starts without it. SPEJL_CDS=off turns this off;
# SPEJL_CDS_DIR says where archives go (default: cds/ in the distribution; nothing is archived when
# that directory cannot be written).
#
# Native memory: RocksDB allocates with the C library's malloc, which gives each thread that calls into it
# an arena of its own, up to eight per core, and keeps what each arena once held. A spoke answering 16
# clients at once came to 542 MB resident that way, 492 MB with two arenas (docs/benchmarks.md, issue 13).
# MALLOC_ARENA_MAX=2 is the default here; a value set in the environment is kept.

spejl_java() {
    local name="$1" main="$2"
    shift 2
    local here java archive key part
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    java="${JAVA:-java}"
    local heap=()
    case " ${JAVA_OPTS:-} " in
        *" -Xmx"* | *" -Xms"* | *" -XX:MaxRAMPercentage"* | *" -XX:InitialRAMPercentage"* | *" -XX:MaxHeapSize"*) ;;
        *) read -r -a heap <<< "${SPEJL_DEFAULT_HEAP:-}" ;;
    esac
    local gc=() given
    read -r -a gc <<< "${SPEJL_DEFAULT_GC:-}"
    read -r -a given <<< "${JAVA_OPTS:-}"
    for part in "${given[@]}"; do
        case "$part" in
            -XX:+Use*GC) gc=() ;;
        esac
    done
    local cds=()
    if [ "${SPEJL_CDS:-on}" != off ]; then
        local dir="${SPEJL_CDS_DIR:-$here/cds}"
        if mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ]; then
            local binary
            binary="$(readlink -f "$(command -v "$java")")"
            key="$( { echo "$binary"; ls -lL --time-style=+%s "$binary" "$(dirname "$binary")/../lib/modules" 2>/dev/null
                      ls -l --time-style=+%s "$here"/lib/*.jar; echo "${heap[*]} ${gc[*]} ${JAVA_OPTS:-}"; } | cksum | cut -d' ' -f1)"
            archive="$dir/spejl-$name-$key.jsa"
            local size_file="$dir/spejl-$name-$key.size"
            # An archive a finished run wrote under its process id becomes the archive once a trial JVM
            # has started from it: a file cut short by a kill during its write crashes any JVM that maps
            # it (SIGBUS, also with -Xshare:auto), so it must never be adopted. A process still running
            # may be writing its own, and is left alone.
            # The trial takes only the options that decide how classes and objects are laid out (heap size,
            # collector, compressed pointers): others, such as a GC log file or a flight recording, would
            # be written over by a JVM that only prints its version.
            local trial=("${heap[@]}" "${gc[@]}") options option
            read -r -a options <<< "${JAVA_OPTS:-}"
            for option in "${options[@]}"; do
                case "$option" in
                    -Xmx* | -Xms* | -XX:MaxHeapSize=* | -XX:MaxRAMPercentage=* | -XX:[+-]Use*) trial+=("$option") ;;
                esac
            done
            for part in "$archive".*; do
                [ -f "$part" ] || continue
                if [ ! -d "/proc/${part##*.}" ]; then
                    if [ ! -f "$archive" ] && ( "$java" -XX:SharedArchiveFile="$part" -Xshare:on -XX:ErrorFile=/dev/null \
                            -XX:-CreateCoredumpOnCrash "${trial[@]}" -cp "$here/lib/*" -version ) >/dev/null 2>&1; then
                        stat -c %s "$part" > "$size_file" 2>/dev/null && mv -f "$part" "$archive" 2>/dev/null
                    else
                        rm -f "$part" 2>/dev/null
                    fi
                fi
            done
            # An adopted archive must still have the size it had when its trial passed: one cut short since
            # (a full disk, a bad copy) would crash every start as a cut-short part would.
            if [ -f "$archive" ] && [ "$(stat -c %s "$archive" 2>/dev/null)" != "$(cat "$size_file" 2>/dev/null)" ]; then
                rm -f "$archive" "$size_file" 2>/dev/null
            fi
            if [ -f "$archive" ]; then
                cds=(-XX:SharedArchiveFile="$archive" -Xlog:cds=off -Dspejl.class_archive=using)
            else
                cds=(-XX:ArchiveClassesAtExit="$archive.$$" -Xlog:cds=off -Dspejl.class_archive=writing)
            fi
        fi
    fi
    export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
    exec "$java" "${cds[@]}" "${heap[@]}" "${gc[@]}" ${JAVA_OPTS:-} -Dspejl.home="$here" -Djava.library.path="$here/lib/native" -cp "$here/lib/*" "$main" "$@"
}
