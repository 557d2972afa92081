// many.mjs: N socket.io-client (v4) sockets at once, each on its own
// connection, driven by a Go test.
//
// Usage: node many.mjs URL N
// Every socket connects (transports: the default, polling then upgrade)
// and, once all are connected, emits "hello" i with an ack expecting 2*i.
// Each socket expects one "broadcast" event ("to all", <Buffer 01 02 03>)
// and acknowledges "vote" with its index.
// Events on stdout, one JSON object per line:
//   {"event":"connected","n":N}            all connected (distinct ids)
//   {"event":"acked","n":N,"bad":k}        all hello acks arrived
//   {"event":"broadcast","n":N,"bad":k}    all received the broadcast
//   {"event":"closed","n":N}               answer to {"cmd":"close"}
//   {"event":"fatal","message":...}
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const [url, nArg] = process.argv.slice(2);
const n = Number(nArg);

function out(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}

process.on("uncaughtException", (err) => {
  out("fatal", { message: String((err && err.stack) || err) });
  process.exit(1);
});

const sockets = [];
const ids = new Set();
let connected = 0;
let acked = 0;
let badAcks = 0;
let broadcasts = 0;
let badBroadcasts = 0;

for (let i = 0; i < n; i++) {
  const s = io(url, { forceNew: true, reconnection: false });
  sockets.push(s);
  s.once("connect", () => {
    ids.add(s.id);
    if (++connected === n) {
      out("connected", { n: ids.size });
      sockets.forEach((sock, j) => {
        sock.timeout(60000).emit("hello", j, (err, res) => {
          if (err || res !== 2 * j) badAcks++;
          if (++acked === n) out("acked", { n: acked, bad: badAcks });
        });
      });
    }
  });
  s.on("connect_error", (err) => out("fatal", { message: `connect_error ${err.message}` }));
  s.on("broadcast", (text, buf) => {
    if (text !== "to all" || !Buffer.isBuffer(buf) || buf.toString("hex") !== "010203") badBroadcasts++;
    if (++broadcasts === n) out("broadcast", { n: broadcasts, bad: badBroadcasts });
  });
  s.on("vote", (cb) => cb(i));
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  if (cmd.cmd === "close") {
    let closed = 0;
    for (const s of sockets) {
      s.once("disconnect", () => {
        if (++closed === n) out("closed", { n: closed });
      });
      s.disconnect();
    }
  }
});
rl.on("close", () => {
  for (const s of sockets) s.disconnect();
  setTimeout(() => process.exit(0), 50);
});
