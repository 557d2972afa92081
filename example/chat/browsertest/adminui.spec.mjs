// Browser test of the Socket.IO Admin UI against the chat: the UI's own
// built pages (npm @socket.io/admin-ui, ui/dist, served on their own
// origin by the Go test) monitor the chat server, in headless Chromium.
//
//   node example/chat/browsertest/adminui.spec.mjs <ui-url> <chat-url> <screenshot-dir> <user> <password>
//
// It prints one JSON line per step passed and exits 0, or prints the
// failing step and exits 1.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [uiURL, chatURL, shots, user, password] = process.argv.slice(2);
if (!password) {
  console.error("usage: node adminui.spec.mjs <ui-url> <chat-url> <screenshot-dir> <user> <password>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const T = 90_000; // timeout of each wait (the machine may be busy: the UI's 1 MB of scripts load slowly)
const log = (o) => console.log(JSON.stringify(o));
let current = "launch";
async function step(name, fn) {
  current = name;
  const t0 = Date.now();
  await fn();
  log({ step: name, ok: true, ms: Date.now() - t0 });
}
function fail(msg) {
  throw new Error(msg);
}
const shot = (page, name) => page.screenshot({ path: join(shots, name), fullPage: true });

// seeText waits until the page's main content shows every text.
async function seeText(page, texts, what) {
  try {
    await page.waitForFunction(
      (ts) => {
        const s = document.querySelector("main")?.innerText || "";
        return ts.every((t) => s.includes(t));
      },
      texts,
      { timeout: T },
    );
  } catch {
    const s = await page.evaluate(() => document.querySelector("main")?.innerText || "");
    fail(`${what}: want ${JSON.stringify(texts)} in ${JSON.stringify(s.slice(0, 1500))}`);
  }
}

// seeMatch waits until the page's main content matches every regexp.
async function seeMatch(page, res, what) {
  try {
    await page.waitForFunction(
      (rs) => {
        const s = document.querySelector("main")?.innerText || "";
        return rs.every((r) => new RegExp(r).test(s));
      },
      res,
      { timeout: T },
    );
  } catch {
    const s = await page.evaluate(() => document.querySelector("main")?.innerText || "");
    fail(`${what}: want ${JSON.stringify(res)} in ${JSON.stringify(s.slice(0, 1500))}`);
  }
}

async function chatLogin(page, nick) {
  await page.goto(chatURL, { timeout: 3 * T });
  await page.fill("#nick", nick);
  await page.click("#login-form button");
  await page.locator("#status.online").waitFor({ timeout: T });
}

// selectNamespace picks a namespace in the UI's namespace selector of the
// current page.
async function selectNamespace(page, nsp) {
  const sel = page.locator("main .v-select").first();
  await sel.waitFor({ timeout: T });
  if ((await sel.innerText()).includes(nsp)) return;
  await sel.click();
  await page.locator(".v-menu__content .v-list-item", { hasText: nsp }).first().click();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

let code = 0;
const pages = {};
try {
  const viewport = { width: 1280, height: 800 };
  const alice = (pages.alice = await (await browser.newContext({ viewport })).newPage());
  const bob = (pages.bob = await (await browser.newContext({ viewport })).newPage());
  const ctxUI = await browser.newContext({ viewport });
  // The UI's index.html loads a font and an icon font from the internet,
  // which the test does without.
  await ctxUI.route(/^https?:\/\/(fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.jsdelivr\.net)\//, (r) => r.abort());
  const ui = (pages.ui = await ctxUI.newPage());
  for (const [name, page] of Object.entries(pages)) {
    page.on("pageerror", (e) => log({ page: name, pageerror: String(e) }));
    page.on("console", (m) => m.type() === "error" && !/ERR_FAILED|net::/.test(m.text()) && log({ page: name, console: m.text() }));
  }
  const ids = {};

  await step("two chat users in two rooms", async () => {
    await chatLogin(alice, "alice");
    await chatLogin(bob, "bob");
    await bob.click('#rooms button[data-room="random"]');
    await bob.waitForFunction(() => document.querySelector("#room-title")?.textContent === "#random", null, { timeout: T });
    await alice.fill("#text", "hello from alice");
    await alice.press("#text", "Enter");
    ids.alice = await alice.evaluate(() => window.chatSocket.id);
    ids.bob = await bob.evaluate(() => window.chatSocket.id);
    if (!ids.alice || !ids.bob) fail(`socket ids ${JSON.stringify(ids)}`);
  });

  await step("the UI logs in to the chat server", async () => {
    await ui.goto(uiURL, { waitUntil: "domcontentloaded", timeout: 3 * T });
    const form = ui.locator(".v-dialog--active");
    await form.waitFor({ timeout: T });
    await form.getByLabel("Server URL").fill(chatURL);
    await form.getByLabel("Username").fill(user);
    await form.getByLabel("Password").fill("wrong password");
    await shot(ui, "01-login.png");
    await form.getByRole("button", { name: "Connect" }).click();
    await seeTextIn(ui, ".v-dialog--active", "Invalid credentials");
    await form.getByLabel("Password").fill(password);
    await form.getByRole("button", { name: "Connect" }).click();
    await ui.locator(".v-dialog--active").waitFor({ state: "detached", timeout: T }).catch(() => {});
    await ui.locator(".v-dialog--active").waitFor({ state: "hidden", timeout: T });
    const sessionId = await ui.evaluate(() => localStorage.getItem("session_id"));
    if (!/^[0-9a-f]{16}$/.test(sessionId || "")) fail(`session id ${sessionId}`);
  });

  await step("the dashboard shows the server and the clients", async () => {
    await ui.goto(uiURL + "/#/", { waitUntil: "domcontentloaded", timeout: 3 * T });
    // alice's and bob's pages and the UI: 3 websocket clients; 1 healthy
    // server; the chat's namespace with its 2 sockets.
    await seeMatch(ui, ["WebSocket\\s+3\\b", "HEALTHY\\s+1\\b", "/chat\\s+2\\b"], "dashboard");
    await shot(ui, "02-dashboard.png");
    await ui.goto(uiURL + "/#/servers/", { waitUntil: "domcontentloaded", timeout: 3 * T });
    await seeText(ui, ["chat-1"], "servers page");
    // alice, bob and the UI itself: 3 Engine.IO clients.
    // The row of chat-1: ID, hostname, PID, uptime, # of clients (alice,
    // bob and the UI itself: 3), last ping, status.
    await ui.waitForFunction(
      () => {
        const row = [...document.querySelectorAll("main table tbody tr")].find((r) => r.cells[0]?.innerText.trim() === "chat-1");
        return row && row.cells[4]?.innerText.trim() === "3" && /HEALTHY/.test(row.innerText);
      },
      null,
      { timeout: T },
    );
    await shot(ui, "03-servers.png");
  });

  await step("the Sockets page lists the chat users with their rooms and handshake", async () => {
    await ui.goto(uiURL + "/#/sockets/", { waitUntil: "domcontentloaded", timeout: 3 * T });
    await selectNamespace(ui, "/chat");
    await seeText(ui, [ids.alice, ids.bob], "sockets page");
    await shot(ui, "04-sockets.png");
    await ui.locator("main tr", { hasText: ids.bob }).first().click();
    await seeText(ui, [ids.bob, "room:random", "user-agent", "HeadlessChrome", "WebSocket", "\"nick\": \"bob\""], "bob's socket page");
    await shot(ui, "05-socket-bob.png");
  });

  await step("the Rooms page shows the chat's rooms", async () => {
    await ui.goto(uiURL + "/#/rooms/", { waitUntil: "domcontentloaded", timeout: 3 * T });
    await selectNamespace(ui, "/chat");
    await seeText(ui, ["room:lobby", "room:random"], "rooms page");
    await shot(ui, "06-rooms.png");
  });

  await step("the Events page shows the chat's events", async () => {
    // bob comes to the lobby, where alice's message is broadcast to him
    // (event_sent; a sender is not sent its own message).
    await bob.click('#rooms button[data-room="lobby"]');
    await bob.waitForFunction(() => document.querySelector("#room-title")?.textContent === "#lobby", null, { timeout: T });
    await alice.fill("#text", "a second hello");
    await alice.press("#text", "Enter");
    await bob.locator("#messages .msg", { hasText: "a second hello" }).first().waitFor({ timeout: T });
    await ui.goto(uiURL + "/#/events/", { waitUntil: "domcontentloaded", timeout: 3 * T });
    await selectNamespace(ui, "/chat");
    await seeText(ui, ["chat_message", "Event received", "Event sent"], "events page");
    await shot(ui, "07-events.png");
  });

  await step("disconnecting bob's socket from the UI disconnects bob", async () => {
    // The Sockets page's row of bob's socket has the "Disconnect this
    // Socket instance" button (an icon: mdi-logout).
    await ui.goto(uiURL + "/#/sockets/", { waitUntil: "domcontentloaded", timeout: 3 * T });
    await selectNamespace(ui, "/chat");
    await seeText(ui, [ids.bob], "sockets page");
    await ui.locator("main tr", { hasText: ids.bob }).locator("button:has(i.mdi-logout)").click();
    await bob.locator("#status.offline").waitFor({ timeout: T });
    if ((await alice.locator("#status.online").count()) !== 1) fail("alice was disconnected too");
    await ui.goto(uiURL + "/#/sockets/", { waitUntil: "domcontentloaded", timeout: 3 * T });
    await selectNamespace(ui, "/chat");
    await ui.waitForFunction((id) => !(document.querySelector("main")?.innerText || "").includes(id), ids.bob, { timeout: T });
    await seeText(ui, [ids.alice], "sockets page after the disconnect");
    await shot(ui, "08-after-disconnect.png");
    await shot(bob, "09-bob-offline.png");
  });
} catch (e) {
  code = 1;
  log({ step: current, ok: false, error: String(e && e.message ? e.message : e).split("\n")[0] });
  for (const [name, page] of Object.entries(pages)) {
    await page.screenshot({ path: join(shots, `failed-${name}.png`), fullPage: true }).catch(() => {});
  }
  console.error(`FAIL ${current}: ${e && e.stack ? e.stack : e}`);
} finally {
  await browser.close();
}
process.exit(code);

async function seeTextIn(page, sel, text) {
  try {
    await page.locator(sel, { hasText: text }).first().waitFor({ timeout: T });
  } catch {
    fail(`${sel} does not show ${text}: ${JSON.stringify(await page.locator(sel).first().innerText().catch(() => ""))}`);
  }
}
