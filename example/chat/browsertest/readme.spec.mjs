// The smoke test of the README's first command: on the chat it started,
// two users log in from two browser contexts of a headless Chromium and
// exchange a message.
//
//   node example/chat/browsertest/readme.spec.mjs http://127.0.0.1:8080
//
// It prints one JSON line per step passed and exits 0, or prints the
// failing step and exits 1.
import { chromium } from "playwright-core";

const url = process.argv[2];
const T = 60_000;
const log = (o) => console.log(JSON.stringify(o));
let current = "launch";
async function step(name, fn) {
  current = name;
  await fn();
  log({ step: name, ok: true });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
let code = 0;
try {
  const pages = [];
  for (const nick of ["ann", "ben"]) {
    const page = await (await browser.newContext()).newPage();
    page.on("pageerror", (e) => log({ page: nick, pageerror: String(e) }));
    pages.push(page);
  }
  const [ann, ben] = pages;
  await step("the page loads socket.io-client from the server", async () => {
    await ann.goto(url);
    if (!(await ann.evaluate(() => typeof io === "function"))) throw new Error("io is not defined");
  });
  await step("two users log in", async () => {
    for (const [page, nick] of [[ann, "ann"], [ben, "ben"]]) {
      await page.goto(url);
      await page.fill("#nick", nick);
      await page.click("#login-form button");
      await page.locator("#status.online").waitFor({ timeout: T });
    }
  });
  await step("a message goes from one to the other", async () => {
    await ann.fill("#text", "hello from a fresh clone");
    await ann.press("#text", "Enter");
    await ben.locator("#messages .msg", { hasText: "hello from a fresh clone" }).waitFor({ timeout: T });
  });
} catch (e) {
  code = 1;
  log({ step: current, ok: false, error: String(e && e.message ? e.message : e).split("\n")[0] });
} finally {
  await browser.close();
}
process.exit(code);
