// A Node.js member of a test cluster, driven by gosio's Go tests over
// stdin (one JSON command a line) and reporting on stdout (one JSON event
// a line).
//
//   node cluster_node.js server   a socket.io 4.8 server on
//                                 @socket.io/redis-adapter (REDIS_URL, KEY)
//   node cluster_node.js clients  socket.io-client clients
//   node cluster_node.js emitter  a @socket.io/redis-emitter 5.1
"use strict";
const readline = require("readline");

const out = (ev) => process.stdout.write(JSON.stringify(ev) + "\n");
process.on("uncaughtException", (err) => out({ event: "error", message: String(err && err.stack || err) }));
process.on("unhandledRejection", (err) => out({ event: "error", message: String(err && err.stack || err) }));

const mode = process.argv[2];
const commands = readline.createInterface({ input: process.stdin });
commands.on("close", () => process.exit(0));

const view = (s) => ({ id: s.id, rooms: [...s.rooms], data: s.data, handshake: s.handshake });

if (mode === "server") {
  const { createServer } = require("http");
  const { Server } = require("socket.io");
  const { createAdapter } = require("@socket.io/redis-adapter");
  const { createClient } = require("redis");
  (async () => {
    const pub = process.env.CLUSTER_URLS
      ? require("redis").createCluster({ rootNodes: process.env.CLUSTER_URLS.split(",").map((url) => ({ url })) })
      : createClient({ url: process.env.REDIS_URL });
    const sub = pub.duplicate();
    pub.on("error", () => {});
    sub.on("error", () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    const httpServer = createServer();
    const adapter = process.env.STREAMS
      ? require("@socket.io/redis-streams-adapter").createAdapter(pub, {
          streamName: process.env.KEY,
          channelPrefix: process.env.KEY,
          sessionKeyPrefix: process.env.KEY + ":session:",
          blockTimeInMs: 500,
        })
      : process.env.SHARDED
      ? require("@socket.io/redis-adapter").createShardedAdapter(pub, sub, {
          channelPrefix: process.env.KEY,
          subscriptionMode: process.env.SHARDED,
        })
      : createAdapter(pub, sub, {
          key: process.env.KEY,
          requestsTimeout: Number(process.env.REQUESTS_TIMEOUT || 5000),
          publishOnSpecificResponseChannel: process.env.SPECIFIC === "1",
        });
    const io = new Server(httpServer, {
      adapter,
      connectionStateRecovery: process.env.RECOVERY ? { maxDisconnectionDuration: 60000 } : undefined,
    });
    io.on("connection", (socket) => {
      const auth = socket.handshake.auth || {};
      socket.data = { name: auth.name, server: "node" };
      for (const r of auth.rooms || []) socket.join(r);
      out({ event: "connection", name: auth.name, id: socket.id, recovered: socket.recovered });
    });
    io.on("note", (...args) => out({ event: "sse", args }));
    io.on("sse-ack", (arg, cb) => cb({ from: process.env.NAME, arg }));
    const ops = {
      emit(c, done) {
        let op = io.to(c.rooms || []).except(c.except || []);
        if (c.volatile) op = op.volatile;
        if (c.local) op = op.local;
        op.emit(c.ev, ...(c.binary ? [Buffer.from(c.binary)] : c.args || []));
        done({});
      },
      emitWithAck(c, done) {
        io.to(c.rooms || []).timeout(c.timeout).emit(c.ev, ...(c.args || []), (err, responses) =>
          done({ err: err ? String(err.message) : null, responses }));
      },
      async fetch(c, done) {
        const sockets = await io.in(c.rooms || []).fetchSockets();
        done({ sockets: sockets.map(view) });
      },
      join(c, done) { io.in(c.rooms || []).socketsJoin(c.target); done({}); },
      leave(c, done) { io.in(c.rooms || []).socketsLeave(c.target); done({}); },
      disconnect(c, done) { io.in(c.rooms || []).disconnectSockets(!!c.close); done({}); },
      sse(c, done) { io.serverSideEmit(c.ev, ...(c.args || [])); done({}); },
      async sseAck(c, done) {
        try {
          done({ responses: await io.serverSideEmitWithAck(c.ev, ...(c.args || [])) });
        } catch (err) {
          done({ err: String(err.message), responses: err.responses });
        }
      },
      pid(c, done) { done({ pid: process.pid }); },
      async count(c, done) { done({ count: await io.of("/").adapter.serverCount() }); },
      async remoteEmit(c, done) {
        const s = (await io.fetchSockets()).find((s) => s.id === c.sid);
        if (!s) return done({ err: "no socket" });
        if (c.ack) {
          try { done({ response: await s.timeout(c.timeout).emitWithAck(c.ev, ...(c.args || [])) }); }
          catch (err) { done({ err: String(err.message) }); }
        } else { s.emit(c.ev, ...(c.args || [])); done({}); }
      },
    };
    commands.on("line", (line) => {
      const c = JSON.parse(line);
      const done = (res) => out({ event: "done", id: c.id, ...res });
      Promise.resolve(ops[c.cmd](c, done)).catch((err) => done({ err: String(err) }));
    });
    httpServer.listen(0, "127.0.0.1", () => out({ event: "listening", port: httpServer.address().port }));
  })();
} else if (mode === "emitter") {
  const { Emitter } = require("@socket.io/redis-emitter");
  const { createClient } = require("redis");
  (async () => {
    const client = createClient({ url: process.env.REDIS_URL });
    client.on("error", () => {});
    await client.connect();
    const emitter = new Emitter(client, { key: process.env.KEY });
    commands.on("line", async (line) => {
      const c = JSON.parse(line);
      let op = emitter.of(c.nsp || "/").to(c.rooms || []).except(c.except || []);
      if (c.volatile) op = op.volatile;
      // The emitter's publishes are awaited in order: each "done" follows
      // its message on Redis.
      if (c.cmd === "emit") await op.emit(c.ev, ...(c.binary ? [Buffer.from(c.binary)] : c.args || []));
      else if (c.cmd === "join") await op.socketsJoin(c.target);
      else if (c.cmd === "leave") await op.socketsLeave(c.target);
      else if (c.cmd === "disconnect") await op.disconnectSockets(!!c.close);
      else if (c.cmd === "sse") await emitter.of(c.nsp || "/").serverSideEmit(c.ev, ...(c.args || []));
      await client.ping();
      out({ event: "done", id: c.id });
    });
    out({ event: "ready" });
  })();
} else {
  const { io } = require("socket.io-client");
  const clients = new Map();
  commands.on("line", (line) => {
    const c = JSON.parse(line);
    if (c.cmd === "connect" || c.cmd === "move") {
      // move: a new client to another server, with the session (pid and
      // last offset) of a dropped one, as if it had reconnected there.
      const old = c.cmd === "move" ? clients.get(c.from) : null;
      const s = io(c.url, {
        transports: ["websocket"], reconnection: false, forceNew: true,
        auth: { name: c.name, rooms: c.rooms || [] }, query: { who: c.name },
        autoConnect: !old,
      });
      if (old) {
        s._pid = old._pid;
        s._lastOffset = old._lastOffset;
        s.connect();
      }
      clients.set(c.name, s);
      s.on("connect", () => out({ event: "connected", name: c.name, id: s.id, recovered: s.recovered }));
      s.on("disconnect", (reason) => out({ event: "disconnected", name: c.name, reason }));
      s.onAny((ev, ...args) => {
        const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
        const bin = (v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) ? { bin: [...new Uint8Array(v.buffer || v, v.byteOffset || 0, v.byteLength)] } : v;
        out({ event: "got", name: c.name, ev, args: args.map(bin) });
        if (cb && !(ev === "ask-partial" && c.name.endsWith("2"))) cb({ name: c.name, ev });
      });
    } else if (c.cmd === "drop") {
      // The transport closes as a lost network would: "transport close",
      // a recoverable reason.
      clients.get(c.name).io.engine.close();
    } else if (c.cmd === "close") {
      for (const s of clients.values()) s.close();
      process.exit(0);
    }
  });
  out({ event: "ready" });
}
