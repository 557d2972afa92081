// Node.js socket.io 4.8 server for the gosio benchmark: the same handlers as
// every other server of bench/servers. Listens on 127.0.0.1:$PORT, path
// /socket.io/, prints "ready" when listening. With REDIS_ADDR set (host:port)
// it joins a cluster on that Redis with @socket.io/redis-adapter (scenario S8).
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 3000);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  serveClient: false,
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 1e6,
});

io.on("connection", (socket) => {
  // Text and binary alike: emit the same arguments back.
  socket.on("echo", (...args) => {
    socket.emit("echo", ...args);
  });
  socket.on("echo-ack", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("broadcast", (room, payload) => {
    io.to(room).emit("bcast", payload);
  });
});

const shutdown = () => {
  io.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

async function main() {
  if (process.env.REDIS_ADDR) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pubClient = createClient({ url: "redis://" + process.env.REDIS_ADDR });
    const subClient = pubClient.duplicate();
    await Promise.all([pubClient.connect(), subClient.connect()]);
    io.adapter(createAdapter(pubClient, subClient));
  }
  httpServer.listen(port, "127.0.0.1", () => {
    console.log("ready");
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
