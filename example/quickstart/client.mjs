// The quickstart's client, as its doc comment shows it, for the test: ann
// and ben connect to /chat, ann's message reaches ben, ann gets her
// receipt, and a client without a nickname is refused.
//
//   node example/quickstart/client.mjs http://127.0.0.1:3000
import { io } from "socket.io-client";

const url = process.argv[2];
const out = (o) => console.log(JSON.stringify(o));
const connect = (nick) =>
  new Promise((resolve, reject) => {
    const socket = io(url + "/chat", { auth: nick ? { nick } : {}, transports: ["websocket"], reconnection: false });
    socket.on("connect", () => resolve(socket));
    socket.on("connect_error", (err) => reject(err));
  });

try {
  const ben = await connect("ben");
  const got = new Promise((resolve) => ben.on("chat_message", resolve));
  const ann = await connect("ann");
  const receipt = await ann.timeout(10_000).emitWithAck("chat_message", { text: "hello" });
  out({ event: "receipt", receipt });
  out({ event: "ben_got", msg: await got });
  try {
    await connect("");
    out({ event: "error", message: "a client without a nickname was accepted" });
  } catch (err) {
    out({ event: "refused", message: err.message });
  }
  ann.close();
  ben.close();
  out({ event: "done" });
} catch (err) {
  out({ event: "error", message: String(err) });
}
