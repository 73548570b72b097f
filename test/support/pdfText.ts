/** The text pdfkit wrote into an uncompressed PDF: its hex-encoded TJ strings, decoded. */
export function pdfText(pdf: Buffer): string {
  const source = pdf.toString("latin1");
  const lines: string[] = [];
  for (const tj of source.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
    lines.push([...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((m) => Buffer.from(m[1]!, "hex").toString("latin1")).join(""));
  }
  return lines.join("\n");
}
