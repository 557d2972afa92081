// eio_client.mjs: an engine.io-client (v6) session driven by a Go test.
//
// Usage: node eio_client.mjs URL [OPTIONS_JSON]
//   URL           the server's origin, e.g. http://127.0.0.1:12345
//   OPTIONS_JSON  engine.io-client options (path defaults to /engine.io/)
//
// It prints one JSON object per line on stdout:
//   {"event":"open","id":...,"transport":...}
//   {"event":"upgrade","transport":...}
//   {"event":"message","kind":"text","data":...}
//   {"event":"message","kind":"binary","hex":...,"type":...}
//   {"event":"close","reason":...,"description":...}
//   {"event":"error","message":...}
//   {"event":"transport","name":...}           answer to {"cmd":"transport"}
//   {"event":"sent","n":...}                   answer to {"cmd":"burst"}
// and reads JSON commands, one per line, on stdin:
//   {"cmd":"send","text":"..."}
//   {"cmd":"send","hex":"0102","as":"arraybuffer"|"buffer"|"uint8array"}
//   {"cmd":"burst","n":500,"prefix":"m"}       sends prefix0 .. prefix(n-1)
//   {"cmd":"transport"}
//   {"cmd":"close"}
// It exits when stdin ends (the Go side closes it when the test ends).
import { Socket } from "engine.io-client";
import { createInterface } from "node:readline";

const [url, optionsJSON] = process.argv.slice(2);
const options = { path: "/engine.io/", ...JSON.parse(optionsJSON || "{}") };

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}

function toHex(data) {
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString("hex");
}

function binaryFrom(hex, as) {
  const buf = Buffer.from(hex, "hex");
  switch (as) {
    case "buffer":
      return buf;
    case "uint8array":
      return new Uint8Array(buf);
    default: {
      const ab = new ArrayBuffer(buf.length);
      new Uint8Array(ab).set(buf);
      return ab;
    }
  }
}

const socket = new Socket(url, options);
socket.binaryType = "arraybuffer";

socket.on("open", () => emit("open", { id: socket.id, transport: socket.transport.name }));
socket.on("upgrade", (transport) => emit("upgrade", { transport: transport.name }));
socket.on("upgradeError", (err) => emit("upgradeError", { message: String(err && err.message) }));
socket.on("message", (data) => {
  if (data === undefined) {
    // engine.io-parser decodes "4" (an empty message) without data
    emit("message", { kind: "text", data: "", undefined: true });
  } else if (typeof data === "string") {
    emit("message", { kind: "text", data });
  } else {
    const type = data instanceof ArrayBuffer ? "arraybuffer" : Buffer.isBuffer(data) ? "buffer" : typeof data;
    emit("message", { kind: "binary", hex: toHex(data), type });
  }
});
socket.on("error", (err) => emit("error", { message: String((err && err.message) || err) }));
socket.on("close", (reason, details) => {
  let description = "";
  if (details) {
    description = String((details.description && details.description.message) || details.description || details.message || details);
  }
  emit("close", { reason, description });
  // no exit here: requests of the closing transport (the close packet's
  // POST) may still be on their way; the script ends with its stdin
});

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  switch (cmd.cmd) {
    case "send":
      socket.send(cmd.hex !== undefined ? binaryFrom(cmd.hex, cmd.as) : cmd.text);
      break;
    case "burst":
      for (let i = 0; i < cmd.n; i++) socket.send(`${cmd.prefix}${i}`);
      emit("sent", { n: cmd.n });
      break;
    case "transport":
      emit("transport", { name: socket.transport ? socket.transport.name : "" });
      break;
    case "close":
      socket.close();
      break;
    default:
      emit("error", { message: `unknown command ${cmd.cmd}` });
  }
});
rl.on("close", () => {
  socket.close();
  setTimeout(() => process.exit(0), 100);
});
