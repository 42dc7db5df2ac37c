# Throughput and ack p99 latency against offered load (issue 6), drawn by bench/run.sh:
#   gnuplot -e "dir='RESULTS_DIR'; title_text='...'; cohort_max=N; node_max=N" bench/plot.gnuplot
# Reads dir/cohort.dat and dir/node.dat (offered achieved p50 p99 p999, one paced load per
# line; node.dat may be empty when baselines were skipped) and writes
# dir/throughput_latency.png. cohort_max and node_max (events/s of the closed-loop max
# runs, 0 when not run) are drawn as dashed lines on the throughput panel.
set terminal pngcairo size 1400,560 font "DejaVu Sans,11"
set output dir . '/throughput_latency.png'
set multiplot layout 1,2 title title_text
set grid
set key top left
set offsets 0, graph 0.05, graph 0.1, 0
set xlabel 'offered load (events/s)'
set format x '%.0s%c'
set format y '%.0s%c'

has_node = system('test -s ' . dir . '/node.dat && echo 1 || echo 0') + 0

set title 'acknowledged throughput'
set ylabel 'events/s acknowledged'
set yrange [0:*]
set xrange [0:*]
if (has_node) {
  plot dir . '/cohort.dat' using 1:2 with linespoints lw 2 pt 7 lc 1 title 'Cohort', \
       dir . '/node.dat' using 1:2 with linespoints lw 2 pt 5 lc 2 title 'baseline 3: Node.js + Redis Lua', \
       x with lines dt 2 lc rgb 'gray' title 'offered', \
       (cohort_max > 0 ? cohort_max : NaN) with lines dt 3 lc 1 title 'Cohort, closed-loop max', \
       (node_max > 0 ? node_max : NaN) with lines dt 3 lc 2 title 'baseline 3, closed-loop max'
} else {
  plot dir . '/cohort.dat' using 1:2 with linespoints lw 2 pt 7 lc 1 title 'Cohort', \
       x with lines dt 2 lc rgb 'gray' title 'offered', \
       (cohort_max > 0 ? cohort_max : NaN) with lines dt 3 lc 1 title 'Cohort, closed-loop max'
}

set title 'HTTP ack latency p99 (from the open-loop due time)'
set ylabel 'ms'
set logscale y
set format y '%.0f'
set yrange [*:*]
if (has_node) {
  plot dir . '/cohort.dat' using 1:4 with linespoints lw 2 pt 7 lc 1 title 'Cohort', \
       dir . '/node.dat' using 1:4 with linespoints lw 2 pt 5 lc 2 title 'baseline 3: Node.js + Redis Lua'
} else {
  plot dir . '/cohort.dat' using 1:4 with linespoints lw 2 pt 7 lc 1 title 'Cohort'
}
unset multiplot
