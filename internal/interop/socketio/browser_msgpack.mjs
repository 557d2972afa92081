// browser_msgpack.mjs: socket.io-client's msgpack build
// (socket.io.msgpack.min.js) in headless Chromium, against a Go server
// with MsgpackParser. The page at URL loads the client; the steps run in
// the page, whose binary values are ArrayBuffers (notepack.io's browser
// build sends an ArrayBuffer as bin, but a typed array as an object of its
// indices, for the Node.js server too).
//
// Usage: node browser_msgpack.mjs URL
// Events on stdout: {"event":"result", ...} or {"event":"error","message":...}
import { chromium } from "playwright-core";

const [url] = process.argv.slice(2);
const out = (event, fields = {}) => process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = await browser.newPage();
  await page.goto(url + "/page");
  const result = await page.evaluate(async () => {
    const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
    const s = io({ reconnection: false });
    await new Promise((ok, ko) => {
      s.on("connect", ok);
      s.on("connect_error", ko);
    });
    const pushed = new Promise((ok) => s.on("push", (text, bin, obj) => ok({ text, bin: hex(bin), obj: { ...obj, blob: hex(obj.blob) } })));
    const doubled = await s.emitWithAck("double", 21);
    const reversed = await s.emitWithAck("reverse", new Uint8Array([1, 2, 3]).buffer, new Uint8Array([9, 8]).buffer);
    const typed = await s.emitWithAck("typed", new Uint8Array([5, 6]));
    s.emit("push-me");
    const push = await pushed;
    // An ack the server asks for, answered with binary.
    const asked = await new Promise((ok) => s.on("question", (q, cb) => { cb(new Uint8Array([7, 7]).buffer); ok(q); }));
    const transport = s.io.engine.transport.name;
    s.disconnect();
    return { doubled, reversed: hex(reversed), typed, push, asked, transport };
  });
  out("result", result);
} catch (err) {
  out("error", { message: String((err && err.stack) || err) });
} finally {
  await browser.close();
}
