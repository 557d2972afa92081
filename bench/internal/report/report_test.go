package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNum(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{0, "0"}, {0.5, "0.500"}, {2.345, "2.35"}, {42.31, "42.3"}, {999, "999"}, {4321, "4321"}, {42300, "42.3k"}, {120000, "120k"}, {1.5e6, "1.5M"}} {
		if got := Num(c.v); got != c.want {
			t.Errorf("Num(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func testRun() *Run {
	r := &Run{
		Started:   time.Unix(0, 0),
		Finished:  time.Unix(60, 0),
		Servers:   []Server{{"node", "Node.js"}, {"rawws", "raw"}},
		Scenarios: []Scenario{{ID: "S1", Title: "echo"}},
		Metrics:   []Metric{{Key: "S1.rate", Scenario: "S1", Name: "rt/s", Unit: "1/s", Higher: true, Chart: true, Ratio: true}},
		Calibs:    []Calib{{Cores: [2]float64{50, 50}}, {Cores: [2]float64{90, 50}}},
	}
	for i, v := range []float64{10, 30, 20} {
		r.Records = append(r.Records,
			Record{Rep: i + 1, Scenario: "S1", Server: "node", Calib: [2]float64{50, 50}, Values: map[string]float64{"S1.rate": v}},
			Record{Rep: i + 1, Scenario: "S1", Server: "rawws", Calib: [2]float64{90, 50}, Values: map[string]float64{"S1.rate": 2 * v}})
	}
	return r
}

func TestStat(t *testing.T) {
	r := testRun()
	st, ok := r.Stat("S1.rate", "node")
	if !ok || st.Med != 20 || st.Min != 10 || st.Max != 30 || st.N != 3 || st.Slow != 0 {
		t.Fatalf("node: %+v", st)
	}
	st, _ = r.Stat("S1.rate", "rawws")
	if st.Med != 40 || st.Slow != 3 {
		t.Fatalf("rawws: %+v", st)
	}
	r.Records[0].Replaced = true
	if st, _ := r.Stat("S1.rate", "node"); st.N != 2 || st.Med != 25 {
		t.Fatalf("replaced run counted: %+v", st)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := testRun().Write(filepath.Join(dir, "RESULTS.md")); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "RESULTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"20.0 [10.0–30.0] n3", "40.0 [20.0–60.0] n3 s3", "| S1 | rt/s | 2.00 |", "RESULTS-S1.png"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, md)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "RESULTS-S1.png")); err != nil || fi.Size() == 0 {
		t.Fatalf("chart: %v", err)
	}
}
