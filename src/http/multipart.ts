import { UploadedFile } from "../inputLimits.ts";

/**
 * multipart/form-data bodies, as Graph clients send uploads (`curl -F "shoe.jpg=@shoe.jpg"`, the
 * SDKs' `filename` parameter): text parts become strings, file parts UploadedFile. The body is
 * already in memory and bounded by the parser's body limit; a malformed body is undefined, which
 * the caller answers as a bad request.
 */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string | UploadedFile> | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const mark = boundary?.[1] ?? boundary?.[2];
  if (!mark || mark.length > 200) return undefined;
  const delimiter = Buffer.from(`--${mark}`);
  const out: Record<string, string | UploadedFile> = {};
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return out;
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    const headerEnd = body.indexOf("\r\n\r\n", at);
    if (headerEnd < 0) return undefined;
    const headers = body.toString("utf8", at, headerEnd);
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) return undefined;
    const content = body.subarray(headerEnd + 4, next);
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1];
    if (disposition === undefined) return undefined;
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined || Object.keys(out).length >= 100) return undefined;
    // A browser sends a path on some systems: the name is its last part.
    if (filename !== undefined) out[name] = new UploadedFile(filename.split(/[\\/]/).pop() || name, Buffer.from(content));
    else out[name] = content.toString("utf8");
    at = next + 2;
  }
}
