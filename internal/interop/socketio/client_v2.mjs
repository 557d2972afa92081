// client_v2.mjs: socket.io-client 2.x sockets (Engine.IO v3, Socket.IO
// protocol v4; npm alias socket.io-client-v2) driven by a Go test, for a
// server with AllowEIO3. It speaks client.mjs's commands and events where
// 2.x has the feature:
//   {"cmd":"connect","id":"a","nsp":"/","mgr":"m","opts":{...},"sockOpts":{...}}
//       opts: Manager options (transports, forceBase64, query, ...)
//       sockOpts: Socket options (query: sent in the namespace's CONNECT)
//   {"cmd":"emit",...} {"cmd":"emitCb",...} {"cmd":"ack",...}
//   {"cmd":"disconnect","id":"a"} {"cmd":"transport","id":"a"} {"cmd":"exit"}
// Events: connect, disconnect, upgrade, recv, ack, transport and fatal as
// client.mjs prints them, plus
//   {"event":"error","id":"a","data":...}   a namespace's CONNECT_ERROR
//                                           (2.x emits it as "error")
//   {"event":"connect_error","id":"a","message":...}  the Engine.IO
//                                           connection failed
//   {"event":"ping","mgr":"m"} {"event":"pong","mgr":"m","ms":n}
// Binary values cross stdin/stdout as {"$bin":"<hex>"}.
import io from "socket.io-client-v2";
import { createInterface } from "node:readline";

const [url] = process.argv.slice(2);

function out(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}

process.on("uncaughtException", (err) => {
  out("fatal", { message: String((err && err.stack) || err) });
  process.exit(1);
});

function toWire(v) {
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === "object") {
    if (typeof v.$bin === "string" && Object.keys(v).length === 1) return Buffer.from(v.$bin, "hex");
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = toWire(x);
    return o;
  }
  return v;
}

function fromWire(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString("hex") };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(new Uint8Array(v)).toString("hex") };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") };
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = fromWire(x);
    return o;
  }
  return v;
}

const managers = new Map();
const allManagers = [];
const sockets = new Map();
const acks = new Map();
let ackKeys = 0;

function manager(name, opts) {
  let m = name ? managers.get(name) : undefined;
  if (m) return m;
  m = io.Manager(url, { reconnectionDelay: 50, reconnectionDelayMax: 200, ...opts });
  if (name) managers.set(name, m);
  allManagers.push(m);
  const label = name || "";
  m.on("open", () => {
    m.engine.on("upgrade", (t) => out("upgrade", { mgr: label, transport: t.name }));
  });
  m.on("ping", () => out("ping", { mgr: label }));
  m.on("pong", (ms) => out("pong", { mgr: label, ms }));
  return m;
}

function connect(cmd) {
  const m = manager(cmd.mgr, cmd.opts || {});
  const s = m.socket(cmd.nsp || "/", cmd.sockOpts || {});
  const id = cmd.id;
  sockets.set(id, s);
  s.on("connect", () =>
    out("connect", { id, sid: s.id, transport: m.engine && m.engine.transport.name }),
  );
  s.on("error", (data) => out("error", { id, data: fromWire(data) }));
  s.on("connect_error", (err) => out("connect_error", { id, message: String(err && err.message) }));
  s.on("disconnect", (reason) => out("disconnect", { id, reason }));
  // 2.x has no onAny: every event is reported here instead of its listeners.
  s.onevent = (packet) => {
    const args = (packet.data || []).slice();
    let ackKey = null;
    if (packet.id != null) {
      ackKey = ++ackKeys;
      acks.set(ackKey, s.ack(packet.id));
    }
    out("recv", { id, name: args[0], args: fromWire(args.slice(1)), ackKey });
  };
  if (!s.connected) s.open();
}

function socket(id) {
  const s = sockets.get(id);
  if (!s) throw new Error(`no socket ${id}`);
  return s;
}

function handle(cmd) {
  switch (cmd.cmd) {
    case "connect":
      connect(cmd);
      break;
    case "emit":
      socket(cmd.id).emit(cmd.name, ...toWire(cmd.args || []));
      break;
    case "emitCb":
      socket(cmd.id).emit(cmd.name, ...toWire(cmd.args || []), (...res) =>
        out("ack", { id: cmd.id, tag: cmd.tag, err: null, args: fromWire(res) }),
      );
      break;
    case "ack": {
      const fn = acks.get(cmd.key);
      if (!fn) throw new Error(`no ack ${cmd.key}`);
      acks.delete(cmd.key);
      fn(...toWire(cmd.args || []));
      break;
    }
    case "disconnect":
      socket(cmd.id).disconnect();
      break;
    case "transport": {
      const e = socket(cmd.id).io.engine;
      out("transport", { id: cmd.id, name: e && e.transport ? e.transport.name : "" });
      break;
    }
    case "exit":
      shutdown();
      break;
    default:
      throw new Error(`unknown command ${cmd.cmd}`);
  }
}

function shutdown() {
  for (const s of sockets.values()) s.disconnect();
  for (const m of allManagers) m.close && m.close();
  setTimeout(() => process.exit(0), 50);
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  handle(JSON.parse(line));
});
rl.on("close", shutdown);
