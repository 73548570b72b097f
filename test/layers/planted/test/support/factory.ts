export const buildThing = (): { id: string } => ({ id: "1" });
