// Command bench runs the gosio benchmark: it builds the servers, starts each
// one pinned to core 0, drives it from this process pinned to core 1, and
// writes RESULTS.md and one PNG chart per scenario.
//
//	cd bench && go run ./cmd/bench                       # everything, ~12 min
//	go run ./cmd/bench -scenarios S1,S3 -servers node,rawws -reps 1
//
// See README.md for what each scenario measures.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosio/gosio/bench/internal/load"
	"github.com/gosio/gosio/bench/internal/report"
	"github.com/gosio/gosio/bench/internal/sysstat"
)

type serverSpec struct {
	report.Server
	cmd    []string // relative to the bench directory
	build  string   // Go package to build into bin/<name>, "" for node
	tags   string
	dir    string // module directory to build in, when not this one (-before)
	wsOnly bool   // no long-polling: S6 and the polling half of S5 are skipped
	// pair, for the S8-only "mixed" entry, names the two servers it runs
	// (the first gets the broadcasting client); the others run S8 as a
	// pair of themselves.
	pair [2]string
}

// mixedServers are S8's mixed pairs of a gosio server and a Node.js one,
// the broadcasts starting on either.
var mixedServers = []serverSpec{
	{Server: report.Server{Name: "mixed", Label: "gosio (broadcasting) + Node.js"}, pair: [2]string{"gosio", "node"}},
	{Server: report.Server{Name: "mixed-node", Label: "Node.js (broadcasting) + gosio"}, pair: [2]string{"node", "gosio"}},
}

// clustered says whether server s takes part in scenario sc: S8 needs a
// Redis adapter, which only the Node.js and gosio servers have; the mixed
// pair runs S8 only.
func clustered(s serverSpec) bool {
	return s.pair[0] != "" || s.Name == "node" || s.Name == "gosio" || s.Name == "gosio-before"
}

func takesPart(s serverSpec, sc string) bool {
	if sc == "S8" {
		return clustered(s)
	}
	return s.pair[0] == "" && !(s.wsOnly && sc == "S6")
}

var allServers = []serverSpec{
	{Server: report.Server{Name: "node", Label: "Node.js socket.io"}, cmd: []string{"node", "node/server.js"}},
	{Server: report.Server{Name: "zishang", Label: "zishang520/socket.io"}, cmd: []string{"bin/zishang"}, build: "./servers/zishang"},
	{Server: report.Server{Name: "rawws", Label: "raw coder/websocket"}, cmd: []string{"bin/rawws"}, build: "./servers/rawws", wsOnly: true},
	{Server: report.Server{Name: "gosio", Label: "gosio"}, cmd: []string{"bin/gosio"}, build: "./servers/gosio", tags: "gosio"},
}

var scenarios = []report.Scenario{
	{ID: "S1", Title: "echo, 100 websocket clients, closed loop", Description: "emit \"echo\", wait for the \"echo\" event back"},
	{ID: "S2", Title: "echo with ack, 100 websocket clients, closed loop", Description: "emit \"echo-ack\" with an ack id, wait for the ack"},
	{ID: "S3", Title: "broadcast to a room", Description: "one client asks the server to broadcast to a room all clients joined; deliveries to all clients counted"},
	{ID: "S4", Title: "idle websocket connections", Description: "server RSS per connection above the empty server"},
	{ID: "S5", Title: "connection rate", Description: "open, Engine.IO handshake, namespace connect, close; websocket directly, and long-polling then upgrade"},
	{ID: "S6", Title: "long-polling echo, 100 clients, closed loop", Description: "POST an echo while a GET waits for it"},
	{ID: "S7", Title: "binary echo, 64 KiB attachment, 10 clients", Description: "emit \"echo\" with one 64 KiB attachment, wait for it back"},
	{ID: "S8", Title: "broadcast across nodes: two servers on one Redis, a room of 1,000 clients split over them", Description: "client 0 (on the first server) asks for broadcasts to the room; deliveries to all clients of both servers counted, per CPU-s of both servers summed; Redis's CPU beside"},
}

type config struct {
	dir            string
	out            string
	servers        []serverSpec
	scen           []string
	reps           int
	warmup, window time.Duration
	s5warmup       time.Duration
	s3Sizes        []int
	s4Sizes        []int
	s4Requested    []int
	s8Size         int
	budget         time.Duration
	nice           int
	build          bool
	verbose        bool
}

func main() {
	log.SetFlags(log.Ltime)
	var (
		serversF   = flag.String("servers", "node,zishang,rawws,gosio", "servers to measure, comma-separated")
		scenariosF = flag.String("scenarios", "S1,S2,S3,S4,S5,S6,S7", "scenarios to run, comma-separated")
		reps       = flag.Int("reps", 3, "repetitions (servers interleaved within each)")
		warmup     = flag.Duration("warmup", time.Second, "load before each measuring window")
		s5warmup   = flag.Duration("s5warmup", 5*time.Second, "warm-up of S5 (Node.js needs seconds of connection churn to reach its steady rate)")
		window     = flag.Duration("window", 3*time.Second, "length of each measuring window")
		s3         = flag.String("s3", "1000,10000", "room sizes of S3")
		s4         = flag.String("s4", "10000,50000", "connection counts of S4 (capped by RLIMIT_NOFILE)")
		s8         = flag.Int("s8", 1000, "room size of S8 (split over the two servers)")
		out        = flag.String("out", "RESULTS.md", "results file (charts go beside it)")
		budget     = flag.Duration("budget", 13*time.Minute, "re-run slow-mode runs at the end only while the whole run stays within this")
		nobuild    = flag.Bool("nobuild", false, "do not build the Go servers / install the Node.js server")
		nopin      = flag.Bool("nopin", false, "do not pin this process to core 1 (servers still go to core 0)")
		niceF      = flag.Int("nice", -20, "run the generator and (inherited) the servers at this nice value, so that other work on the machine disturbs them less; 0 leaves it")
		verbose    = flag.Bool("v", false, "log more")
		reportOnly = flag.String("report", "", "only rewrite the results from this raw JSON file")
		before     = flag.String("before", "", "also measure the gosio of another checkout of the repository (its root directory), as server \"gosio-before\", to compare two builds in one run")
	)
	flag.Parse()
	if *reportOnly != "" {
		b, err := os.ReadFile(*reportOnly)
		if err != nil {
			log.Fatal(err)
		}
		var r report.Run
		if err := json.Unmarshal(b, &r); err != nil {
			log.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := r.Write(*out); err != nil {
			log.Fatal(err)
		}
		return
	}
	if !*nopin || *niceF != 0 {
		reexec(!*nopin, *niceF)
	}
	cfg := config{dir: ".", out: *out, reps: *reps, warmup: *warmup, s5warmup: *s5warmup, window: *window,
		budget: *budget, nice: *niceF, build: !*nobuild, verbose: *verbose}
	for _, n := range split(*serversF) {
		i := slices.IndexFunc(allServers, func(s serverSpec) bool { return s.Name == n })
		if i < 0 {
			log.Fatalf("unknown server %q", n)
		}
		cfg.servers = append(cfg.servers, allServers[i])
	}
	if *before != "" {
		dir, err := filepath.Abs(filepath.Join(*before, "bench"))
		if err != nil {
			log.Fatal(err)
		}
		cfg.servers = append(cfg.servers, serverSpec{
			Server: report.Server{Name: "gosio-before", Label: "gosio (" + filepath.Base(*before) + ")"},
			cmd:    []string{"bin/gosio-before"}, build: "./servers/gosio", tags: "gosio", dir: dir,
		})
	}
	for _, s := range split(*scenariosF) {
		s = strings.ToUpper(s)
		if !slices.ContainsFunc(scenarios, func(sc report.Scenario) bool { return sc.ID == s }) {
			log.Fatalf("unknown scenario %q", s)
		}
		cfg.scen = append(cfg.scen, s)
	}
	cfg.s3Sizes = ints(*s3)
	cfg.s4Requested = ints(*s4)
	cfg.s8Size = *s8
	if slices.Contains(cfg.scen, "S8") && slices.ContainsFunc(cfg.servers, func(s serverSpec) bool { return s.Name == "gosio" }) &&
		slices.ContainsFunc(cfg.servers, func(s serverSpec) bool { return s.Name == "node" }) {
		cfg.servers = append(cfg.servers, mixedServers...)
	}
	if err := run(&cfg); err != nil {
		log.Fatal(err)
	}
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func ints(s string) []int {
	var out []int
	for _, f := range split(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			log.Fatalf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out
}

const reexecEnv = "GOSIO_BENCH_REEXEC"

// reexec runs this program again under `taskset -c 1` (the Go runtime then
// sets GOMAXPROCS to 1) and `nice -n N` (the servers inherit it).
func reexec(pin bool, nice int) {
	if os.Getenv(reexecEnv) == "1" {
		return
	}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	var args []string
	if pin {
		if onlineCPUs() < 2 {
			log.Fatal("fewer than 2 cores: run with -nopin")
		}
		args = append(args, "taskset", "-c", "1")
	}
	if nice != 0 {
		args = append(args, "nice", "-n", strconv.Itoa(nice))
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		log.Fatalf("%s not found (util-linux, coreutils); run with -nopin -nice 0 to go without", args[0])
	}
	args = append(append(args, self), os.Args[1:]...)
	log.Fatal(syscall.Exec(path, args, append(os.Environ(), reexecEnv+"=1")))
}

// autogroup reads this process's scheduler autogroup and its nice value.
func autogroup() string {
	b, err := os.ReadFile("/proc/self/autogroup")
	if err != nil {
		return "none"
	}
	return strings.TrimSpace(strings.TrimPrefix(string(b), "/"))
}

// niceness reads this process's nice value from /proc/self/stat.
func niceness() string {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return "?"
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 17 {
		return "?"
	}
	return f[16]
}

// raiseNofile lifts the soft RLIMIT_NOFILE to the hard one (inherited by the
// servers) and returns it.
func raiseNofile() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1024
	}
	rl.Cur = rl.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	return rl.Cur
}

func run(cfg *config) error {
	start := time.Now()
	limit := raiseNofile()
	if cfg.nice != 0 {
		// With sched_autogroup on, the nice value of a process only orders
		// it within its session; the session's group has a nice value of
		// its own, against other sessions (other people's builds and tests).
		if err := os.WriteFile("/proc/self/autogroup", []byte(strconv.Itoa(cfg.nice)), 0); err != nil && cfg.verbose {
			log.Printf("autogroup nice: %v", err)
		}
	}
	var notes []string
	// Each side needs one descriptor per connection plus a few of its own.
	maxConns := 500
	if limit > 1300 {
		maxConns = int((limit - 300) / 500 * 500)
	}
	for _, n := range cfg.s4Requested {
		if n > maxConns && slices.Contains(cfg.scen, "S4") {
			notes = append(notes, fmt.Sprintf("S4 at %d connections was asked for, but RLIMIT_NOFILE is %d here (hard limit; raising it needs CAP_SYS_RESOURCE), so S4 ran at %d instead.", n, limit, maxConns))
		}
		if n > maxConns {
			n = maxConns
		}
		if !slices.Contains(cfg.s4Sizes, n) {
			cfg.s4Sizes = append(cfg.s4Sizes, n)
		}
	}
	for _, n := range cfg.s3Sizes {
		if n > maxConns {
			return fmt.Errorf("S3 room of %d does not fit RLIMIT_NOFILE %d", n, limit)
		}
	}
	if cfg.build {
		var kept []serverSpec
		for _, s := range cfg.servers {
			if s.pair[0] != "" {
				if slices.ContainsFunc(kept, func(k serverSpec) bool { return k.Name == s.pair[0] }) &&
					slices.ContainsFunc(kept, func(k serverSpec) bool { return k.Name == s.pair[1] }) {
					kept = append(kept, s)
				}
				continue
			}
			if err := prepare(s); err != nil {
				msg := fmt.Sprintf("server %s left out: %v", s.Name, err)
				log.Print(msg)
				notes = append(notes, msg)
				continue
			}
			kept = append(kept, s)
		}
		cfg.servers = kept
	}
	if len(cfg.servers) == 0 {
		return errors.New("no server to measure")
	}
	for _, s := range cfg.servers {
		if s.wsOnly && (slices.Contains(cfg.scen, "S5") || slices.Contains(cfg.scen, "S6")) {
			notes = append(notes, s.Label+" speaks websocket only: it has no long-polling figures (S5 polling, S6).")
		}
	}

	r := &report.Run{Started: start, Notes: notes}
	for _, s := range cfg.servers {
		if slices.ContainsFunc(cfg.scen, func(sc string) bool { return takesPart(s, sc) }) {
			r.Servers = append(r.Servers, s.Server)
		}
	}
	for _, sc := range scenarios {
		if slices.Contains(cfg.scen, sc.ID) {
			r.Scenarios = append(r.Scenarios, sc)
		}
	}
	r.Metrics = metrics(cfg)
	r.Machine = machine(limit)
	r.Versions = versions(cfg)
	r.Settings = []string{
		fmt.Sprintf("%d repetitions; in each, every scenario runs against every server in turn (the order rotates per repetition)", cfg.reps),
		fmt.Sprintf("warm-up %s (S5: %s), measuring window %s; a fresh server process for every scenario run", cfg.warmup, cfg.s5warmup, cfg.window),
		"server pinned to core 0 (`taskset -c 0`), generator pinned to core 1; Go processes get GOMAXPROCS=1 from the affinity",
		fmt.Sprintf("generator and servers at nice %s (scheduler autogroup: %s), so that other work on the machine (builds, tests) disturbs them less", niceness(), autogroup()),
		fmt.Sprintf("S3 room sizes %v, 4 broadcasts in flight; S4 sizes %v; S5 32 concurrent connectors", cfg.s3Sizes, cfg.s4Sizes),
	}
	if slices.Contains(cfg.scen, "S8") {
		r.Settings = append(r.Settings, fmt.Sprintf("S8: a private redis-server (`--save \"\" --appendonly no`) started for each run on a spare port; "+
			"it and both servers pinned to core 0 (`taskset -c 0`), the generator on core 1; room of %d, clients alternate between the two servers, "+
			"4 broadcasts in flight; per-CPU figures divide by both servers' CPU summed, Redis's CPU is reported beside (not added)", cfg.s8Size))
	}
	if err := os.MkdirAll("results", 0o755); err != nil {
		return err
	}

	port := 31000
	runGroup := func(rep int, sc string) []report.Record {
		var recs []report.Record
		order := slices.Clone(cfg.servers)
		k := (rep - 1) % len(order)
		order = append(order[k:], order[:k]...)
		for _, s := range order {
			if !takesPart(s, sc) {
				continue
			}
			port++
			before := calibrate()
			rec := report.Record{Rep: rep, Scenario: sc, Server: s.Name, Start: time.Now()}
			vals, others, err := runOne(cfg, s, sc, &port)
			rec.Others = others
			after := calibrate()
			r.Calibs = append(r.Calibs, before, after)
			// The run counts as slow if the host was slow before or after it.
			for c := range 2 {
				rec.Calib[c] = max(before.Cores[c], after.Cores[c])
			}
			rec.Values = vals
			for k, v := range vals {
				if strings.HasSuffix(k, ".other") {
					rec.Other = max(rec.Other, v)
				}
			}
			if err != nil {
				rec.Err = err.Error()
				log.Printf("rep %d %s %-7s FAILED: %v", rep, sc, s.Name, err)
			} else {
				log.Printf("rep %d %s %-7s %s", rep, sc, s.Name, summary(sc, vals))
				if rec.Other > report.OtherLimit {
					log.Printf("  disturbed by other processes: %s", strings.Join(others, "; "))
				}
			}
			recs = append(recs, rec)
		}
		return recs
	}
	save := func() {
		r.Finished = time.Now()
		if b, err := json.MarshalIndent(r, "", " "); err == nil {
			_ = os.WriteFile("results/raw.json", b, 0o644)
		}
	}
	groupTime := map[string]time.Duration{}
	for rep := 1; rep <= cfg.reps; rep++ {
		for _, sc := range cfg.scen {
			t := time.Now()
			r.Records = append(r.Records, runGroup(rep, sc)...)
			groupTime[sc] = time.Since(t)
			save()
		}
		log.Printf("repetition %d done after %s", rep, time.Since(start).Round(time.Second))
	}
	// Runs taken in the host's slow mode are run again (every server of that
	// scenario, to keep them interleaved) while time allows; fast re-runs
	// replace them.
	for rep := 1; rep <= cfg.reps; rep++ {
		for _, sc := range cfg.scen {
			slow := false
			for _, rec := range r.Records {
				if rec.Rep == rep && rec.Scenario == sc && !rec.Replaced && (r.Bad(rec) || rec.Err != "") {
					slow = true
				}
			}
			if !slow {
				continue
			}
			if time.Since(start)+groupTime[sc]+30*time.Second > cfg.budget {
				log.Printf("rep %d %s was slow, disturbed or failed; no time left to run it again", rep, sc)
				continue
			}
			log.Printf("rep %d %s was slow, disturbed or failed: running it again", rep, sc)
			recs := runGroup(rep, sc)
			if slices.ContainsFunc(recs, func(rec report.Record) bool { return r.Bad(rec) || rec.Err != "" }) {
				log.Printf("  slow, disturbed or failed again; keeping the first runs")
				continue
			}
			for i := range r.Records {
				if r.Records[i].Rep == rep && r.Records[i].Scenario == sc {
					r.Records[i].Replaced = true
				}
			}
			r.Records = append(r.Records, recs...)
			save()
		}
	}
	save()
	if err := os.MkdirAll(filepath.Dir(cfg.out), 0o755); err != nil {
		return err
	}
	if err := r.Write(cfg.out); err != nil {
		return err
	}
	log.Printf("wrote %s (raw: results/raw.json) in %s", cfg.out, time.Since(start).Round(time.Second))
	return nil
}

func calibrate() report.Calib {
	c := report.Calib{When: time.Now()}
	for core := range 2 {
		d, err := sysstat.Calibrate(core)
		if err != nil {
			log.Printf("calibration on core %d: %v", core, err)
			continue
		}
		c.Cores[core] = float64(d.Microseconds()) / 1000
	}
	return c
}

func summary(sc string, v map[string]float64) string {
	f := func(k string) string { return report.Num(v[k]) }
	switch sc {
	case "S1", "S2", "S6":
		return fmt.Sprintf("%s rt/s, %s per CPU-s, p50 %sms p99 %sms, server %s%% gen %s%%, cores %s%% %s%%, other %s%%",
			f(sc+".rate"), f(sc+".perCPU"), f(sc+".p50"), f(sc+".p99"), f(sc+".srvCPU"), f(sc+".genCPU"), f(sc+".core0"), f(sc+".core1"), f(sc+".other"))
	case "S7":
		return fmt.Sprintf("%s MB/s, %s MB per CPU-s, server %s%% gen %s%%, cores %s%% %s%%", f("S7.mbps"), f("S7.perCPU"), f("S7.srvCPU"), f("S7.genCPU"), f("S7.core0"), f("S7.core1"))
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		if (strings.HasSuffix(k, "CPU") && !strings.HasSuffix(k, "perCPU")) || strings.HasSuffix(k, ".core0") || strings.HasSuffix(k, ".core1") {
			continue
		}
		parts = append(parts, k+"="+f(k))
	}
	return strings.Join(parts, " ")
}

// prepare builds a Go server or installs the Node.js one.
func prepare(s serverSpec) error {
	if s.build == "" {
		_, err1 := os.Stat("node/node_modules/socket.io/package.json")
		_, err2 := os.Stat("node/node_modules/@socket.io/redis-adapter/package.json")
		if err1 == nil && err2 == nil {
			return nil
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = "node"
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("npm ci: %v\n%s", err, out)
		}
		return nil
	}
	bin, err := filepath.Abs("bin/" + s.Name)
	if err != nil {
		return err
	}
	args := []string{"build", "-o", bin}
	if s.tags != "" {
		args = append(args, "-tags", s.tags)
	}
	cmd := exec.Command("go", append(args, s.build)...)
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.Remove("bin/" + s.Name)
		first := strings.SplitN(strings.TrimSpace(string(out)), "\n", 4)
		return fmt.Errorf("does not build: %s", strings.Join(first, " / "))
	}
	return nil
}

type server struct {
	cmd  *exec.Cmd
	pid  int
	addr string
	done chan struct{}
}

// startServer starts s on core 0 listening on 127.0.0.1:*port, with env
// added to its environment, and waits for its "ready" line; a port found
// busy moves to the next one.
func startServer(s serverSpec, port *int, env ...string) (*server, error) {
	var lastErr error
	for try := 0; try < 5; try++ {
		addr := "127.0.0.1:" + strconv.Itoa(*port)
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			*port++
			continue
		}
		args := append([]string{"-c", "0"}, s.cmd...)
		cmd := exec.Command("taskset", args...)
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(e string) bool {
			return strings.HasPrefix(e, "GOMAXPROCS=") || strings.HasPrefix(e, "PORT=")
		}), append([]string{"PORT=" + strconv.Itoa(*port), "NODE_ENV=production"}, env...)...)
		logf, err := os.OpenFile(filepath.Join("results", s.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		cmd.Stderr = logf
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			logf.Close()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			logf.Close()
			return nil, err
		}
		srv := &server{cmd: cmd, pid: cmd.Process.Pid, addr: addr, done: make(chan struct{})}
		ready := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stdout)
			signaled := false
			for sc.Scan() {
				if !signaled && strings.TrimSpace(sc.Text()) == "ready" {
					close(ready)
					signaled = true
				}
			}
			_, _ = io.Copy(io.Discard, stdout)
		}()
		go func() {
			_ = cmd.Wait()
			logf.Close()
			close(srv.done)
		}()
		select {
		case <-ready:
			return srv, nil
		case <-srv.done:
			lastErr = fmt.Errorf("%s exited before it was ready (see results/%s.log)", s.Name, s.Name)
			*port++
		case <-time.After(20 * time.Second):
			srv.stop()
			return nil, fmt.Errorf("%s not ready after 20s", s.Name)
		}
	}
	return nil, lastErr
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(2 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// runOne runs scenario sc against a fresh process of server s.
func runOne(cfg *config, s serverSpec, sc string, port *int) (map[string]float64, []string, error) {
	if sc == "S8" {
		return runCluster(cfg, s, port)
	}
	srv, err := startServer(s, port)
	if err != nil {
		return nil, nil, err
	}
	// The server goes first: its sockets take the TIME_WAIT states, not
	// the generator's ephemeral ports.
	var clients []func()
	defer func() {
		srv.stop()
		for _, c := range clients {
			c()
		}
	}()
	env := &load.Env{
		Dialer: load.NewDialer(srv.addr),
		PID:    srv.pid,
		Warmup: cfg.warmup,
		Window: cfg.window,
		Logf: func(format string, args ...any) {
			if cfg.verbose {
				log.Printf(format, args...)
			}
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var samples []load.Sample
	switch sc {
	case "S1":
		samples, err = env.Echo(ctx, "S1", 100, false)
	case "S2":
		samples, err = env.Echo(ctx, "S2", 100, true)
	case "S3":
		samples, err = env.Broadcast(ctx, "S3", cfg.s3Sizes, 4)
	case "S4":
		samples, err = env.Idle(ctx, cfg.s4Sizes, 2*time.Second)
	case "S5":
		env.Warmup = cfg.s5warmup
		samples, err = env.ConnRate(ctx, "ws", 32)
		if err == nil && !s.wsOnly {
			var more []load.Sample
			more, err = env.ConnRate(ctx, "poll", 32)
			samples = append(samples, more...)
		}
	case "S6":
		samples, err = env.PollEcho(ctx, 100)
	case "S7":
		samples, err = env.Binary(ctx, 10)
	}
	vals := map[string]float64{}
	for _, s := range samples {
		vals[s.Key] = s.Value
	}
	select {
	case <-srv.done:
		if err == nil {
			err = fmt.Errorf("server exited during the run (see results/%s.log)", s.Name)
		}
	default:
	}
	return vals, env.Others, err
}

func metrics(cfg *config) []report.Metric {
	var ms []report.Metric
	add := func(m report.Metric) {
		if slices.Contains(cfg.scen, m.Scenario) {
			ms = append(ms, m)
		}
	}
	load := func(scen, key, what string) {
		add(report.Metric{Key: key + ".rate", Scenario: scen, Name: what + "/s", Unit: "1/s", Higher: true, Chart: true, Ratio: true})
		add(report.Metric{Key: key + ".perCPU", Scenario: scen, Name: what + " per server CPU-s", Unit: "1/CPU-s", Higher: true, Chart: true, Ratio: true})
	}
	cpu := func(scen, key string) {
		sub := strings.TrimPrefix(strings.TrimPrefix(key, scen), ".")
		if sub != "" {
			sub = " (" + sub + ")"
		}
		add(report.Metric{Key: key + ".srvCPU", Scenario: scen, Name: "server process" + sub, Unit: "%", Diag: true})
		add(report.Metric{Key: key + ".genCPU", Scenario: scen, Name: "generator process" + sub, Unit: "%", Diag: true})
		add(report.Metric{Key: key + ".core0", Scenario: scen, Name: "core 0 (server) busy" + sub, Unit: "%", Diag: true})
		add(report.Metric{Key: key + ".core1", Scenario: scen, Name: "core 1 (generator) busy" + sub, Unit: "%", Diag: true})
		add(report.Metric{Key: key + ".other", Scenario: scen, Name: "other processes" + sub, Unit: "%", Diag: true})
	}
	lat := func(scen string) {
		add(report.Metric{Key: scen + ".p50", Scenario: scen, Name: "p50 latency", Unit: "ms", Ratio: true})
		add(report.Metric{Key: scen + ".p99", Scenario: scen, Name: "p99 latency", Unit: "ms", Chart: true, Ratio: true})
	}
	load("S1", "S1", "round trips")
	lat("S1")
	cpu("S1", "S1")
	load("S2", "S2", "acked round trips")
	lat("S2")
	cpu("S2", "S2")
	for _, n := range cfg.s3Sizes {
		k := "S3." + strconv.Itoa(n)
		load("S3", k, fmt.Sprintf("deliveries (room %d)", n))
		cpu("S3", k)
	}
	add(report.Metric{Key: "S4.baseMB", Scenario: "S4", Name: "RSS of the empty server", Unit: "MB"})
	for _, n := range cfg.s4Sizes {
		add(report.Metric{Key: "S4." + strconv.Itoa(n) + ".kb", Scenario: "S4", Name: fmt.Sprintf("RSS per connection at %d", n), Unit: "KB", Chart: true, Ratio: true})
	}
	load("S5", "S5.ws", "websocket connects")
	cpu("S5", "S5.ws")
	load("S5", "S5.poll", "polling+upgrade connects")
	cpu("S5", "S5.poll")
	load("S6", "S6", "polling round trips")
	lat("S6")
	cpu("S6", "S6")
	add(report.Metric{Key: "S7.mbps", Scenario: "S7", Name: "attachment MB/s", Unit: "MB/s", Higher: true, Chart: true, Ratio: true})
	add(report.Metric{Key: "S7.perCPU", Scenario: "S7", Name: "attachment MB per server CPU-s", Unit: "MB/CPU-s", Higher: true, Chart: true, Ratio: true})
	cpu("S7", "S7")
	k8 := "S8." + strconv.Itoa(cfg.s8Size)
	load("S8", k8, fmt.Sprintf("deliveries (room %d over 2 servers)", cfg.s8Size))
	add(report.Metric{Key: k8 + ".redisCPU", Scenario: "S8", Name: "Redis process", Unit: "%", Diag: true})
	add(report.Metric{Key: k8 + ".srvCPU1", Scenario: "S8", Name: "first server (broadcasting; half the room)", Unit: "%", Diag: true})
	add(report.Metric{Key: k8 + ".srvCPU2", Scenario: "S8", Name: "second server (half the room)", Unit: "%", Diag: true})
	cpu("S8", k8)
	for i := range ms {
		if ms[i].Key == k8+".srvCPU" {
			ms[i].Name = "both server processes"
		}
	}
	return ms
}

func machine(nofile uint64) []string {
	var out []string
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				out = append(out, "CPU: "+strings.TrimSpace(strings.SplitN(l, ":", 2)[1]))
				break
			}
		}
	}
	out = append(out, fmt.Sprintf("cores: %d", onlineCPUs()))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
		if len(f) >= 2 {
			if kb, err := strconv.Atoi(f[1]); err == nil {
				out = append(out, fmt.Sprintf("memory: %.1f GiB", float64(kb)/(1<<20)))
			}
		}
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		out = append(out, "kernel: "+cstr(u.Sysname[:])+" "+cstr(u.Release[:]))
	}
	out = append(out, fmt.Sprintf("RLIMIT_NOFILE: %d", nofile))
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		out = append(out, "ephemeral ports: "+strings.Join(strings.Fields(string(b)), "–"))
	}
	return out
}

// onlineCPUs counts the machine's cores (runtime.NumCPU only sees the
// affinity mask, which is core 1 here).
func onlineCPUs() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.NumCPU()
	}
	return strings.Count(string(b), "\nprocessor") + btoi(strings.HasPrefix(string(b), "processor"))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cstr(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

func versions(cfg *config) []string {
	out := []string{"Go: " + runtime.Version()}
	for _, s := range cfg.servers {
		switch s.Name {
		case "node":
			v, _ := exec.Command("node", "--version").Output()
			line := "Node.js " + strings.TrimSpace(string(v))
			for _, p := range []string{"socket.io", "engine.io", "ws", "socket.io-parser"} {
				if b, err := os.ReadFile("node/node_modules/" + p + "/package.json"); err == nil {
					var pkg struct{ Version string }
					if json.Unmarshal(b, &pkg) == nil {
						line += ", " + p + " " + pkg.Version
					}
				}
			}
			out = append(out, line)
		default:
			out = append(out, s.Name+" server: "+goDeps("bin/"+s.Name))
		}
	}
	if c, err := exec.Command("git", "-C", "..", "log", "-1", "--format=%h %cs").Output(); err == nil {
		out = append(out, "gosio repository at "+strings.TrimSpace(string(c)))
	}
	return out
}

// goDeps lists the socket.io / websocket modules a server binary was built with.
func goDeps(bin string) string {
	b, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return "?"
	}
	var deps []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && (f[0] == "dep" || f[0] == "=>") {
			m := f[1]
			if strings.Contains(m, "socket.io/servers") || strings.Contains(m, "websocket") || strings.Contains(m, "gosio/gosio") {
				deps = append(deps, m+" "+f[2])
			}
		}
	}
	if len(deps) == 0 {
		return "(no matching modules)"
	}
	return strings.Join(deps, ", ")
}
