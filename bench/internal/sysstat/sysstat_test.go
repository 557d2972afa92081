package sysstat

import "testing"

func TestCPUReader(t *testing.T) {
	r, err := OpenCPU(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	sink += spin(SpinIterations / 10)
	b, err := r.Read()
	if err != nil || b < a {
		t.Fatalf("CPU time went from %v to %v (%v)", a, b, err)
	}
}

func TestParseStat(t *testing.T) {
	// A command name with spaces and parentheses.
	line := []byte("42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0")
	d, err := parseStat(line)
	if err != nil || d != 300*ClockTick {
		t.Fatalf("got %v %v", d, err)
	}
	if _, err := parseStat([]byte("garbage")); err == nil {
		t.Fatal("want an error")
	}
}

func TestRSSAndCores(t *testing.T) {
	if rss, err := RSS(0); err != nil || rss <= 0 {
		t.Fatalf("RSS %d %v", rss, err)
	}
	c, err := Cores(1)
	if err != nil || c[0].Total <= 0 || c[0].Busy > c[0].Total {
		t.Fatalf("Cores %+v %v", c, err)
	}
	if len(AllProcs()) == 0 {
		t.Fatal("no processes")
	}
}
