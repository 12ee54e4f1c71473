set terminal pngcairo size 1100,460 font ',10' noenhanced
set output 'bench/results/chart.png'
set multiplot layout 1,2 title 'Switchboard load run, 1 KB chat bodies (full, pinned)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
set title 'throughput (requests/s, higher is better)'
plot for [i=2:5] 'bench/results/chart.dat' using i:xtic(1) title columnheader
set title 'p99 latency (ms, lower is better)'
plot for [i=2:5] 'bench/results/chart-p99.dat' using i:xtic(1) title columnheader
unset multiplot
