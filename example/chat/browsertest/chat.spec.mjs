// Browser test of the chat example: two users in two browser contexts of a
// headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// chat, share an image, switch rooms and reconnect.
//
//   node example/chat/browsertest/chat.spec.mjs http://127.0.0.1:8080 [screenshot-dir]
//
// It prints one JSON line per step passed and exits 0, or prints the
// failing step and exits 1. Screenshots go to example/chat/screenshots/
// (git-ignored) unless a folder is given.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const url = process.argv[2];
if (!url) {
  console.error("usage: node chat.spec.mjs <url> [screenshot-dir]");
  process.exit(2);
}
const shots = process.argv[3] || join(dirname(fileURLToPath(import.meta.url)), "..", "screenshots");
mkdirSync(shots, { recursive: true });

const T = 30_000; // timeout of each wait (the machine may be busy)
const log = (o) => console.log(JSON.stringify(o));

let current = "launch";
async function step(name, fn) {
  current = name;
  const t0 = Date.now();
  await fn();
  log({ step: name, ok: true, ms: Date.now() - t0 });
}

// png makes a small PNG (w x h, two color bands) without any image package.
function png(w, h, top, bottom) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    const [r, g, b] = y < h / 2 ? top : bottom;
    for (let x = 0; x < w; x++) row.set([r, g, b], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function fail(msg) {
  throw new Error(msg);
}

// Helpers reading what a page shows.
const msg = (page, text) => page.locator("#messages .msg", { hasText: text });
async function seeMessage(page, text, from) {
  const m = msg(page, text);
  await m.first().waitFor({ timeout: T });
  if (from !== undefined) {
    const who = await m.first().locator(".from").textContent();
    if (who !== from) fail(`message ${JSON.stringify(text)} shows sender ${who}, want ${from}`);
  }
  return m.first();
}
async function members(page, want) {
  const sorted = [...want].sort();
  try {
    await page.waitForFunction(
      (w) => JSON.stringify([...document.querySelectorAll("#members li")].map((li) => li.textContent).sort()) === w,
      JSON.stringify(sorted),
      { timeout: T },
    );
  } catch {
    const got = await page.locator("#members li").allTextContents();
    fail(`members ${JSON.stringify(got)}, want ${JSON.stringify(sorted)}`);
  }
}
// tick waits for the delivery tick of an own message: an SVG icon, no
// text (an emoji would need a font).
async function tick(page, text) {
  const t = msg(page, text).locator(".tick.sent");
  await t.waitFor({ timeout: T });
  if ((await t.locator("svg path").count()) !== 1) fail(`tick of ${text} is not an SVG icon`);
  if ((await t.textContent()) !== "") fail(`tick of ${text} has text ${JSON.stringify(await t.textContent())}`);
  if (!(await msg(page, text).first().evaluate((li) => li.classList.contains("mine")))) fail(`${text} is not shown as one's own`);
}
// notMine checks that a message is shown as someone else's.
async function notMine(page, text) {
  if (await (await seeMessage(page, text)).evaluate((li) => li.classList.contains("mine"))) fail(`${text} is shown as one's own`);
}
// inViewport checks that every element of a selector lies inside the
// page's width and inside its scrolling container's visible box.
async function inViewport(page, sel, what) {
  const boxes = await page.evaluate((s) => {
    const vw = document.documentElement.clientWidth;
    return [...document.querySelectorAll(s)].map((e) => {
      const r = e.getBoundingClientRect();
      let c = e.parentElement;
      while (c && getComputedStyle(c).overflowY === "visible" && getComputedStyle(c).overflow === "visible") c = c.parentElement;
      const cr = c ? c.getBoundingClientRect() : { top: 0, bottom: innerHeight, left: 0, right: vw };
      return { text: e.textContent, vw, l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, h: r.height, ct: cr.top, cb: cr.bottom, sw: e.scrollWidth, cw: e.clientWidth };
    });
  }, sel);
  if (boxes.length === 0) fail(`no ${what}`);
  for (const b of boxes) {
    if (b.w === 0 || b.h === 0) fail(`${what} ${b.text} is not shown`);
    if (b.l < 0 || b.r > b.vw + 0.5) fail(`${what} ${b.text} is cut off: x ${b.l}..${b.r} in a ${b.vw} px page`);
    if (b.t < b.ct - 0.5 || b.b > b.cb + 0.5) fail(`${what} ${b.text} is outside its list's visible box: y ${b.t}..${b.b} in ${b.ct}..${b.cb}`);
  }
  return boxes;
}
async function textOf(page, sel, want) {
  try {
    await page.waitForFunction(([s, w]) => document.querySelector(s)?.textContent === w, [sel, want], { timeout: T });
  } catch {
    fail(`${sel} shows ${JSON.stringify(await page.locator(sel).textContent())}, want ${JSON.stringify(want)}`);
  }
}
async function absent(page, text) {
  if ((await msg(page, text).count()) !== 0) fail(`${text} is shown but should not be`);
}
async function send(page, text) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}
async function login(page, nick) {
  await page.goto(url);
  await page.fill("#nick", nick);
  await page.click("#login-form button");
  await page.locator("#status.online").waitFor({ timeout: T });
}
const shot = (page, name) => page.screenshot({ path: join(shots, name) });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

let code = 0;
const pages = {};
try {
  const viewport = { width: 1000, height: 640 };
  const ctxA = await browser.newContext({ viewport });
  const ctxB = await browser.newContext({ viewport });
  const alice = (pages.alice = await ctxA.newPage());
  const bob = (pages.bob = await ctxB.newPage());
  for (const [nick, page] of Object.entries(pages)) {
    page.on("pageerror", (e) => log({ page: nick, pageerror: String(e) }));
    page.on("console", (m) => m.type() === "error" && log({ page: nick, console: m.text() }));
  }

  await step("page loads the npm socket.io-client", async () => {
    await alice.goto(url);
    const src = await alice.locator("script").first().getAttribute("src");
    if (src !== "/socket.io/socket.io.min.js") fail(`client script ${src}`);
    if (!(await alice.evaluate(() => typeof io === "function"))) fail("io is not loaded");
    await shot(alice, "01-login.png");
  });

  await step("the server refuses a bad nickname", async () => {
    // Past the input's maxlength, which fill and typing respect.
    await alice.evaluate(() => (document.querySelector("#nick").value = "x".repeat(30)));
    await alice.click("#login-form button");
    await textOf(alice, "#login-error", "pick a nickname of 1 to 24 characters");
    if (!(await alice.locator("#app").isHidden())) fail("the chat is shown after a refused login");
    await shot(alice, "02-bad-nickname.png");
  });

  await step("a nickname of spaces shows an error", async () => {
    await alice.fill("#nick", "    ");
    await alice.click("#login-form button");
    await textOf(alice, "#login-error", "Pick a nickname: spaces alone are not one.");
    if (!(await alice.locator("#app").isHidden())) fail("the chat is shown after a nickname of spaces");
  });

  await step("two users log in to the lobby", async () => {
    await login(alice, "alice");
    await login(bob, "bob");
    await textOf(alice, "#room-title", "#lobby");
    await members(alice, ["alice", "bob"]);
    await members(bob, ["alice", "bob"]);
    await seeMessage(alice, "bob joined");
  });

  await step("a nickname in use is refused", async () => {
    const ctxC = await browser.newContext({ viewport });
    const carol = (pages.carol = await ctxC.newPage());
    await carol.goto(url);
    await carol.fill("#nick", "Alice");
    await carol.click("#login-form button");
    await textOf(carol, "#login-error", 'the nickname "Alice" is taken: pick another');
    if (!(await carol.locator("#app").isHidden())) fail("the chat is shown after a refused nickname");
    await shot(carol, "02b-nickname-taken.png");
    await ctxC.close();
    delete pages.carol;
  });

  await step("typing indicator", async () => {
    // "typing" is volatile (dropped on a busy connection): bob's page sends
    // it again every 1.5 s while he types.
    for (let i = 0; ; i++) {
      await bob.locator("#text").pressSequentially("hel".charAt(i % 3));
      try {
        await alice.waitForFunction(() => document.querySelector("#typing").textContent === "bob is typing…", null, { timeout: 1700 });
        break;
      } catch {
        if (i === 8) fail(`alice shows typing ${JSON.stringify(await alice.locator("#typing").textContent())}`);
      }
    }
    await shot(alice, "03-typing.png");
  });

  await step("messages with delivery ticks", async () => {
    await bob.fill("#text", "");
    await send(alice, "hello bob");
    await seeMessage(bob, "hello bob", "alice");
    await notMine(bob, "hello bob");
    await tick(alice, "hello bob");
    await send(bob, "hi alice");
    await seeMessage(alice, "hi alice", "bob");
    await notMine(alice, "hi alice");
    await tick(bob, "hi alice");
    await textOf(alice, "#typing", ""); // sending stops the typing indicator
  });

  await step("image shared as a binary attachment", async () => {
    const image = png(96, 64, [37, 99, 235], [250, 204, 21]);
    await alice.setInputFiles("#file", { name: "flag.png", mimeType: "image/png", buffer: image });
    const img = bob.locator("#messages .msg.image img").first();
    await img.waitFor({ timeout: T });
    await bob.waitForFunction(() => {
      const i = document.querySelector("#messages .msg.image img");
      return i && i.complete && i.naturalWidth > 0;
    }, null, { timeout: T });
    const size = await img.evaluate((i) => [i.naturalWidth, i.naturalHeight, i.alt]);
    if (size[0] !== 96 || size[1] !== 64 || size[2] !== "flag.png") fail(`bob's image is ${size}`);
    const from = await bob.locator("#messages .msg.image .from").first().textContent();
    if (from !== "alice") fail(`image from ${from}`);
    await alice.locator("#messages .msg.image .tick.sent").waitFor({ timeout: T });
    await shot(alice, "04-conversation-alice.png");
    await shot(bob, "05-conversation-bob.png");
  });

  await step("a refused image can be retried or dismissed", async () => {
    // Named and typed as a PNG, it is not one: the server refuses it.
    await alice.setInputFiles("#file", { name: "fake.png", mimeType: "image/png", buffer: Buffer.from("not an image at all") });
    const failed = alice.locator("#messages .msg.image.failed");
    await failed.waitFor({ timeout: T });
    if ((await failed.locator("img").count()) !== 0) fail("the refused image is still shown (a broken picture)");
    const reason = await failed.locator(".reason").textContent();
    if (!reason.startsWith("fake.png: not sent: images are PNG")) fail(`reason ${JSON.stringify(reason)}`);
    if ((await failed.locator(".tick.failed svg").count()) !== 1) fail("no failure icon");
    await shot(alice, "05b-image-refused.png");
    await failed.locator("button.retry").click();
    await alice.locator("#messages .msg.image.failed .reason").waitFor({ timeout: T }); // refused again
    await failed.locator("button.dismiss").click();
    await alice.waitForFunction(() => !document.querySelector("#messages .msg.failed"), null, { timeout: T });
    if ((await bob.locator("#messages .msg.image").count()) !== 1) fail("bob got the refused image");
  });

  await step("reconnect keeps the conversation (connection state recovery)", async () => {
    const before = await bob.locator("#messages .msg").count();
    const firstID = await bob.evaluate(() => window.chatSocket.id);
    await bob.evaluate(() => window.chatSocket.io.engine.close());
    await bob.locator("#status.reconnecting").waitFor({ timeout: T });
    await shot(bob, "06-reconnecting-bob.png");
    // Sent while bob is away: alice's reaches bob on recovery; bob's waits
    // in his client's buffer and goes out when he is back.
    await send(alice, "sent while bob was away");
    await send(bob, "typed while offline");
    await bob.locator("#status.online").waitFor({ timeout: T });
    const rec = await bob.evaluate(() => [window.chatSocket.recovered, window.chatSocket.id]);
    if (!rec[0]) fail("bob's socket was not recovered");
    if (rec[1] !== firstID) fail(`bob's socket id changed from ${firstID} to ${rec[1]}`);
    await textOf(bob, "#status", "online (recovered)");
    await seeMessage(bob, "sent while bob was away", "alice");
    await seeMessage(alice, "typed while offline", "bob");
    await tick(bob, "typed while offline");
    for (const t of ["hello bob", "hi alice"]) await seeMessage(bob, t);
    if ((await bob.locator("#messages .msg.image img").count()) !== 1) fail("bob lost the image");
    const after = await bob.locator("#messages .msg").count();
    if (after !== before + 2) fail(`bob shows ${after} messages after reconnecting, want ${before + 2}`);
    await members(alice, ["alice", "bob"]);
    await members(bob, ["alice", "bob"]);
    await shot(bob, "07-recovered-bob.png");
  });

  await step("switching rooms", async () => {
    await alice.click('#rooms button[data-room="random"]');
    await textOf(alice, "#room-title", "#random");
    await members(alice, ["alice"]);
    await members(bob, ["bob"]);
    await seeMessage(bob, "alice left");
    await absent(alice, "hello bob"); // the lobby's conversation is not shown in #random
    await send(alice, "anyone in random?");
    await tick(alice, "anyone in random?");
    await send(bob, "lobby only");
    await tick(bob, "lobby only");
    await absent(alice, "lobby only");
    await absent(bob, "anyone in random?");

    // bob follows through the room form, and gets the room's history.
    await bob.fill("#room-input", "random");
    await bob.press("#room-input", "Enter");
    await textOf(bob, "#room-title", "#random");
    await seeMessage(bob, "anyone in random?", "alice");
    await seeMessage(alice, "bob joined");
    await members(alice, ["alice", "bob"]);
    await members(bob, ["alice", "bob"]);
    await send(bob, "here I am");
    await seeMessage(alice, "here I am", "bob");
    await shot(alice, "08-room-random-alice.png");

    // alice goes back to the lobby and finds its conversation there.
    await alice.click('#rooms button[data-room="lobby"]');
    await textOf(alice, "#room-title", "#lobby");
    for (const t of ["hello bob", "hi alice", "sent while bob was away", "typed while offline", "lobby only"]) {
      await seeMessage(alice, t);
    }
    await alice.locator("#messages .msg.image img").waitFor({ timeout: T });
    await members(alice, ["alice"]);
    await members(bob, ["bob"]);
    await shot(alice, "09-back-in-lobby-alice.png");
  });

  await step("a reload keeps the nickname and the room", async () => {
    await bob.reload();
    await bob.locator("#status.online").waitFor({ timeout: T });
    await textOf(bob, "#me", "bob");
    await textOf(bob, "#room-title", "#random");
    await seeMessage(bob, "here I am", "bob");
    await tick(bob, "here I am"); // still his own after the reload
    await seeMessage(bob, "anyone in random?", "alice");
    await members(bob, ["bob"]);
  });

  await step("at 390 px the member list and the rooms are usable", async () => {
    for (const [ctxName, nick] of [["phone", "dora"], ["desk", "erin"]]) {
      const ctx = await browser.newContext({ viewport: ctxName === "phone" ? { width: 390, height: 844 } : { width: 1280, height: 800 } });
      const p = (pages[nick] = await ctx.newPage());
      await login(p, nick);
      await members(p, ["alice", nick].concat(ctxName === "desk" ? ["dora"] : []));
      await seeMessage(p, "hello bob", "alice");
    }
    const dora = pages.dora;
    await inViewport(dora, "#members li", "member");
    await inViewport(dora, "#rooms button", "room");
    await inViewport(dora, "#composer button, #composer #text", "composer");
    const overflow = await dora.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) fail(`the page scrolls sideways by ${overflow} px at 390 px`);
    await send(dora, "hello from a phone");
    await tick(dora, "hello from a phone");
    await seeMessage(alice, "hello from a phone", "dora");
    await shot(dora, "10-phone-390px.png");
    await shot(pages.erin, "11-desktop-1280px.png");
  });

  await step("everyone sees who left", async () => {
    // erin closes her page: after the grace period (in which a reload
    // would have been forgiven) the room is told.
    await pages.erin.context().close();
    delete pages.erin;
    await seeMessage(alice, "erin left");
    await seeMessage(pages.dora, "erin left");
    await members(alice, ["alice", "dora"]);
  });
} catch (e) {
  code = 1;
  log({ step: current, ok: false, error: String(e && e.message ? e.message : e).split("\n")[0] });
  for (const [nick, page] of Object.entries(pages)) {
    await page.screenshot({ path: join(shots, `failed-${nick}.png`) }).catch(() => {});
  }
  console.error(`FAIL ${current}: ${e && e.stack ? e.stack : e}`);
} finally {
  await browser.close();
}
process.exit(code);
