// A socket.io 4.8 server with the handlers of the matrix's gosio server
// (internal/hardening/env_test.go), for TestNodeProbe. Port 39123.
const { Server } = require("socket.io");
const io = new Server(39123, { connectionStateRecovery: {}, cors: undefined });
let reserved = 0;
function setup(socket) {
  socket.on("echo", (...args) => { const cb = typeof args[args.length-1] === "function" ? args.pop() : null; if (cb) cb(args[0]); });
  socket.on("join", (room, cb) => { socket.join(room); if (typeof cb === "function") cb(room); });
  socket.on("bcast", (room, ...args) => { socket.to(room).emit("bcast", ...args); });
  for (const n of ["connect", "disconnect", "disconnecting", "newListener"]) socket.on(n, () => { reserved++; console.log("RESERVED", n); });
}
io.on("connection", setup);
io.of("/admin").on("connection", setup);
io.of(/^\/dyn-/).on("connection", setup);
io.engine.on("connection_error", (e) => console.log("conn_error", e.code, e.message));
console.log("listening");
