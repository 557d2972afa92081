// Command cgload drives a fixed amount of S1 or S2 traffic (echo, or echo
// with ack) at a benchmark server and exits, for callgrind.sh: counted by
// valgrind's callgrind, a server's instructions for a fixed number of round
// trips are the same from run to run whatever else the host does, where
// its CPU time on these machines moves by up to 1.5x.
//
//	cgload -addr 127.0.0.1:3900 -n 10 -k 2000 -ack=true
//
// n clients each connect to namespace "/", then, once all are connected,
// make k round trips each, one outstanding at a time, with the frames of
// bench/internal/load. It prints START when the round trips begin and DONE
// when they are over.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/bench/internal/load"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3900", "server address")
	n := flag.Int("n", 10, "clients")
	k := flag.Int("k", 2000, "round trips per client")
	ack := flag.Bool("ack", true, "S2 (echo-ack, answered by an ack) rather than S1 (echo, answered by an event)")
	upgrade := flag.Bool("upgrade", false, "only connect n clients one after the other as S5's polling+upgrade does, then close them (k is ignored)")
	flag.Parse()
	if *upgrade {
		connectUpgrades(context.Background(), *addr, *n)
		return
	}
	frame, prefix := []byte(`42["echo",{"n":1,"msg":"hello from the gosio benchmark"}]`), []byte(`42["echo",`)
	if *ack {
		frame, prefix = []byte(`421["echo-ack",{"n":1,"msg":"hello from the gosio benchmark"}]`), []byte(`431[`)
	}
	ctx := context.Background()
	conns := make([]*websocket.Conn, *n)
	for i := range conns {
		conns[i] = dial(ctx, *addr)
	}
	fmt.Println("START")
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			for range *k {
				if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
					log.Fatal(err)
				}
				if m := next(ctx, c); !bytes.HasPrefix(m, prefix) {
					log.Fatalf("answered %q", m)
				}
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
		})
	}
	wg.Wait()
	fmt.Println("DONE")
}

// dial opens a websocket session and joins "/", retrying while the server
// (slow under valgrind) is not yet listening.
func dial(ctx context.Context, addr string) *websocket.Conn {
	var c *websocket.Conn
	var err error
	for range 600 {
		if c, _, err = websocket.Dial(ctx, "ws://"+addr+"/socket.io/?EIO=4&transport=websocket", nil); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		log.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	next(ctx, c) // open
	if err := c.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		log.Fatal(err)
	}
	next(ctx, c) // CONNECT reply
	return c
}

// connectUpgrades connects n clients in turn over long-polling, upgrades
// each to websocket and closes it, retrying the first while the server is
// not yet listening.
func connectUpgrades(ctx context.Context, addr string, n int) {
	d := load.NewDialer(addr)
	for i := range n {
		var w *load.WS
		var err error
		for range 600 {
			if w, err = d.ConnectUpgrade(ctx, -1); err == nil || i > 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			log.Fatal(err)
		}
		w.Close()
	}
	fmt.Println("DONE")
}

// next returns the next message that is not a ping, answering pings.
func next(ctx context.Context, c *websocket.Conn) []byte {
	for {
		_, m, err := c.Read(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if len(m) == 1 && m[0] == '2' {
			_ = c.Write(ctx, websocket.MessageText, []byte("3"))
			continue
		}
		return m
	}
}
