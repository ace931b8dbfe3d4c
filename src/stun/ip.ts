/**
 * IP address text ⇄ bytes, for the address attributes (RFC 8489 §14.1–14.2):
 * dotted IPv4 and IPv6 (with `::`, an embedded IPv4 tail and a `%zone`,
 * which is dropped) in; RFC 5952 canonical text out.
 *
 * @module
 */

/** Parses IPv4 dotted or IPv6 text into 4 or 16 bytes; undefined if neither. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((b) => b <= 255) ? Uint8Array.from(bytes) : undefined;
  }
  const zone = text.indexOf("%");
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  if (!/^[0-9a-fA-F:.]+$/.test(bare) || !bare.includes(":")) return undefined;
  let head = bare;
  let tail = "";
  const gap = bare.indexOf("::");
  if (gap >= 0) {
    head = bare.slice(0, gap);
    tail = bare.slice(gap + 2);
    if (tail.includes("::")) return undefined;
  }
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4tail = parseIp(p);
        if (!v4tail || v4tail.length !== 4) return undefined;
        out.push((v4tail[0] << 8) | v4tail[1], (v4tail[2] << 8) | v4tail[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return undefined;
  const missing = 8 - h.length - t.length;
  if (gap >= 0 ? missing < 1 : missing !== 0) return undefined;
  const words = [...h, ...new Array(missing).fill(0), ...t];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Formats 4 or 16 address bytes as text (IPv6 in RFC 5952 form). */
export function formatIp(ip: Uint8Array): string {
  if (ip.length === 4) return ip.join(".");
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((ip[i] << 8) | ip[i + 1]);
  // Compress the longest run (length >= 2) of zero groups.
  let bestStart = -1, bestLength = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${
    hex.slice(bestStart + bestLength).join(":")
  }`;
}
