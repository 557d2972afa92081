// traffic.mjs: socket.io-client (v4) sockets for the metrics test.
//
// Usage: node traffic.mjs URL N
// N sockets on "/" and one on "/chat", each on its own connection
// (long-polling, then the upgrade to websocket). Each socket acknowledges
// "q" with "a", and emits "hello" with a 100-character string once
// connected.
// Events on stdout, one JSON object per line:
//   {"event":"ready","n":N+1}       every socket connected and upgraded
//   {"event":"left"}                answer to {"cmd":"leave"}: the first
//                                   "/" socket disconnected itself
//   {"event":"closed"}              answer to {"cmd":"close"}: every
//                                   connection closed
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
let ready = 0;
const total = n + 1;

function start(nsp) {
  const s = io(url + nsp, { forceNew: true, reconnection: false });
  sockets.push(s);
  s.on("q", (cb) => cb("a"));
  s.on("connect", () => {
    s.emit("hello", "x".repeat(100));
    const done = () => {
      if (++ready === total) out("ready", { n: total });
    };
    if (s.io.engine.transport.name === "websocket") done();
    else s.io.engine.once("upgrade", done);
  });
  s.on("connect_error", (err) => out("fatal", { message: "connect_error: " + err.message }));
}

for (let i = 0; i < n; i++) start("/");
start("/chat");

createInterface({ input: process.stdin }).on("line", (line) => {
  const cmd = JSON.parse(line);
  if (cmd.cmd === "leave") {
    sockets[0].disconnect();
    out("left");
  } else if (cmd.cmd === "close") {
    for (const s of sockets) s.io.engine.close();
    out("closed");
  }
});
