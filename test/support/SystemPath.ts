/**
 * Daemons installed by apt-get (haproxy, nginx) live in /usr/sbin, which a non-login shell or
 * a CI runner's PATH may not include. Test code that looks for or starts them calls this first.
 */
const SBIN_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"]

export const ensureSbinOnPath = (): void => {
  const parts = (process.env["PATH"] ?? "").split(":").filter((p) => p !== "")
  for (const dir of SBIN_DIRS) if (!parts.includes(dir)) parts.push(dir)
  process.env["PATH"] = parts.join(":")
}
