// client.mjs: socket.io-client (v4) sockets driven by a Go test.
//
// Usage: node client.mjs URL
//   URL  the server's origin, e.g. http://127.0.0.1:12345 (path /socket.io/)
//
// With SIO_PARSER=msgpack in the environment, every Manager uses
// socket.io-msgpack-parser instead of the default parser.
//
// Binary values cross stdin/stdout as {"$bin":"<hex>"} at any depth; they
// are Buffers on the socket.io side.
//
// Commands, one JSON object per line on stdin ("id" names a socket, "mgr"
// a Manager, i.e. one Engine.IO connection; sockets given the same "mgr"
// are multiplexed over it):
//   {"cmd":"connect","id":"a","nsp":"/","mgr":"m","opts":{...},"sockOpts":{...}}
//       opts: Manager options (transports, reconnection, ...)
//       sockOpts: Socket options (auth, ackTimeout, ...)
//   {"cmd":"emit","id":"a","name":"ev","args":[...]}
//   {"cmd":"emitWithAck","id":"a","name":"ev","args":[...],"tag":"t","timeout":ms}
//   {"cmd":"emitCb","id":"a","name":"ev","args":[...],"tag":"t","timeout":ms}
//   {"cmd":"ack","id":"a","key":3,"args":[...]}     answers a received event
//   {"cmd":"disconnect","id":"a"}                    socket.disconnect()
//   {"cmd":"connectAgain","id":"a"}                  socket.connect()
//   {"cmd":"closeEngine","id":"a"}                   socket.io.engine.close()
//   {"cmd":"freeze","id":"a"}                        stop answering pings
//   {"cmd":"transport","id":"a"}
//   {"cmd":"exit"}
// Events, one JSON object per line on stdout:
//   {"event":"connect","id":"a","sid":...,"recovered":bool,"transport":...}
//   {"event":"connect_error","id":"a","message":...,"data":...}
//   {"event":"disconnect","id":"a","reason":...}
//   {"event":"upgrade","mgr":"m","transport":...}
//   {"event":"recv","id":"a","name":...,"args":[...],"ackKey":n|null}
//   {"event":"ack","id":"a","tag":"t","err":null|"message","args":[...]}
//   {"event":"transport","id":"a","name":...}
//   {"event":"fatal","message":...}                  a bug in this script
import { Manager } from "socket.io-client";
import { createInterface } from "node:readline";

const [url] = process.argv.slice(2);
const parserOpts =
  process.env.SIO_PARSER === "msgpack" ? { parser: (await import("socket.io-msgpack-parser")).default } : {};

function out(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}

process.on("uncaughtException", (err) => {
  out("fatal", { message: String((err && err.stack) || err) });
  process.exit(1);
});

// toWire turns {"$bin":hex} into Buffers, recursively.
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

// fromWire turns Buffers, ArrayBuffers and typed arrays into {"$bin":hex}.
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
  m = new Manager(url, { reconnectionDelay: 50, reconnectionDelayMax: 200, ...parserOpts, ...opts });
  if (name) managers.set(name, m);
  allManagers.push(m);
  const label = name || "";
  m.on("open", () => {
    const engine = m.engine;
    engine.on("upgrade", (t) => out("upgrade", { mgr: label, transport: t.name }));
    // freeze support: pongs are dropped once frozen.
    const send = engine._sendPacket.bind(engine);
    engine._sendPacket = (type, ...rest) => {
      if (type === "pong" && m.frozen) return;
      return send(type, ...rest);
    };
  });
  return m;
}

function connect(cmd) {
  const m = manager(cmd.mgr, cmd.opts || {});
  const s = m.socket(cmd.nsp || "/", cmd.sockOpts || {});
  const id = cmd.id;
  sockets.set(id, s);
  s.on("connect", () =>
    out("connect", { id, sid: s.id, recovered: !!s.recovered, transport: m.engine && m.engine.transport.name }),
  );
  s.on("connect_error", (err) =>
    out("connect_error", { id, message: err && err.message, data: err && err.data !== undefined ? fromWire(err.data) : null }),
  );
  s.on("disconnect", (reason) => out("disconnect", { id, reason }));
  s.onAny((name, ...args) => {
    let ackKey = null;
    if (args.length && typeof args[args.length - 1] === "function") {
      ackKey = ++ackKeys;
      acks.set(ackKey, args.pop());
    }
    out("recv", { id, name, args: fromWire(args), ackKey });
  });
  s.connect();
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
    case "emitWithAck": {
      const s = socket(cmd.id);
      const target = cmd.timeout !== undefined ? s.timeout(cmd.timeout) : s;
      target.emitWithAck(cmd.name, ...toWire(cmd.args || [])).then(
        (res) => out("ack", { id: cmd.id, tag: cmd.tag, err: null, args: fromWire([res]) }),
        (err) => out("ack", { id: cmd.id, tag: cmd.tag, err: String(err && err.message), args: [] }),
      );
      break;
    }
    case "emitCb": {
      const s = socket(cmd.id);
      if (cmd.timeout !== undefined) {
        s.timeout(cmd.timeout).emit(cmd.name, ...toWire(cmd.args || []), (err, ...res) =>
          out("ack", { id: cmd.id, tag: cmd.tag, err: err ? String(err.message) : null, args: fromWire(res) }),
        );
      } else {
        s.emit(cmd.name, ...toWire(cmd.args || []), (...res) =>
          out("ack", { id: cmd.id, tag: cmd.tag, err: null, args: fromWire(res) }),
        );
      }
      break;
    }
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
    case "connectAgain":
      socket(cmd.id).connect();
      break;
    case "closeEngine":
      socket(cmd.id).io.engine.close();
      break;
    case "freeze":
      socket(cmd.id).io.frozen = true;
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
  for (const m of allManagers) m._close && m._close();
  setTimeout(() => process.exit(0), 50);
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  handle(JSON.parse(line));
});
rl.on("close", shutdown);
