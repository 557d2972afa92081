// Package sysstat reads what the benchmark measures from /proc (a process's
// CPU time and resident memory) and times a fixed CPU loop on a given core to
// tell the host's fast mode from its slow one.
package sysstat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// ClockTick is the unit of utime and stime in /proc/PID/stat. It is 100 Hz
// on every Linux architecture Go supports (USER_HZ is fixed in the ABI).
const ClockTick = 10 * time.Millisecond

// CPUTime returns utime+stime of process pid (all its threads), read from
// /proc/PID/stat; pid 0 means this process.
func CPUTime(pid int) (time.Duration, error) {
	path := "/proc/self/stat"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return parseStat(b)
}

var errStat = errors.New("/proc/PID/stat: unexpected format")

func parseStat(b []byte) (time.Duration, error) {
	// The command name (field 2) may hold spaces: fields are counted after
	// its closing parenthesis. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errStat
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, errStat
	}
	ut, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	st, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errStat
	}
	return time.Duration(ut+st) * ClockTick, nil
}

// CPUReader reads a process's CPU time with one pread on a file opened
// beforehand.
type CPUReader struct {
	f   *os.File
	buf []byte
}

// OpenCPU opens /proc/PID/stat (pid 0: this process).
func OpenCPU(pid int) (*CPUReader, error) {
	path := "/proc/self/stat"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &CPUReader{f: f, buf: make([]byte, 1024)}, nil
}

// Read returns utime+stime now.
func (r *CPUReader) Read() (time.Duration, error) {
	n, err := r.f.ReadAt(r.buf, 0)
	if n == 0 && err != nil {
		return 0, err
	}
	return parseStat(r.buf[:n])
}

// Close closes the file.
func (r *CPUReader) Close() error { return r.f.Close() }

// RSS returns VmRSS of process pid in bytes, from /proc/PID/status.
func RSS(pid int) (int64, error) {
	path := "/proc/self/status"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	i := bytes.Index(b, []byte("\nVmRSS:"))
	if i < 0 {
		return 0, fmt.Errorf("%s: no VmRSS", path)
	}
	line := b[i+7:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	f := bytes.Fields(line)
	if len(f) < 1 {
		return 0, fmt.Errorf("%s: bad VmRSS", path)
	}
	kb, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return 0, err
	}
	return kb * 1024, nil
}

// Affinity returns the CPUs this process's calling thread may run on.
func Affinity() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	var cpus []int
	for c := 0; c < 1024; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

var sink uint64

func spin(n int) uint64 {
	x := uint64(88172645463325252)
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// SpinIterations is the fixed work of one calibration: about 50 ms in the
// host's fast mode.
const SpinIterations = 30_000_000

// Calibrate times the fixed CPU loop on core cpu (the calling goroutine's
// thread is moved there and back).
func Calibrate(cpu int) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return 0, err
	}
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return 0, err
	}
	defer func() { _ = unix.SchedSetaffinity(0, &old) }()
	t := time.Now()
	sink += spin(SpinIterations)
	return time.Since(t), nil
}

// CoreTimes is one core's line of /proc/stat, in USER_HZ ticks.
type CoreTimes struct {
	Task  int64 // user + nice + system: time charged to some thread
	Busy  int64 // all but idle and iowait (Task plus irq, softirq, steal)
	Total int64
}

// Cores reads /proc/stat for the first n cores. Busy includes the softirq
// time in which loopback TCP does much of its work and which no process is
// charged for.
func Cores(n int) ([]CoreTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil, err
	}
	out := make([]CoreTimes, n)
	for _, line := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("cpu")) || len(line) < 4 || line[3] < '0' || line[3] > '9' {
			continue
		}
		f := bytes.Fields(line)
		c, err := strconv.Atoi(string(f[0][3:]))
		if err != nil || c >= n || len(f) < 9 {
			continue
		}
		var v [8]int64 // user nice system idle iowait irq softirq steal
		for i := range v {
			v[i], _ = strconv.ParseInt(string(f[1+i]), 10, 64)
		}
		ct := &out[c]
		ct.Task = v[0] + v[1] + v[2]
		ct.Busy = ct.Task + v[5] + v[6] + v[7]
		ct.Total = ct.Busy + v[3] + v[4]
	}
	return out, nil
}

// Procs maps each process's pid to its command name and CPU time, for
// finding out which other processes took CPU during a window.
type Procs map[int]ProcCPU

// ProcCPU is one process's command name and utime+stime.
type ProcCPU struct {
	Comm string
	CPU  time.Duration
}

// AllProcs reads /proc/*/stat.
func AllProcs() Procs {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	out := make(Procs, len(ents))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if i < 0 || j < i {
			continue
		}
		f := bytes.Fields(b[j+1:])
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(string(f[11]), 10, 64)
		st, _ := strconv.ParseInt(string(f[12]), 10, 64)
		out[pid] = ProcCPU{Comm: string(b[i+1 : j]), CPU: time.Duration(ut+st) * ClockTick}
	}
	return out
}

// Top returns the processes (but those in skip) that used the most CPU
// between before and p, as "name NN%" of elapsed, at most n of them, each
// above 2 %.
func (p Procs) Top(before Procs, elapsed time.Duration, n int, skip ...int) []string {
	type use struct {
		name string
		d    time.Duration
	}
	var uses []use
	for pid, now := range p {
		if slices.Contains(skip, pid) {
			continue
		}
		d := now.CPU - before[pid].CPU
		if d > 0 {
			uses = append(uses, use{now.Comm, d})
		}
	}
	slices.SortFunc(uses, func(a, b use) int { return int(b.d - a.d) })
	var out []string
	for _, u := range uses {
		pct := 100 * u.d.Seconds() / elapsed.Seconds()
		if len(out) == n || pct < 2 {
			break
		}
		out = append(out, fmt.Sprintf("%s %.0f%%", u.name, pct))
	}
	return out
}
