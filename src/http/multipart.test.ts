import { describe, expect, it } from "vitest";
import { UploadedFile } from "../inputLimits.ts";
import { parseMultipart } from "./multipart.ts";

const body = (boundary: string, parts: string[]) => Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`, "latin1");

describe("parseMultipart", () => {
  it("reads text parts and file parts, keeping file bytes as they are", () => {
    const bytes = "\x89PNG\r\n--x\r\n\x00\xff";
    const parsed = parseMultipart(
      body("x-1", ['Content-Disposition: form-data; name="access_token"\r\n\r\nabc', `Content-Disposition: form-data; name="filename"; filename="C:\\\\pics\\\\shoe.png"\r\nContent-Type: image/png\r\n\r\n${bytes}`]),
      "multipart/form-data; boundary=x-1",
    );
    expect(parsed?.access_token).toBe("abc");
    const file = parsed?.filename as UploadedFile;
    expect(file).toBeInstanceOf(UploadedFile);
    expect(file.filename).toBe("shoe.png");
    expect(file.data.equals(Buffer.from(bytes, "latin1"))).toBe(true);
  });

  it("refuses bodies without a boundary or with broken parts", () => {
    expect(parseMultipart(Buffer.from("x"), "multipart/form-data")).toBeUndefined();
    expect(parseMultipart(Buffer.from("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"), "multipart/form-data; boundary=b")).toBeUndefined();
    expect(parseMultipart(Buffer.from("--b\r\nX: y\r\n\r\nv\r\n--b--"), "multipart/form-data; boundary=b")).toBeUndefined();
  });
});
