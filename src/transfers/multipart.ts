/**
 * The first file of a multipart/form-data body (RFC 7578), for a charger that POSTs its
 * diagnostics as a form. Pure: the body is already in memory, bounded by diagnostics.maxBytes.
 */

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/** The first part with a filename (else the first part): its name and bytes; undefined when malformed. */
export function firstFile(body: Buffer, boundary: string): { fileName?: string; bytes: Buffer } | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { fileName?: string; bytes: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', start);
    if (headEnd < 0) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd + 4);
    if (next < 0) return undefined;
    const head = body.subarray(start, headEnd).toString('latin1');
    const fileName = /filename="([^"]*)"/i.exec(head)?.[1];
    parts.push({ ...(fileName ? { fileName } : {}), bytes: body.subarray(headEnd + 4, next) });
    at = next + 2;
  }
  return parts.find((p) => p.fileName !== undefined) ?? parts[0];
}
