// Package report turns the benchmark's raw records into RESULTS.md and one
// PNG bar chart per scenario.
package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Metric describes one figure of the results table.
type Metric struct {
	Key      string // e.g. "S1.rate"
	Scenario string // e.g. "S1"
	Name     string // e.g. "echo round trips/s"
	Unit     string
	Higher   bool // higher is better
	Chart    bool // drawn in the scenario's chart
	Ratio    bool // shown in the ratio tables
	Diag     bool // a diagnostic (where the CPU went), in its own table
}

// Server names one server under test.
type Server struct {
	Name  string // flag name: node, zishang, rawws, gosio
	Label string // for humans
}

// Record is one run of one scenario against one server.
type Record struct {
	Rep      int                `json:"rep"`
	Scenario string             `json:"scenario"`
	Server   string             `json:"server"`
	Start    time.Time          `json:"start"`
	Calib    [2]float64         `json:"calib_ms"`  // fixed loop time on core 0 and core 1 (worse of before and after the run)
	Other    float64            `json:"other_cpu"` // CPU of other processes during the run's windows, % of a core (max over windows)
	Values   map[string]float64 `json:"values"`
	Err      string             `json:"err,omitempty"`
	Replaced bool               `json:"replaced,omitempty"` // a slow-mode run that a later fast run replaced
	Others   []string           `json:"others,omitempty"`   // per window, the other processes that took the most CPU
}

// Calib is one timing of the fixed CPU loop.
type Calib struct {
	When  time.Time  `json:"when"`
	Cores [2]float64 `json:"ms"`
}

// Run is everything one invocation of the benchmark produced.
type Run struct {
	Started, Finished time.Time
	Machine           []string // "key: value" lines
	Versions          []string
	Settings          []string
	Notes             []string
	Servers           []Server
	Scenarios         []Scenario
	Metrics           []Metric
	Records           []Record
	Calibs            []Calib
}

// Scenario names one scenario.
type Scenario struct {
	ID, Title, Description string
}

// SlowFactor: a calibration slower than this many times the fastest one
// seen on the same core during the run counts as the host's slow mode.
const SlowFactor = 1.35

// Fastest returns the fastest calibration per core over the run.
func (r *Run) Fastest() [2]float64 {
	f := [2]float64{math.Inf(1), math.Inf(1)}
	for _, c := range r.Calibs {
		for i := range 2 {
			if c.Cores[i] > 0 && c.Cores[i] < f[i] {
				f[i] = c.Cores[i]
			}
		}
	}
	return f
}

// Slow tells whether a calibration was taken in the host's slow mode.
func (r *Run) Slow(c [2]float64) bool {
	f := r.Fastest()
	return c[0] > SlowFactor*f[0] || c[1] > SlowFactor*f[1]
}

// OtherLimit: a run during which other processes took more than this
// percentage of a core is disturbed.
const OtherLimit = 50

// Bad tells whether a run was taken in slow mode or disturbed by other
// processes.
func (r *Run) Bad(rec Record) bool { return r.Slow(rec.Calib) || rec.Other > OtherLimit }

// Stat is the median, min and max of one metric for one server.
type Stat struct {
	Med, Min, Max float64
	N, Slow       int
}

// Stat aggregates the valid (not replaced, not failed) runs.
func (r *Run) Stat(key, server string) (Stat, bool) {
	var vals []float64
	slow := 0
	for _, rec := range r.Records {
		if rec.Server != server || rec.Replaced || rec.Err != "" {
			continue
		}
		v, ok := rec.Values[key]
		if !ok || math.IsNaN(v) {
			continue
		}
		vals = append(vals, v)
		if r.Bad(rec) {
			slow++
		}
	}
	if len(vals) == 0 {
		return Stat{}, false
	}
	slices.Sort(vals)
	n := len(vals)
	med := vals[n/2]
	if n%2 == 0 {
		med = (vals[n/2-1] + vals[n/2]) / 2
	}
	return Stat{Med: med, Min: vals[0], Max: vals[n-1], N: n, Slow: slow}, true
}

// Num formats a figure with three significant digits and k/M suffixes.
func Num(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return trim(fmt.Sprintf("%.3g", v/1e6)) + "M"
	case a >= 1e4:
		return trim(fmt.Sprintf("%.3g", v/1e3)) + "k"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a == 0:
		return "0"
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func trim(s string) string {
	if strings.Contains(s, "e") {
		return s
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func (r *Run) table(p func(string, ...any), keep func(Metric) bool) {
	p("| scenario | figure | unit |")
	for _, s := range r.Servers {
		p(" %s |", s.Label)
	}
	p("\n|---|---|---|")
	for range r.Servers {
		p("---|")
	}
	p("\n")
	for _, m := range r.Metrics {
		if !keep(m) {
			continue
		}
		p("| %s | %s | %s |", m.Scenario, m.Name, m.Unit)
		for _, s := range r.Servers {
			st, ok := r.Stat(m.Key, s.Name)
			if !ok {
				p(" – |")
				continue
			}
			p(" %s [%s–%s] n%d", Num(st.Med), Num(st.Min), Num(st.Max), st.N)
			if st.Slow > 0 {
				p(" s%d", st.Slow)
			}
			p(" |")
		}
		p("\n")
	}
}

// Write writes RESULTS.md at path and the charts beside it, named
// <base>-<scenario>.png.
func (r *Run) Write(path string) error {
	dir := filepath.Dir(path)
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("# gosio benchmark results\n\n")
	p("Written by `bench/run.sh` on %s; the run took %s.\n",
		r.Finished.UTC().Format("2006-01-02 15:04 MST"), r.Finished.Sub(r.Started).Round(time.Second))
	p("Method, scenarios and CPU accounting: [README.md](README.md).\n\n")

	p("## Machine\n\n")
	for _, l := range r.Machine {
		p("- %s\n", l)
	}
	p("\n## Versions\n\n")
	for _, l := range r.Versions {
		p("- %s\n", l)
	}
	p("\n## Settings\n\n")
	for _, l := range r.Settings {
		p("- %s\n", l)
	}

	p("\n## CPU mode samples\n\n")
	f := r.Fastest()
	p("A fixed loop (%s) timed on each core before and after every run: fastest %.1f ms on core 0, %.1f ms on core 1. ",
		"30M xorshift steps", f[0], f[1])
	p("A sample more than %.2f× the fastest on either core is the host's slow mode, marked `*`; ", SlowFactor)
	p("a run counts as slow when the sample before or after it is.\n\n")
	nslow := 0
	var c0, c1 []string
	for _, c := range r.Calibs {
		mark := ""
		if r.Slow(c.Cores) {
			mark = "*"
			nslow++
		}
		c0 = append(c0, fmt.Sprintf("%.0f%s", c.Cores[0], mark))
		c1 = append(c1, fmt.Sprintf("%.0f%s", c.Cores[1], mark))
	}
	p("%d samples, %d in slow mode.\n\n", len(r.Calibs), nslow)
	p("- core 0 (server), ms: %s\n- core 1 (generator), ms: %s\n", strings.Join(c0, " "), strings.Join(c1, " "))
	nrep := 0
	for _, rec := range r.Records {
		if rec.Replaced {
			nrep++
		}
	}
	if nrep > 0 {
		p("\n%d runs taken in slow mode or disturbed were run again at the end, and the new runs replace them.\n", nrep)
	}

	p("\n## Figures\n\n")
	p("Median [min–max] over the runs (`n`: runs; `s`: of them in the host's slow mode or disturbed by other processes, ")
	p("i.e. those took more than %d%% of a core). ", OtherLimit)
	p("\"per server CPU-s\" divides the operations of the window by the CPU time (user+system, all threads) the server process spent in it.\n\n")
	r.table(p, func(m Metric) bool { return !m.Diag })
	p("\n### Where the CPU went\n\n")
	p("Percent of one core over the measuring window: the server process and the generator process (from /proc/PID/stat); ")
	p("each core's busy time from /proc/stat (this includes the softirq time of loopback TCP, which no process is charged for); ")
	p("and the CPU that other processes took on the two cores.\n\n")
	r.table(p, func(m Metric) bool { return m.Diag })

	for _, ref := range []struct{ name, title string }{{"node", "Node.js"}, {"rawws", "raw websocket"}} {
		if !slices.ContainsFunc(r.Servers, func(s Server) bool { return s.Name == ref.name }) {
			continue
		}
		p("\n## Ratios against %s\n\n", ref.title)
		p("Median of each server divided by the median of %s. For the figures where lower is better (latency, memory) ", ref.title)
		p("a ratio below 1 is the better one; those rows are marked ↓.\n\n")
		var others []Server
		for _, s := range r.Servers {
			if s.Name != ref.name {
				others = append(others, s)
			}
		}
		p("| scenario | figure |")
		for _, s := range others {
			p(" %s |", s.Label)
		}
		p("\n|---|---|")
		for range others {
			p("---|")
		}
		p("\n")
		for _, m := range r.Metrics {
			if !m.Ratio {
				continue
			}
			rs, ok := r.Stat(m.Key, ref.name)
			if !ok {
				continue // e.g. no long-polling figures for the raw websocket server
			}
			name := m.Name
			if !m.Higher {
				name += " ↓"
			}
			p("| %s | %s |", m.Scenario, name)
			for _, s := range others {
				st, ok2 := r.Stat(m.Key, s.Name)
				if !ok || !ok2 || rs.Med == 0 {
					p(" – |")
					continue
				}
				p(" %.2f |", st.Med/rs.Med)
			}
			p("\n")
		}
	}

	p("\n## Charts\n\n")
	for _, sc := range r.Scenarios {
		name := fmt.Sprintf("%s-%s.png", base, sc.ID)
		ok, err := r.chart(sc, filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if ok {
			p("### %s: %s\n\n![%s](%s)\n\n", sc.ID, sc.Title, sc.ID, name)
		}
	}

	var failures []string
	for _, rec := range r.Records {
		if rec.Err != "" {
			failures = append(failures, fmt.Sprintf("rep %d, %s, %s: %s", rec.Rep, rec.Scenario, rec.Server, rec.Err))
		}
	}
	if len(r.Notes) > 0 || len(failures) > 0 {
		p("## Notes\n\n")
		for _, n := range r.Notes {
			p("- %s\n", n)
		}
		for _, f := range failures {
			p("- failed run: %s\n", f)
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
