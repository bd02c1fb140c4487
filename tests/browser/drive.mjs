// Opens a page served by `aiops-tui serve` in headless Chromium, as a person would: waits for
// the fleet view, presses a key, and prints what it saw as JSON. The terminal is an xterm.js
// canvas, so "what it saw" is read from the websocket frames the page received, escapes removed.
//   node drive.mjs URL CHROMIUM [SCREENSHOT.png]
import { chromium } from "playwright-core";

const [url, executablePath, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
const result = { fleetView: false, readOnly: false, keyWorked: false, errors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (error) => result.errors.push(String(error)));
  const frames = [];
  page.on("websocket", (ws) => ws.on("framereceived", (frame) => {
    if (typeof frame.payload !== "string") frames.push(Buffer.from(frame.payload));
  }));
  const screen = () => Buffer.concat(frames).toString("utf8")
    .replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, "").replace(/\x1b[()][0-9A-Za-z]/g, "");
  const until = async (text, ms) => {
    for (const end = Date.now() + ms; Date.now() < end;) {
      if (screen().includes(text)) return true;
      await page.waitForTimeout(100);
    }
    return false;
  };
  await page.goto(url);
  result.title = await page.title();
  result.fleetView = await until("support-chat", 30000);
  result.readOnly = screen().includes("READ-ONLY");
  await page.click("#terminal");
  frames.length = 0;
  await page.keyboard.press("?");  // the help screen: every key of the fleet view
  result.keyWorked = await until("remap by binding id", 10000);
  if (screenshot) await page.screenshot({ path: screenshot });
} catch (error) {
  result.errors.push(String(error));
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
