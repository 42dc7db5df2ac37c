# Folds `perf report --no-children --sort dso,sym --stdio` of cohortd into the stages an
# event goes through (issue 18): each sample is charged to the function it was in (self
# time), and the function to the first stage whose pattern it matches, in this order.
# Shared work (libc copies and malloc, the kernel's network and futex paths, CAF's
# scheduler) is its own row: self time cannot say which stage called it.
# Output: "share<TAB>stage" lines, largest first, then "total<TAB>N samples' percent".
BEGIN {
  n = split("kernel|libc: copies, compares, malloc|RocksDB (log write, snapshots)|" \
            "CAF runtime (mailboxes, scheduler, dispatch)|HTTP read, parse, respond (Beast, Asio)|" \
            "JSON decode (simdjson) and normalize|validation and dedup|identity|" \
            "routing (ingest, directory)|session apply (sessions, features, windows)|" \
            "rules and score|publisher and changes|checkpoint and snapshots (msgpack)|" \
            "libstdc++|other cohortd", stage, "|")
  pattern[1] = "\\[kernel"
  pattern[2] = "libc[.-]"
  pattern[3] = "rocksdb"
  pattern[4] = "caf::|libcaf"
  pattern[5] = "boost::beast|boost::asio|cohort::http::"
  pattern[6] = "simdjson|cohort::codecs::"
  pattern[7] = "validat|dedup|cohort::api::"
  pattern[8] = "identity_graph|actors::locator|sequencer"  # not "allocator"
  pattern[9] = "ingest|directory|route"
  pattern[10] = "session|window|feature|recent_events|small_map|counts"
  pattern[11] = "rule|expression|evaluate|score"
  pattern[12] = "publish|change"
  pattern[13] = "snapshot|checkpoint|msgpack|journal"
  pattern[14] = "libstdc"
  pattern[15] = "."
}
/^#/ || NF < 3 { next }
$1 ~ /%$/ {
  share = $1; sub(/%/, "", share)
  line = $0
  for (i = 1; i <= n; ++i)
    if (line ~ pattern[i]) { sum[i] += share; break }
  total += share
}
END {
  for (i = 1; i <= n; ++i)
    if (sum[i] > 0) printf "%.1f\t%s\n", sum[i], stage[i] | "sort -rn"
  close("sort -rn")
  printf "total\t%.1f\n", total
}
