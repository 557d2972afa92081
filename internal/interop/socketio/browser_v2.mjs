// browser_v2.mjs: socket.io-client 2.x's browser build (socket.io.js of
// the socket.io-client-v2 npm alias) in headless Chromium, against a Go
// server with AllowEIO3. A browser has XHR2, so its long-polling carries
// binary in Engine.IO v3's binary payloads (application/octet-stream) both
// ways; then a second connection upgrades to websocket.
//
// Usage: node browser_v2.mjs URL
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
  if (process.env.V2_DEBUG) {
    page.on("console", (m) => out("console", { text: m.text() }));
    await page.addInitScript(() => localStorage.setItem("debug", "engine.io-client:*,socket.io-client:*,socket.io-parser"));
  }
  await page.goto(url + "/page");
  const result = await page.evaluate(async () => {
    const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
    const run = async (opts) => {
      const s = io.connect({ reconnection: false, forceNew: true, ...opts });
      await new Promise((ok, ko) => {
        s.on("connect", ok);
        s.on("connect_error", ko);
        s.on("error", ko);
      });
      const pushed = new Promise((ok) => s.on("push", (text, bin, obj) => ok({ text, bin: hex(bin), blob: hex(obj.blob) })));
      const reversed = await new Promise((ok) =>
        s.emit("reverse", new Uint8Array([1, 2, 3]).buffer, "é😀", new Uint8Array([9, 8]).buffer, (r, text) => ok({ bin: hex(r), text })),
      );
      // The question comes in the push's payload: listened to first.
      const questioned = new Promise((ok) => s.on("question", (q, cb) => { cb(new Uint8Array([7, 7]).buffer); ok(q); }));
      s.emit("push-me");
      const push = await pushed;
      const asked = await questioned;
      if (opts.transports === undefined) {
        await new Promise((ok) => (s.io.engine.transport.name === "websocket" ? ok() : s.io.engine.on("upgrade", ok)));
        const again = await new Promise((ok) => s.emit("reverse", new Uint8Array([4]).buffer, "ws", new Uint8Array([5]).buffer, (r) => ok(hex(r))));
        push.afterUpgrade = again;
      }
      const transport = s.io.engine.transport.name;
      s.disconnect();
      return { reversed, push, asked, transport };
    };
    return { polling: await run({ transports: ["polling"] }), upgrade: await run({}) };
  });
  out("result", result);
} catch (err) {
  out("error", { message: String((err && err.stack) || err) });
} finally {
  await browser.close();
}
