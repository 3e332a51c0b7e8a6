# Sourced by Benchmarks/run and Benchmarks/compare-verifiers, in the
# Benchmarks directory with $root the project's: the release daemons they
# load with wrk, and wrk's summary as one line. Each start_* leaves the
# daemon's pid in $!.

# A release issuer on PORT serving the cards `alumnicard-bench issuer-seed`
# wrote to WORK/data; its log is WORK/issuer.log.
start_issuer() { # work, port
    "$root/.build/release/alumnicard" serve --config "$1/data/issuer.yaml" --port "$2" >"$1/issuer.log" 2>&1 &
}

# A verifier (BINARY) on PORT, synced to the issuer on ISSUER_PORT and
# pinned to the seeded root; its data in WORK/NAME, its log WORK/NAME.log.
start_verifier() { # binary, port, work, name, issuer port
    "$1" serve --keyset-url "http://127.0.0.1:$5/.well-known/alumni-card/keyset.jws" --root "$3/data/root.pub.jwk" \
        --data-dir "$3/$4" --port "$2" >"$3/$4.log" 2>&1 &
}

# Waits up to 20 s for each URL to answer 2xx; fails if one never does.
wait_until_ready() { # url…
    local url
    for url in "$@"; do
        for _ in $(seq 100); do curl -sf "$url" >/dev/null 2>&1 && break; sleep 0.2; done
        curl -sf "$url" >/dev/null || { echo "Benchmarks: $url never answered" >&2; return 1; }
    done
}

# wrk --latency's output on stdin as one line: NAME, rate, p50, p99 and any
# non-2xx count; EXTRA (optional) is printed after it.
wrk_summary() { # name [extra]
    awk -v name="$1" -v extra="${2:-}" '
        /Requests\/sec/ { rate = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 } /Non-2xx/ { errors = $NF }
        END { printf "%-34s %10s req/s  p50 %8s  p99 %8s%s%s\n", name, rate, p50, p99, extra, (errors ? "  NON-2xx: " errors : "") }'
}
