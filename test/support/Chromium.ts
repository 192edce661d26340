/**
 * Debian's Chromium, driven headless by playwright-core (which downloads no browser): the
 * dashboard tests start it once per file. The arguments keep it off the network (no update,
 * sync or QUIC probes) and let it run as root in a container.
 */
import type { Browser } from "playwright-core"

export const CHROMIUM = "/usr/bin/chromium"

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic"
]

export const launchChromium = async (): Promise<Browser> => {
  const { chromium } = await import("playwright-core")
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}
