package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gosio/gosio/bench/internal/load"
)

// redisServer is a private redis-server of one S8 run.
type redisServer struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

// startRedis starts redis-server on core 0 on the first free port from
// *port on, without persistence, and waits until it answers PING.
func startRedis(port *int) (*redisServer, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("S8 needs redis-server: %w", err)
	}
	for try := 0; try < 5; try++ {
		*port++
		addr := "127.0.0.1:" + strconv.Itoa(*port)
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			continue
		}
		cmd := exec.Command("taskset", "-c", "0", "redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(*port),
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
		logf, err := os.OpenFile(filepath.Join("results", "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			return nil, err
		}
		r := &redisServer{cmd: cmd, addr: addr, done: make(chan struct{})}
		go func() {
			_ = cmd.Wait()
			logf.Close()
			close(r.done)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if ping(addr) {
				return r, nil
			}
			select {
			case <-r.done:
				deadline = time.Time{} // exited (port taken?): next port
			case <-time.After(50 * time.Millisecond):
			}
		}
		r.stop()
	}
	return nil, fmt.Errorf("redis-server did not start (see results/redis.log)")
}

// ping says whether a Redis answers PING at addr.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

func (r *redisServer) stop() {
	_ = r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.done:
	case <-time.After(2 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// runCluster runs S8 against a pair of servers of spec s (the mixed entry:
// its two servers) on a fresh private Redis.
func runCluster(cfg *config, s serverSpec, port *int) (map[string]float64, []string, error) {
	names := s.pair
	if names[0] == "" {
		names = [2]string{s.Name, s.Name}
	}
	var specs [2]serverSpec
	for i, n := range names {
		j := slices.IndexFunc(cfg.servers, func(c serverSpec) bool { return c.Name == n })
		if j < 0 {
			return nil, nil, fmt.Errorf("S8 pair: no server %q", n)
		}
		specs[i] = cfg.servers[j]
	}
	rds, err := startRedis(port)
	if err != nil {
		return nil, nil, err
	}
	defer rds.stop()
	var srvs []*server
	defer func() {
		for _, srv := range srvs {
			srv.stop()
		}
	}()
	for _, spec := range specs {
		*port++
		srv, err := startServer(spec, port, "REDIS_ADDR="+rds.addr)
		if err != nil {
			return nil, nil, err
		}
		srvs = append(srvs, srv)
	}
	env := &load.Env{
		Dialer:  load.NewDialer(srvs[0].addr),
		Dialer2: load.NewDialer(srvs[1].addr),
		PID:     srvs[0].pid,
		Peers:   []int{srvs[1].pid},
		Redis:   rds.cmd.Process.Pid,
		Warmup:  cfg.warmup,
		Window:  cfg.window,
		Logf: func(format string, args ...any) {
			if cfg.verbose {
				log.Printf(format, args...)
			}
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	samples, err := env.Broadcast(ctx, "S8", []int{cfg.s8Size}, 4)
	vals := map[string]float64{}
	for _, smp := range samples {
		vals[smp.Key] = smp.Value
	}
	for i, srv := range srvs {
		select {
		case <-srv.done:
			if err == nil {
				err = fmt.Errorf("server %s exited during the run (see results/%s.log)", specs[i].Name, specs[i].Name)
			}
		default:
		}
	}
	return vals, env.Others, err
}
