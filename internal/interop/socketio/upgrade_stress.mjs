// upgrade_stress.mjs: socket.io-client (v4) sockets that upgrade from
// long-polling to websocket while packets are in flight both ways.
//
// Usage: node upgrade_stress.mjs URL TOTAL CONCURRENT K
// TOTAL sockets, CONCURRENT at a time, each with its own connection
// (default transports: polling, then the upgrade). Each socket, from its
// "connect" (still on polling, the probe under way), emits K times each:
//   "seq" k                                  plain events, in order
//   socket.timeout(50).emit("ack", k, cb)    acks that must come within 50 ms
//   emit("retry", k, cb) on a second socket of the same connection, in
//                                            namespace /r, with retries: 3 and
//                                            ackTimeout: 50 (retried when late)
// and expects the server's K "down" k events, in order, once each. A socket
// is done once it is on websocket, every ack has come and every "down"
// event; it then disconnects. On stdout, one JSON object per line:
//   {"event":"done","i":i,"sid":...,"ackErrors":n,"retryErrors":n,"downBad":n,"transport":...}
//   {"event":"finished","n":TOTAL}
//   {"event":"fatal","message":...}
import { Manager } from "socket.io-client";

const [url, totalArg, concArg, kArg] = process.argv.slice(2);
const total = Number(totalArg);
const concurrent = Number(concArg);
const K = Number(kArg);

function out(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}

process.on("uncaughtException", (err) => {
  out("fatal", { message: String((err && err.stack) || err) });
  process.exit(1);
});

let started = 0;
let finished = 0;

function startOne() {
  const i = started++;
  const m = new Manager(url, { reconnection: false });
  const s = m.socket("/");
  const r = m.socket("/r", { retries: 3, ackTimeout: 50 });
  let upgraded = false;
  let acks = 0, ackErrors = 0, retries = 0, retryErrors = 0, down = 0, downBad = 0;
  let reported = false;
  const check = () => {
    if (reported || !upgraded || acks < K || retries < K || down < K) return;
    reported = true;
    out("done", { i, sid: s.id, eid: m.engine.id, ackErrors, retryErrors, downBad, transport: s.io.engine.transport.name });
    s.disconnect();
    r.disconnect();
    finished++;
    if (finished === total) out("finished", { n: total });
    else if (started < total) startOne();
  };
  s.io.on("open", () => {
    s.io.engine.once("upgrade", () => { upgraded = true; check(); });
  });
  s.on("down", (k) => {
    if (k !== down) downBad++;
    down++;
    check();
  });
  s.once("connect", () => {
    for (let k = 0; k < K; k++) {
      s.emit("seq", k);
      s.timeout(50).emit("ack", k, (err, v) => {
        if (err || v !== k) ackErrors++;
        acks++;
        check();
      });
      r.emit("retry", k, (err, v) => {
        if (err || v !== k) retryErrors++;
        retries++;
        check();
      });
    }
  });
  r.on("connect_error", (err) => out("fatal", { message: `socket ${i} /r: connect_error ${err.message}` }));
  s.on("connect_error", (err) => out("fatal", { message: `socket ${i}: connect_error ${err.message}` }));
  s.on("disconnect", (reason) => {
    if (!reported) out("fatal", { message: `socket ${i}: disconnect ${reason} (acks ${acks}, retries ${retries}, down ${down}, upgraded ${upgraded})` });
  });
}

for (let j = 0; j < Math.min(concurrent, total); j++) startOne();
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
