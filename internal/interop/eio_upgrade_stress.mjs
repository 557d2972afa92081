// eio_upgrade_stress.mjs: engine.io-client (v6) sessions that upgrade from
// long-polling to websocket while messages are in flight both ways.
//
// Usage: node eio_upgrade_stress.mjs URL TOTAL CONCURRENT K
// TOTAL sessions, CONCURRENT at a time. Each sends "c0" .. "c(K-1)" from
// its open (on polling, the probe under way), which the server echoes,
// and expects the server's own "s0" .. "s(K-1)", each once and in order.
// A session is done once it is on websocket and has every message; it then
// closes. On stdout, one JSON object per line:
//   {"event":"done","i":i,"bad":n,"transport":...}
//   {"event":"fatal","message":...}
import { Socket } from "engine.io-client";

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

function startOne() {
  const i = started++;
  const s = new Socket(url, { path: "/engine.io/" });
  let upgraded = false, echoes = 0, own = 0, bad = 0, reported = false;
  const check = () => {
    if (reported || !upgraded || echoes < K || own < K) return;
    reported = true;
    out("done", { i, bad, transport: s.transport.name });
    s.close();
    if (started < total) startOne();
  };
  s.on("open", () => {
    for (let k = 0; k < K; k++) s.send("c" + k);
  });
  s.on("upgrade", () => { upgraded = true; check(); });
  s.on("message", (data) => {
    if (data[0] === "c") {
      if (data !== "c" + echoes) bad++;
      echoes++;
    } else {
      if (data !== "s" + own) bad++;
      own++;
    }
    check();
  });
  s.on("close", (reason) => {
    if (!reported) out("fatal", { message: `session ${i}: close ${reason} (echoes ${echoes}, own ${own}, upgraded ${upgraded})` });
  });
}

for (let j = 0; j < Math.min(concurrent, total); j++) startOne();
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
