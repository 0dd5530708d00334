# keyini.sh — sourced by tests/cli/docs.sh: keyini prints an ini with one
# experiment per key of the key table (poolsim help keys), each setting the
# key to its documented example in the least context it needs.
keyini() {
	printf '[General]\ntasks = 200\n\n[slow-downstream]\narrival = poisson(100/s)\nservice = exp(5ms)\npool = ants\nK = 4\n'
	"$POOLSIM" help keys --format tsv | awk -F'\t' 'NR > 1 { print $1 "\t" $5 "\t" $7 }' |
	while IFS="	" read -r key pools ex; do
		k=$(echo "$key" | sed 's/NAME/x/')
		pool=$(echo "$pools" | sed 's/,.*//; s/^all$/ants/')
		printf '\n[key-%s]\n' "$(echo "$k" | tr . -)"
		arrival="arrival = poisson(100/s)"
		ctx="service = exp(5ms)
pool = $pool
K = 4"
		case $key in
		plot|precision) ctx="service = exp(5ms)
pool = ants
repeat = 2
K = \${2, 4}" ;;
		constraint) ctx="service = exp(5ms)
pool = ants
cpus = 2
K = \${4, 8}" ;;
		K) ctx="service = exp(5ms)
pool = ants" ;;
		shards|route|keys|lock_hold) ctx="service = exp(5ms)
pool = sharded
K = 8"; [ $key = shards ] || ctx="$ctx
shards = 2" ;;
		service) ctx="pool = ants
K = 4" ;;
		arrival) arrival="" ;;
		optimize|slo) ctx="service = exp(5ms)
pool = ants
repeat = 5
K = \${2, 4}" ;;
		optimize.*|repeat.min) ctx="service = exp(5ms)
pool = ants
repeat = 10
K = \${2, 4}
optimize = latency_p99 min" ;;
		slo.*) ctx="service = exp(5ms)
pool = ants
repeat = 5
K = \${2, 4}
slo = latency_p99 < 100ms" ;;
		downstream.NAME.limit|downstream.NAME.usl|downstream.NAME.slowdown) ctx="$ctx
downstream.x.service = exp(1ms)" ;;
		tenant.NAME.tier) arrival="tenant.x.arrival = poisson(100/s)
tier.premium.K = 4" ;;
		tenant.NAME.priority) arrival="tenant.x.arrival = poisson(100/s)
tenant.y.arrival = poisson(100/s)"; ctx="service = exp(5ms)
pool = priority
K = 4" ;;
		tenant.NAME.arrival) arrival="" ;;
		service.NAME.arrival) arrival="service.x.K = 2" ;;
		tenant.*) arrival="tenant.x.arrival = poisson(100/s)" ;;
		tier.NAME.K) arrival="tenant.a.arrival = poisson(100/s)
tenant.a.tier = x" ;;
		service.NAME.share) arrival="service.x.arrival = poisson(100/s)
service.y.arrival = poisson(100/s)
service.y.share = 50%
downstream.db.limit = 10
downstream.db.service = exp(1ms)" ;;
		service.NAME.K) arrival="service.x.arrival = poisson(100/s)" ;;
		service.*) arrival="service.x.arrival = poisson(100/s)
service.x.K = 2" ;;
		autotune.initial) ctx="service = exp(5ms)
pool = ants
autotune = utilization" ;;
		autotune*) ctx="service = exp(5ms)
pool = ants
K = 20"; [ $key = autotune ] || ctx="$ctx
autotune = utilization" ;;
		alert.rule_file) ctx="$ctx
alert.name = QueueBacklog" ;;
		alert.name|alert.interval) ctx="$ctx
alert.rule_file = rules.yml
alert.name = QueueBacklog" ;;
		shutdown.drain) ctx="$ctx
shutdown.at = after(100)" ;;
		stages) ctx="stage.read.K = 1
stage.read.service = exp(1ms)
stage.transform.K = 1
stage.transform.service = exp(1ms)
stage.write.K = 1
stage.write.service = exp(1ms)" ;;
		stage.*) ctx="stages = x
stage.x.K = 2
stage.x.service = exp(1ms)" ; k=$(echo "$key" | sed 's/NAME/x/') ;;
		esac
		[ -n "$arrival" ] && echo "$arrival"
		echo "$ctx" | grep -v "^$(echo "$k" | sed 's/[.]/[.]/g') =" 
		printf '%s = %s\n' "$k" "$ex"
	done
}
